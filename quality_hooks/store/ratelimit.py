"""Token-bucket rate limiting per token (or per client address without one).

On SQLite (one server process) the buckets live in memory. On PostgreSQL every
instance shares them: one ``rate_limits`` row per bucket, refilled and taken
in a single atomic upsert on the database's clock, so N instances behind a load
balancer still give a token one budget, not N.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from quality_hooks.store.db import Database

log = logging.getLogger("quality_hooks.store")


class Limiter(Protocol):
    #: ``check`` waits on the database: call it from a worker thread, not the event loop.
    blocking: bool

    def check(self, key: str) -> float:
        """Take one request; returns 0 when allowed, else the seconds to wait."""
        ...


class RateLimiter:
    """In-process buckets (one instance: SQLite)."""

    blocking = False

    def __init__(self, per_second: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = per_second
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """Take one request; returns 0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > self.max_keys:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}


#: The bucket refilled since its last use, capped at the burst (PostgreSQL; ``b`` is the old row).
_REFILLED = "LEAST(?, b.tokens + GREATEST(0.0, EXCLUDED.updated_at - b.updated_at) * ?)"
TAKE = (
    "INSERT INTO rate_limits AS b (bucket, tokens, updated_at, allowed) "
    "VALUES (?, ?, EXTRACT(EPOCH FROM clock_timestamp()), 1) "
    "ON CONFLICT (bucket) DO UPDATE SET "
    f"tokens = CASE WHEN {_REFILLED} >= 1 THEN {_REFILLED} - 1 ELSE {_REFILLED} END, "
    f"allowed = CASE WHEN {_REFILLED} >= 1 THEN 1 ELSE 0 END, "
    "updated_at = GREATEST(b.updated_at, EXCLUDED.updated_at) "
    "RETURNING tokens, allowed"
)
#: Rows whose bucket has refilled completely say nothing a missing row does not.
FORGET_FULL = "DELETE FROM rate_limits WHERE updated_at < EXTRACT(EPOCH FROM clock_timestamp()) - ?"


class SharedRateLimiter:
    """Buckets in the database, shared by every instance (PostgreSQL)."""

    blocking = True

    def __init__(self, db: Database, per_second: float, burst: int, forget_every: int = 1000) -> None:
        self.db = db
        self.rate = per_second
        self.burst = float(burst)
        self.forget_every = forget_every
        self._calls = 0

    def check(self, key: str) -> float:
        """Take one request atomically; a database failure lets the request through (logged)."""
        try:
            row = self.db.statement(TAKE, key, self.burst - 1, *(self.burst, self.rate) * 4)[0]
            self._calls += 1
            if self._calls % self.forget_every == 0:
                self.db.statement(FORGET_FULL, self.burst / self.rate)
        except Exception:  # abuse protection must not take the API down with the database
            log.warning("shared rate limit unavailable; request let through", exc_info=True)
            return 0.0
        return 0.0 if row["allowed"] else (1 - float(row["tokens"])) / self.rate
