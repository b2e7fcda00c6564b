"""``symbp prove``: write the proof transcript of a derivation's claims (Markdown, LaTeX or HTML).

Exit codes as ``symbp check``: 0 when every transcribed verdict is the pinned
one, 1 when any is not, 2 on bad input (a file that does not load, a label
that does not exist).
"""

from __future__ import annotations

import sys

from ..claims.derivation import select_labels
from ..judge.budget import TIME_LIMIT
from .args import budget, output_file
from .progress import add_progress_options, finishing, progress_for

__all__ = ['add_parser', 'run']


def add_parser(subparsers):
    """Register the ``prove`` command on an argparse ``subparsers`` object; returns its parser."""
    p = subparsers.add_parser(
        "prove", help="write the proof transcript of a derivation's claims",
        description="Write the chain of reasoning behind each verdict: the cost, the chain rule as the CAS derives "
                    "it (output layer and the generic induction step), each step the document writes with a check "
                    "mark or a cross, and for a broken step the residual and an exact counterexample.")
    p.add_argument("derivations", nargs="+", metavar="DERIVATION",
                   help="derivation files (.py, .toml), folders, bundled names (ufldl_backprop) or module names")
    p.add_argument("--claim", metavar="LABEL",
                   help="only the claims this picks: a label, a glob or a part of a label (default: every claim)")
    p.add_argument("--format", choices=("markdown", "latex", "html"), default="markdown",
                   help="output format (default: markdown; latex is a standalone document for pdflatex)")
    p.add_argument("--output", "-o", type=output_file, metavar="FILE", help="write the transcript to FILE instead of stdout")
    p.add_argument("--budget", type=budget, default=TIME_LIMIT, metavar="SECONDS",
                   help="time limit of each exact step of a claim, a safety net: what is attempted is bounded by work; a "
                        "step that hits the limit makes the verdict undecided (default: 60)")
    p.add_argument("--backend", choices=("symengine", "sympy"), default="symengine",
                   help="computer algebra backend for the ground truth (default: symengine)")
    add_progress_options(p)
    return p


def run(args) -> int:
    """Run ``symbp prove`` with parsed ``args``; returns the exit code."""
    from ..run.load import LoadError, load_derivation, resolve
    from ..run.prove import render, transcripts
    ts, progress = [], progress_for(args)
    try:
        with finishing(progress):   # Ctrl-C: the bar cleared; symbp.cli.main says "interrupted"
            docs = [load_derivation(p, args.budget) for p in resolve(args.derivations)]
            for doc in docs:
                if args.claim is None or select_labels([c.label for c in doc.claims], [args.claim])[0]:
                    ts += transcripts(doc, args.claim, budget=args.budget, backend=args.backend, progress=progress)
    except LoadError as e:
        print(f"symbp: error: {e}", file=sys.stderr)
        return 2
    if not ts:
        labels = ", ".join(repr(c.label) for doc in docs for c in doc.claims)
        print(f"symbp: error: --claim {args.claim!r} matches no claim (labels: {labels})", file=sys.stderr)
        return 2
    text = render(ts, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 1 if any(t.result.unexpected for t in ts) else 0
