"""Settings classes (settings.py) and catalogue data files (catalog/)."""
