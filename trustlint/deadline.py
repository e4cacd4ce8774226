"""Time limits for evaluating CEL written by others: a GCP attribute condition in a scanned
file, or a rule file in the pull request. cel-python is pure Python, so a timer signal can
interrupt it; where no timer is available (a thread, Windows) evaluation runs unbounded,
with the expression length cap (cel.MAX_EXPRESSION) as the only guard."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager


class TimeLimitExceeded(BaseException):
    """A BaseException, like KeyboardInterrupt: cel-python turns Exceptions raised inside an
    evaluation into CEL errors, and this one must reach the caller."""


def _raise(signum, frame):
    raise TimeLimitExceeded()


@contextmanager
def time_limit(seconds: float):
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)  # never nest or steal a caller's timer
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Budget:
    """Cumulative seconds one expression may spend over all its evaluations."""

    def __init__(self, seconds: float):
        self.left = seconds

    @contextmanager
    def spend(self):
        if self.left <= 0:
            raise TimeLimitExceeded()
        start = time.monotonic()
        try:
            with time_limit(self.left):
                yield
        finally:
            self.left -= time.monotonic() - start
