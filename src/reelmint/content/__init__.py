"""Videos and their creators: the catalog the events and the ranker refer to."""
