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

__all__ = ['run_forked', 'call_with_budget', 'TIME_LIMIT', 'TimeLimit', 'time_limit', 'limited', 'alarm_session',
           'time_left']

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


#: The limits of the active :func:`alarm_session` ((deadline, seconds), the one that fires first last), or None.
_SESSION = [None]

#: The thread of the active session, and the monotonic time the session's timer is set to fire at (None: unset).
_SESSION_THREAD, _ARMED = [None], [None]


def _usable() -> bool:
    """Whether SIGALRM can stop work here: POSIX timers exist and this is the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _arm(deadline, now):
    """Set the session's timer to fire at ``deadline`` (monotonic seconds)."""
    _ARMED[0] = deadline
    signal.setitimer(signal.ITIMER_REAL, max(1e-4, deadline - now))


def _fire(signum, frame):
    """The session's SIGALRM: a limit whose deadline is past raises; a timer set for an earlier limit is set again."""
    _ARMED[0] = None
    limits = _SESSION[0]
    if not limits:
        return
    deadline, seconds = limits[-1]
    now = time.monotonic()
    if now >= deadline - 1e-4:
        raise TimeLimit(seconds)
    _arm(deadline, now)


def _forget_in_child():
    """A forked child has no timer, and keeps none of its parent's limits (as without a session): a limit of the
    parent that fired in the child would unwind the parent's code there. Its parent's budget stops it; limits it
    sets itself work as anywhere."""
    _ARMED[0] = None
    if _SESSION[0]:
        del _SESSION[0][:]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


@contextlib.contextmanager
def alarm_session():
    """The time limits inside the block share one SIGALRM handler and one timer, set again only when a limit
    fires before the one it is set for: the same limits as without it, without a system call per limit.

    It does nothing where another timer is already set (that timer's owner keeps SIGALRM), off the main thread,
    or inside another session; outside the block, SIGALRM and its timer are as they were before it.

    >>> import time
    >>> with alarm_session():
    ...     try:
    ...         with time_limit(0.05):
    ...             time.sleep(1000)
    ...     except TimeLimit as e:
    ...         print(e)
    did not finish within 0.05 s
    """
    if _SESSION[0] is not None or not _usable() or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _fire)
    _SESSION[0], _SESSION_THREAD[0], _ARMED[0] = [], threading.get_ident(), None
    try:
        yield
    finally:
        _SESSION[0] = None   # first: a timer that fires from here on finds no limit
        signal.setitimer(signal.ITIMER_REAL, 0)
        _ARMED[0] = _SESSION_THREAD[0] = None
        signal.signal(signal.SIGALRM, previous)


def time_left():
    """Seconds before the enclosing time limit fires, or None without one.

    >>> time_left() is None
    True
    >>> with time_limit(30):
    ...     0 < time_left() <= 30
    True
    """
    limits = _SESSION[0]
    if limits is not None and threading.get_ident() == _SESSION_THREAD[0]:
        return max(0.0, limits[-1][0] - time.monotonic()) if limits else None
    if not hasattr(signal, "getitimer"):
        return None
    return signal.getitimer(signal.ITIMER_REAL)[0] or None


@contextlib.contextmanager
def time_limit(seconds):
    """Raise :class:`TimeLimit` in the block after ``seconds`` of wall time (SIGALRM; main thread of POSIX only).

    For derivation code run in a checking child (an import, a claim's function): Python that sleeps, loops or waits
    on a system call is stopped. Nested limits keep the earlier deadline; where no timer exists it does nothing.
    Inside an :func:`alarm_session` the same limits cost no system call.

    >>> import time
    >>> try:
    ...     with time_limit(0.05):
    ...         time.sleep(1000)
    ... except TimeLimit as e:
    ...     print(e)
    did not finish within 0.05 s
    """
    if not seconds or not 0 < seconds < float("inf"):
        yield
        return
    limits = _SESSION[0]
    if limits is not None and threading.get_ident() == _SESSION_THREAD[0]:
        now = time.monotonic()
        deadline = now + seconds
        if limits and limits[-1][0] <= deadline:   # an enclosing limit fires first: it stays in charge
            yield
            return
        depth = len(limits)
        limits.append((deadline, seconds))
        try:
            if _ARMED[0] is None or _ARMED[0] > deadline:
                _arm(deadline, now)
            yield
        finally:
            del limits[depth:]   # (also what an inner limit interrupted in its own cleanup left)
            if limits and _ARMED[0] is None:   # the timer fired for this one: the enclosing limit needs it
                _arm(limits[-1][0], time.monotonic())
        return
    if not _usable():
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
