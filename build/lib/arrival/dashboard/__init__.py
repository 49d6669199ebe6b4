"""The coordination dashboard: the daily picture across sites and authorities."""
