"""A global packet budget shared by every probe of one scan.

Why one bucket: ``--max-rate`` promises the network a ceiling on packets per
second for the whole scan, whatever mix of ICMP echoes and TCP SYNs is in
flight, so every sender draws from the same bucket.
"""

from __future__ import annotations

import time


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up (small, to keep the wire smooth)."""

    def __init__(self, rate: float, *, burst: float | None = None, clock=time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        # Up to 20 ms of traffic may be caught up after an event-loop stall, so the average
        # holds the promised rate; more would be a spike on the wire.
        self.burst = float(burst if burst is not None else max(4.0, self.rate / 50))
        self._clock = clock
        self._tokens = 1.0
        self._last = clock()
        self.taken = 0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def available(self) -> int:
        """Whole tokens that may be spent right now."""
        self._refill()
        return int(self._tokens)

    def take(self, count: int = 1) -> None:
        """Spend ``count`` tokens (callers check :meth:`available` first)."""
        self._tokens -= count
        self.taken += count

    def wait_time(self) -> float:
        """Seconds until the next whole token exists."""
        self._refill()
        missing = 1.0 - self._tokens
        return max(0.0, missing / self.rate)
