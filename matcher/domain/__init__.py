"""Domain records: listings, taxonomy (and, as they come, organisations and indicators)."""
