"""Isolation: derivation code runs in forked children, and what it does to its process is reported, not suffered.

Nothing here knows about derivations or claims: it is the fork, the pipe and
the words for how a child ended, shared by :mod:`symbp.run.load` (a probe
import) and :mod:`symbp.run.runner` (the checking children).
"""

from __future__ import annotations

import gc
import os
import pickle
import signal

__all__ = ["in_child", "enter_child", "collect_seldom", "keep_survivors", "CHILD_GC_THRESHOLDS", "KEPT_MAX", "raised",
           "how_it_ended", "send"]

_STATE = {"child": False, "kept": 0}


def in_child() -> bool:
    """Whether this process is a checking child (derivation code runs here, and nothing it does may end the run).

    >>> in_child()
    False
    """
    return _STATE["child"]


def enter_child() -> None:
    """Mark this (forked) process as a checking child (and :func:`collect_seldom`)."""
    _STATE["child"] = True
    collect_seldom()


#: The cyclic collector's thresholds in a checking child (Python's default: 700, 10, 10).
CHILD_GC_THRESHOLDS = (20_000, 20, 20)


def collect_seldom() -> None:
    """Let this (forked, checking) process run the cyclic garbage collector seldom, over what it builds itself.

    Judging allocates containers by the million while the expressions it builds live on: at Python's
    default thresholds the collector runs over them again and again and reclaims almost nothing
    (``benchmarks/check.py --split`` prints its runs and time).  What the process inherited from its parent
    (the imports) is frozen: never scanned, and its pages not written by the collector.  Nothing of a
    verdict depends on when garbage is collected.
    """
    gc.freeze()
    gc.set_threshold(*CHILD_GC_THRESHOLDS)


def keep_survivors() -> None:
    """After one unit of work (a claim) in a checking child: what is still alive is kept from the collector's scans.

    What outlives a claim is mostly the memos later claims reuse (networks, compiled functions, values): the
    collector's full runs would scan it again and again.  It is frozen, as the imports are (:func:`collect_seldom`):
    never scanned, and never freed before the child ends, a claim's cyclic garbage with it (a collection first
    would cost more than it saves: a claim leaves hundreds of thousands of young objects).  After
    :data:`KEPT_MAX` claims nothing more is frozen (a bound on the garbage kept), and the collector scans what comes
    after as before.  Nothing of a verdict depends on when garbage is collected.

    >>> keep_survivors(); gc.get_freeze_count() > 0
    True
    >>> gc.unfreeze()
    """
    if _STATE["kept"] < KEPT_MAX:
        _STATE["kept"] += 1
        gc.freeze()


#: :func:`keep_survivors` freezes after this many claims at most in one process (gc.get_freeze_count() walks every
#: frozen object: too slow to ask after each claim).
KEPT_MAX = 100


def raised(e: BaseException) -> str:
    """One line for an exception a derivation's own code raised.

    >>> raised(SystemExit(0)), raised(ValueError("no"))
    ('SystemExit(0)', 'ValueError: no')
    """
    if isinstance(e, SystemExit):
        return f"SystemExit({e.code!r})"
    if isinstance(e, KeyboardInterrupt):
        return "KeyboardInterrupt"
    return f"{type(e).__name__}: {e}"


def send(out, message) -> None:
    """Write one pickled, length-prefixed message to the binary stream ``out``."""
    data = pickle.dumps(message)
    out.write(len(data).to_bytes(8, "big") + data)
    out.flush()


def how_it_ended(status: int) -> str:
    """``"exit status 0"`` or ``"killed by SIGKILL"`` for a ``waitpid`` status.

    >>> how_it_ended(0)
    'exit status 0'
    """
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"exit status {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"
