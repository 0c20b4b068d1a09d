"""Flask front end: renders what searcher.query returns, as HTML and as JSON."""
