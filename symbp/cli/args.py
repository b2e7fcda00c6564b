"""Argument types of the command line: one-line usage errors, exit code 2."""

from __future__ import annotations

import argparse
import re

__all__ = ['positive_float', 'positive_int', 'seed', 'arch', 'Parser']


class Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit code 2
        self.exit(2, f"symbp: error: {message}\n")


def positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return v


def _whole(text, minimum):
    """``text`` as an integer >= ``minimum``: ASCII digits only (``2.0``, ``1_000``, ``True`` are not whole numbers)."""
    if not isinstance(text, str) or not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    v = int(text)
    if v < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
    return v


def positive_int(text):
    return _whole(text, 1)


def seed(text):
    return _whole(text, 0)


def arch(text):
    from ..model.arch import parse_arch
    try:
        return parse_arch(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
