"""Per-client rate limiting: a token bucket per client address, held in the process's memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class RateLimiter:
    """``rate_per_minute`` requests per client, with bursts of up to ``burst``; ``rate_per_minute=0`` is off."""

    MAX_CLIENTS = 10_000  # least recently seen clients are forgotten beyond this

    def __init__(self, rate_per_minute: int, burst: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(max(burst, 1))
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, last time)
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> tuple[bool, float]:
        """Whether the client may make a request now, and if not, the seconds to wait."""
        if self.rate <= 0:
            return True, 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return allowed, 0.0 if allowed else (1.0 - tokens) / self.rate
