"""Demo data for development and tests; refused in production."""
