"""The REST API: the app factory, the books and key routes, health and metrics."""
