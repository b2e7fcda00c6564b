"""Budgets: work run in a forked child killed at its time limit, under a memory limit; a time limit on a call."""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import select
import signal
import threading
import time

__all__ = ['run_forked', 'call_with_budget', 'TIME_LIMIT', 'TimeLimit', 'time_limit', 'limited']

#: The default time limit (seconds) of a claim's exact check: a safety net, not a decision. What is attempted is
#: bounded by work (symbp.judge.evaluate.MAX_EXPANSION); when the limit fires, the verdict is ``undecided``.
TIME_LIMIT = 60.0


def run_forked(thunks, budget):
    """Call each thunk in turn in a forked child (memory capped); stop at ``budget`` seconds.

    Returns the results of the thunks that finished in time (a prefix); a
    thunk that raises ends the child, and the results stop there.
    """
    if budget <= 0 or not thunks:
        return []
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            _limit_memory()
            with os.fdopen(w, "wb") as out:
                for thunk in thunks:
                    data = pickle.dumps(thunk())
                    out.write(len(data).to_bytes(8, "big") + data)
                    out.flush()
        finally:
            os._exit(0)
    os.close(w)
    results, buf, deadline = [], b"", time.monotonic() + budget
    try:
        while len(results) < len(thunks):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                break
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 8 and len(buf) >= 8 + int.from_bytes(buf[:8], "big"):
                size = int.from_bytes(buf[:8], "big")
                results.append(pickle.loads(buf[8:8 + size]))
                buf = buf[8 + size:]
    finally:
        os.close(r)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    return results


#: Memory a forked symbolic child may take beyond its parent's (bytes): an expansion that blows up
#: is stopped by the allocator (and judged like one that ran out of time), never swapped or OOM-killed.
CHILD_MEMORY = 4 << 30


def _limit_memory():
    """Cap this (child) process's address space at its current size plus ``CHILD_MEMORY``."""
    try:
        import resource
        with open("/proc/self/statm") as fh:
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (now + CHILD_MEMORY, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, OSError, ValueError):   # no /proc or no rlimits here: the time budget still holds
        pass


def call_with_budget(fn, budget):
    """``(True, fn())`` computed in a forked child, or ``(False, None)`` past ``budget`` seconds (or if it fails).

    For symbolic work whose size is unknown beforehand (an expansion, printing a residual).

    >>> call_with_budget(lambda: 6 * 7, 5)
    (True, 42)
    """
    out = run_forked([fn], budget)
    return (True, out[0]) if out else (False, None)


class TimeLimit(BaseException):
    """A :func:`time_limit` that fired (a BaseException, so that no ``except Exception`` of the work swallows it)."""

    def __init__(self, seconds):
        super().__init__(f"did not finish within {seconds:g} s")
        self.seconds = seconds


@contextlib.contextmanager
def time_limit(seconds):
    """Raise :class:`TimeLimit` in the block after ``seconds`` of wall time (SIGALRM; main thread of POSIX only).

    For derivation code run in a checking child (an import, a claim's function): Python that sleeps, loops or waits
    on a system call is stopped. Nested limits keep the earlier deadline; where no timer exists it does nothing.

    >>> import time
    >>> try:
    ...     with time_limit(0.05):
    ...         time.sleep(1000)
    ... except TimeLimit as e:
    ...     print(e)
    did not finish within 0.05 s
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or not seconds or not 0 < seconds < float("inf"):
        yield
        return
    outer_left = signal.getitimer(signal.ITIMER_REAL)[0]
    if outer_left and outer_left <= seconds:   # an enclosing limit fires first: it stays in charge
        yield
        return

    def fire(signum, frame):
        raise TimeLimit(seconds)

    previous = signal.signal(signal.SIGALRM, fire)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:   # the enclosing limit goes on with the time it has left
            signal.setitimer(signal.ITIMER_REAL, max(1e-3, outer_left - (time.monotonic() - start)))


def limited(fn, seconds):
    """``fn`` with every call under :func:`time_limit` (``seconds``): a claim's function that sleeps or loops.

    >>> import time
    >>> slow = limited(lambda: time.sleep(1000), 0.05)
    >>> try:
    ...     slow()
    ... except TimeLimit as e:
    ...     print(e)
    did not finish within 0.05 s
    """
    @functools.wraps(fn)
    def call(*args, **kwargs):
        with time_limit(seconds):
            return fn(*args, **kwargs)
    return call
