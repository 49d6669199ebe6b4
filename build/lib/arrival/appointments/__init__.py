"""Appointments of the authorities: slot calendars, bookings from clarification
items, the family's slip, day lists and the call-up screen (issue 16)."""
