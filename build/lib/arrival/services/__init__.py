"""Service points: service types from the catalogue, scan stations, delivery rules."""
