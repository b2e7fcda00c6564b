"""Progress on stderr, the same for ``check``, ``prove`` and ``mutate``: ``-q`` none, ``-v`` a line per claim.

By default a one-line bar, rewritten in place, only when stderr is a terminal (a pipe or a log gets nothing); with
``-v`` one line per claim wherever stderr goes; with ``-q`` nothing. Each line names the derivation, the claim's
place and label, and once a claim of that derivation is done, an estimate of the time left in it.
"""

from __future__ import annotations

import contextlib
import sys
import time

__all__ = ["add_progress_options", "Progress", "progress_for", "finishing"]


def add_progress_options(parser) -> None:
    """Add ``-q/--quiet`` and ``-v/--verbose`` (exclusive) to a command's parser."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    group.add_argument("-v", "--verbose", action="store_true",
                       help="a progress line per claim on stderr (also when stderr is not a terminal)")


class Progress:
    """A progress callback ``(derivation, index, total, label)``; :meth:`finish` clears the bar.

    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress(out, verbose=True, clock=iter([0.0, 0.0, 2.0, 4.0]).__next__)
    >>> p("ufldl", 0, 3, "(1)"); p("ufldl", 1, 3, "(2)"); p.finish()
    >>> print(out.getvalue(), end="")
    [ufldl 1/3] (1)
    [ufldl 2/3] (2) · about 4 s left
    symbp: 2 claims in 4 s
    """

    def __init__(self, stream=None, *, verbose=False, clock=time.monotonic):
        self.stream, self.verbose, self.clock = stream or sys.stderr, verbose, clock
        self.started, self.first, self.count, self.shown = clock(), {}, 0, False

    def __call__(self, name, i, total, label):
        now = self.clock()
        first = self.first.setdefault(name, (now, i))
        self.count += 1
        line = f"[{name} {i + 1}/{total}] {label}"
        done = i - first[1]
        if done > 0:
            left = (now - first[0]) / done * (total - i)
            line += f" · about {_seconds(left)} left"
        if self.verbose:
            self.stream.write(line + "\n")
        else:
            self.stream.write("\r\033[K" + line[:120])
            self.shown = True
        self.stream.flush()

    def finish(self, summary: bool = True) -> None:
        """Clear the bar (or, verbose and with ``summary``, say how many claims took how long)."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.shown = False
        elif self.verbose and self.count and summary:
            self.stream.write(f"symbp: {self.count} claim{'s' if self.count != 1 else ''} in "
                              f"{_seconds(self.clock() - self.started)}\n")
        self.stream.flush()


def _seconds(s: float) -> str:
    """``"4 s"``, ``"2 min 5 s"``.

    >>> _seconds(4.4), _seconds(125)
    ('4 s', '2 min 5 s')
    """
    s = max(0, round(s))
    return f"{s // 60} min {s % 60} s" if s >= 60 else f"{s} s"


def progress_for(args, stream=None):
    """The progress callback that ``args`` asks for (``-q``, ``-v``, else a bar on a terminal), or None.

    >>> import argparse, io
    >>> progress_for(argparse.Namespace(quiet=True, verbose=False)) is None
    True
    >>> progress_for(argparse.Namespace(quiet=False, verbose=False), io.StringIO()) is None   # not a terminal
    True
    """
    stream = stream or sys.stderr
    if getattr(args, "quiet", False):
        return None
    if getattr(args, "verbose", False):
        return Progress(stream, verbose=True)
    return Progress(stream) if stream.isatty() else None


@contextlib.contextmanager
def finishing(progress):
    """A block after which ``progress`` (or None) is finished: with its summary if the block ends, cleared without
    it if the block raises (Ctrl-C, bad input), so that an error line never lands on a half-drawn bar.

    >>> import io
    >>> out = io.StringIO()
    >>> with finishing(Progress(out, verbose=True, clock=iter([0.0, 0.0, 1.0]).__next__)) as p:
    ...     p("ufldl", 0, 1, "(1)")
    >>> print(out.getvalue(), end="")
    [ufldl 1/1] (1)
    symbp: 1 claim in 1 s
    """
    try:
        yield progress
    except BaseException:
        if progress:
            progress.finish(summary=False)
        raise
    if progress:
        progress.finish()
