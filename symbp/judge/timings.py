"""Where the judge's time goes: seconds and counts per phase (instantiation, lambdify, evaluation, ...).

A process-wide tally that benchmarks print; it records, it never decides (no verdict reads it).

>>> t = Timings()
>>> with t.timer("lambdify"):
...     pass
>>> t.count("lambdify"); t.counts["lambdify"], "lambdify" in t.seconds
(1, True)
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

__all__ = ['Timings', 'TIMINGS']


class Timings:
    """Seconds and counts per phase, exclusive: time in a phase entered inside another counts to the inner one."""

    def __init__(self):
        self.seconds, self.counts, self._stack, self._mark = defaultdict(float), defaultdict(int), [], 0.0

    @contextmanager
    def timer(self, phase):
        """Add the time spent in the ``with`` block, less that of phases timed inside it, to ``phase``.

        >>> t = Timings()
        >>> with t.timer("diagnosis"):
        ...     with t.timer("lambdify"):
        ...         pass
        >>> sorted(t.seconds)
        ['diagnosis', 'lambdify']
        """
        self._switch()
        self._stack.append(phase)
        try:
            yield
        finally:
            self._switch()
            self._stack.pop()

    def _switch(self):
        now = time.perf_counter()
        if self._stack:
            self.seconds[self._stack[-1]] += now - self._mark
        self._mark = now

    def count(self, phase, n=1):
        """Count ``n`` more events of ``phase``."""
        self.counts[phase] += n

    def reset(self):
        """Forget every figure.

        >>> t = Timings(); t.count("x"); t.reset(); dict(t.counts)
        {}
        """
        self.seconds.clear()
        self.counts.clear()

    def table(self, total=None) -> str:
        """The figures as lines ``phase  seconds  count`` (and the share of ``total`` seconds).

        >>> t = Timings(); t.seconds["lambdify"] = 2.0; t.count("lambdify", 3)
        >>> print(t.table(total=4.0))
        lambdify             2.0 s   50%  (3)
        """
        lines = []
        for phase, sec in sorted(self.seconds.items(), key=lambda kv: -kv[1]):
            share = f"  {100 * sec / total:3.0f}%" if total else ""
            n = self.counts.get(phase)
            lines.append(f"{phase:<18} {sec:5.1f} s{share}" + (f"  ({n})" if n else ""))
        lines += [f"{phase:<18} {n} times" for phase, n in self.counts.items() if phase not in self.seconds]
        return "\n".join(lines)


#: The process-wide tally.
TIMINGS = Timings()
