"""Flask front end: renders what searcher.search returns, as HTML and as JSON."""
