"""Accommodation: sites, units, beds, stays, occupancy and absence."""
