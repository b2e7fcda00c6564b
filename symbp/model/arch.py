"""Architectures written as text: ``2,3,2:4`` is widths 2, 3, 2 with batch size 4."""

from __future__ import annotations

__all__ = ['parse_arch']


def parse_arch(text: str):
    """``"2,3,1"`` -> ``((2, 3, 1), 1)``; ``"2,3,1:3"`` -> batch size 3.

    >>> parse_arch("2,3,1:3")
    ((2, 3, 1), 3)
    """
    sizes, _, m = text.partition(":")
    try:
        dims = tuple(_whole(v) for v in sizes.split(","))
        batch = _whole(m) if m else 1
    except ValueError:
        raise ValueError(f"--arch {text!r}: expected widths like 2,3,1 (optionally :m for the batch size)") from None
    if len(dims) < 2 or min(dims) < 1 or batch < 1:
        raise ValueError(f"--arch {text!r}: need at least two widths >= 1 and a batch size >= 1")
    return dims, batch


def _whole(text: str) -> int:
    """An integer written in ASCII digits (``int`` alone would take ``" 3"``, ``"1_0"`` and other scripts' digits)."""
    if not text.isascii() or not text.strip().isdigit():
        raise ValueError(text)
    return int(text)
