"""Row blocks of a batch on worker threads: the trainer's use of more than one core.

A large batch is cut into contiguous row blocks (how many depends on the
number of rows alone, so the result does not depend on the number of
threads); the blocks' forward and backward passes run on a pool of threads
(numpy releases the GIL inside BLAS and ufunc loops), with numpy's BLAS held
to one thread while they run, so that the two levels of threads do not
compete for the cores.  The worker count is numpy's BLAS thread count
(``OPENBLAS_NUM_THREADS`` and friends), read through ``threadpoolctl``;
without ``threadpoolctl`` the blocks run one after the other.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

__all__ = ['MIN_ROWS', 'MAX_BLOCKS', 'row_blocks', 'threads', 'one_blas_thread', 'map_blocks']

#: A block has at least this many rows (below it, per-call overhead and BLAS efficiency lose what threads win).
MIN_ROWS = 512
#: At most this many blocks (a power of two, so that 2, 4, 8 or 16 threads share them evenly).
MAX_BLOCKS = 16

_lock = threading.Lock()
_state = {"controller": None, "threads": None, "depth": 0, "limiter": None, "pool": None, "pool_size": 0}


def row_blocks(m: int) -> list:
    """Contiguous slices cutting ``m`` rows into a power of two of blocks of at least :data:`MIN_ROWS` rows.

    >>> row_blocks(1000), row_blocks(1797)
    ([slice(0, 1000, None)], [slice(0, 898, None), slice(898, 1797, None)])
    >>> len(row_blocks(17970))
    16
    """
    count = 1
    while count < MAX_BLOCKS and m // (2 * count) >= MIN_ROWS:
        count *= 2
    edges = [m * i // count for i in range(count + 1)]
    return [slice(a, b) for a, b in zip(edges, edges[1:])]


def _controller():
    """threadpoolctl's controller of the loaded BLAS libraries (made once), or None without threadpoolctl."""
    if _state["controller"] is None:
        import numpy  # noqa: F401  (its BLAS must be loaded for threadpoolctl to find it)
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _state["controller"] = False
        else:
            _state["controller"] = ThreadpoolController()
    return _state["controller"] or None


def threads() -> int:
    """The number of worker threads: the BLAS thread count (the largest if several BLAS are loaded; 1 if unknown).

    >>> threads() >= 1
    True
    """
    with _lock:
        if _state["depth"]:
            return _state["threads"]
        controller = _controller()
        if controller is None:
            return 1
        blas = [lib.num_threads for lib in controller.lib_controllers if lib.user_api == "blas"]
        return max(blas, default=1)


@contextmanager
def one_blas_thread():
    """Inside: BLAS calls run on one thread and :func:`threads` keeps its value from outside (re-entrant).

    >>> with one_blas_thread():
    ...     with one_blas_thread():
    ...         threads() >= 1
    True
    """
    count = threads()
    with _lock:
        if not _state["depth"]:
            _state["threads"] = count
            controller = _controller()
            _state["limiter"] = controller.limit(limits=1, user_api="blas") if controller and count > 1 else None
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if not _state["depth"] and _state["limiter"] is not None:
                _state["limiter"].restore_original_limits()
                _state["limiter"] = None


def map_blocks(fn, items) -> list:
    """``[fn(item) for item in items]``, on up to :func:`threads` threads with one BLAS thread each.

    The items are dealt round-robin to the threads; the calling thread takes the first share
    itself (one thread hand-off fewer per call).

    >>> map_blocks(lambda x: x * x, [1, 2, 3])
    [1, 4, 9]
    """
    items = list(items)
    with one_blas_thread():
        count = min(threads(), len(items))
        if count < 2:
            return [fn(item) for item in items]
        with _lock:
            if _state["pool_size"] != count - 1:
                if _state["pool"] is not None:
                    _state["pool"].shutdown(wait=False)
                _state["pool"] = ThreadPoolExecutor(max_workers=count - 1, thread_name_prefix="symbp-train")
                _state["pool_size"] = count - 1
            pool = _state["pool"]
        shares = [items[i::count] for i in range(count)]
        others = [pool.submit(lambda share: [fn(item) for item in share], share) for share in shares[1:]]
        done = [[fn(item) for item in shares[0]]] + [future.result() for future in others]
        return [done[i % count][i // count] for i in range(len(items))]
