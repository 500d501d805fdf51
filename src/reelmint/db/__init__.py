"""Database plumbing below the domains: engines, and the Alembic migrations."""
