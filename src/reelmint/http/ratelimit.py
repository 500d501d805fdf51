"""Per-key rate limits: a token bucket per API key, in this process.

Each key may make `rate` requests per second on average and `burst` at once. Worked
example with rate 10 and burst 20: a client idle for a while may send 20 requests at
once; the 21st, sent at once, is refused with `Retry-After: 1` (one token comes back
every 0.1 s, and the header rounds up to whole seconds).

The buckets live in the worker's memory: with N Uvicorn workers a key gets up to N times
the rate. A shared limit would need Redis; one process per host keeps it exact.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    def __init__(self, rate: float, burst: int, *, max_keys: int = 100_000) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()  # routes run on a thread pool

    def take(self, key: str, now: float) -> float:
        """Spend one token of `key` at monotonic time `now`: 0 if allowed, else the seconds
        until a token is back."""
        with self._lock:
            return self._take(key, now)

    def _take(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # a flood of keys: forget them all rather than grow
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


def retry_after(wait: float) -> str:
    """The Retry-After header for a wait in seconds: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
