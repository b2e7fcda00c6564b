"""Architectures written as text: ``2,3,2:4`` is widths 2, 3, 2 with batch size 4."""

from __future__ import annotations

__all__ = ['parse_arch', 'MAX_WIDTH', 'MAX_WIDTHS', 'MAX_BATCH', 'MAX_WORK']

#: caps of an architecture given as text: beyond them building the symbolic network alone takes minutes
MAX_WIDTH = 32          # units in one layer
MAX_WIDTHS = 10         # layers, the input included
MAX_BATCH = 32          # examples in the batch
MAX_WORK = 20_000       # weights and biases times examples


def parse_arch(text: str):
    """``"2,3,1"`` -> ``((2, 3, 1), 1)``; ``"2,3,1:3"`` -> batch size 3.

    >>> parse_arch("2,3,1:3")
    ((2, 3, 1), 3)
    >>> parse_arch("200,2")
    Traceback (most recent call last):
    ...
    ValueError: --arch '200,2': too large to build symbolically (at most 10 widths of at most 32, a batch of at most 32, and (weights + biases) × batch at most 20000; this one has 402)
    """
    sizes, _, m = text.partition(":")
    try:
        dims = tuple(_whole(v) for v in sizes.split(","))
        batch = _whole(m) if m else 1
    except ValueError:
        raise ValueError(f"--arch {text!r}: expected widths like 2,3,1 (optionally :m for the batch size)") from None
    if len(dims) < 2 or min(dims) < 1 or batch < 1:
        raise ValueError(f"--arch {text!r}: need at least two widths >= 1 and a batch size >= 1")
    work = sum((a + 1) * b for a, b in zip(dims, dims[1:])) * batch
    if max(dims) > MAX_WIDTH or len(dims) > MAX_WIDTHS or batch > MAX_BATCH or work > MAX_WORK:
        raise ValueError(f"--arch {text!r}: too large to build symbolically (at most {MAX_WIDTHS} widths of at most "
                         f"{MAX_WIDTH}, a batch of at most {MAX_BATCH}, and (weights + biases) × batch at most "
                         f"{MAX_WORK}; this one has {work})")
    return dims, batch


def _whole(text: str) -> int:
    """An integer written in ASCII digits (``int`` alone would take ``" 3"``, ``"1_0"`` and other scripts' digits)."""
    if not text.isascii() or not text.strip().isdigit():
        raise ValueError(text)
    return int(text)
