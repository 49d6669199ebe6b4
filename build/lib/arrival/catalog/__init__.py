"""Catalogue: authorities and the reference lists kept as data files in config/catalog/."""
