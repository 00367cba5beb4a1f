"""Admission in the embedded stack: API Gateway's token buckets, and a bounded FIFO wait for an environment."""

import threading
import time
from collections import deque


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.capacity, self.tokens = rate, burst, float(burst)
        self.updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class FifoSlots:
    """A counting semaphore that serves waiters in arrival order.

    ``threading.Semaphore`` wakes an arbitrary waiter, and a newcomer can take a slot freed while older
    waiters sleep: under a burst one request starved for 38 s while later ones passed it. Here a freed
    slot goes straight to the oldest waiter, and a newcomer never jumps the queue.
    """

    def __init__(self, limit: int, max_waiting: int | None = None) -> None:
        """``max_waiting``: callers that may wait at once (None: any number); one more is refused at once."""
        self._free = limit
        self._max_waiting = max_waiting
        self._waiters: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = True) -> bool:
        """True once the caller holds a slot; False at once if it may not wait, or too many wait already."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            if not blocking or (self._max_waiting is not None and len(self._waiters) >= self._max_waiting):
                return False
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()  # release() handed this waiter its slot
        return True

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiters)
