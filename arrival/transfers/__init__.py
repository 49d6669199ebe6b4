"""Transfers to other districts (issue 18): destinations, distribution decisions,
the quota view, bus lists, boarding by card, departure and the hand-over package."""
