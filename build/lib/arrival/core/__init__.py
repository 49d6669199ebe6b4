"""Web basics shared by every domain: transactions, security headers, errors,
logging, language, the start page and the health check."""
