"""Argument types of the command line: one-line usage errors, exit code 2."""

from __future__ import annotations

import argparse
import os
import re

__all__ = ['positive_float', 'positive_int', 'seed', 'arch', 'Parser', 'budget', 'points', 'jobs', 'learning_rate',
           'positive_number', 'non_negative', 'momentum',
           'output_file', 'MAX_BUDGET', 'MAX_POINTS', 'MAX_JOBS', 'MAX_SEED']

MAX_BUDGET = 3600.0     # seconds of exact checking per claim
MAX_POINTS = 10_000     # random points per architecture
MAX_JOBS = 64           # worker processes
MAX_SEED = 2 ** 32 - 1  # numpy's seed range


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 2."""

    def error(self, message):  # usage errors: one line, exit code 2
        self.exit(2, f"symbp: error: {message}\n")


def _number(text, what):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def positive_float(text, what="a number of seconds", most=None):
    """``text`` as a finite number > 0 (and <= ``most``).

    >>> positive_float("2.5")
    2.5
    """
    v = _number(text, what)
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"expected {what} > 0, got {text!r}")
    if most is not None and v > most:
        raise argparse.ArgumentTypeError(f"expected {what} of at most {most:g}, got {text!r}")
    return v


def positive_number(text):
    """A finite number > 0.

    >>> positive_number("0.1")
    0.1
    """
    return positive_float(text, "a number")


def non_negative(text):
    """A finite number >= 0.

    >>> non_negative("0")
    0.0
    """
    v = _number(text, "a number")
    if not 0 <= v < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return v


def momentum(text):
    """A momentum coefficient: from 0 to below 1.

    >>> momentum("0.9")
    0.9
    """
    v = non_negative(text)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"expected a momentum from 0 to below 1, got {text!r}")
    return v


def budget(text):
    """A time budget in seconds: > 0 and at most :data:`MAX_BUDGET`.

    >>> budget("10")
    10.0
    """
    return positive_float(text, "a number of seconds", MAX_BUDGET)


def learning_rate(text):
    """A learning rate: a finite number > 0.

    >>> learning_rate("0.5")
    0.5
    """
    return positive_float(text, "a learning rate")


def _whole(text, minimum, most=None):
    """``text`` as an integer >= ``minimum``: ASCII digits only (``2.0``, ``1_000``, ``True`` are not whole numbers)."""
    if not isinstance(text, str) or not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    v = int(text)
    if v < minimum or (most is not None and v > most):
        bound = f"from {minimum} to {most}" if most is not None else f">= {minimum}"
        raise argparse.ArgumentTypeError(f"expected a whole number {bound}, got {text!r}")
    return v


def positive_int(text):
    """A whole number >= 1.

    >>> positive_int("3")
    3
    """
    return _whole(text, 1)


def points(text):
    """Random points per architecture: 1 to :data:`MAX_POINTS`."""
    return _whole(text, 1, MAX_POINTS)


def jobs(text):
    """Worker processes: 1 to :data:`MAX_JOBS`."""
    return _whole(text, 1, MAX_JOBS)


def seed(text):
    """A seed: 0 to :data:`MAX_SEED`.

    >>> seed("0")
    0
    """
    return _whole(text, 0, MAX_SEED)


def arch(text):
    """An architecture ``W0,W1,...[:M]`` within the caps of :func:`symbp.model.arch.parse_arch`."""
    from ..model.arch import parse_arch
    try:
        return parse_arch(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def output_file(text):
    """A file the report can be written to: checked before the run, so that a long run does not end in an error.

    >>> output_file("/no/such/folder/report.json")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: cannot write '/no/such/folder/report.json': No such file or directory
    """
    existed = os.path.exists(text)
    try:
        with open(text, "a", encoding="utf-8"):
            pass
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {e.strerror}") from None
    if not existed:
        os.remove(text)
    return text
