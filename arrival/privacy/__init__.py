"""Data protection over the life of a record (issue 20): retention and the nightly
sweep, anonymisation that keeps the figures exact, the persons' rights (access,
erasure, restriction) and the record of processing."""
