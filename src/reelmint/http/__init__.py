"""HTTP plumbing shared by every domain's routes: problems, auth, idempotency, rate limits."""
