"""Engagement events: schemas, validation, the Parquet lake, stats and online counters."""
