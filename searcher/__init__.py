"""livesearch: search engine for live-blog news.

Pipeline: ingest -> segment -> dates -> entities -> index -> query.
"""
