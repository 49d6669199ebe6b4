"""QR arrival cards: random tokens (only their hash stored), short numbers with a
check character, ID-1 and A4 PDFs, revocation and reissue."""
