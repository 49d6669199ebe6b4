"""Pre-registration on the refugee's own phone, handed over at the desk by QR code."""
