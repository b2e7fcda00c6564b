"""Walk through the proofs of the UFLDL-style notes (derivations/ufldl_backprop.py), as a student would.

Run from the repository root:  python examples/prove_ufldl.py [--format markdown|latex|html]

1. the hidden-layer δ recursion "algorithm step 3": proven for all depths (base case + induction step);
2. the matrix form "matrix step 3" as written: a stray index i makes it fail; the transcript marks the
   broken step, prints the residual and an exact counterexample (small fractions, both sides exact);
3. the same formula as intended: proven for all depths.
In Jupyter, each transcript renders by itself (``_repr_markdown_``): put ``t`` last in a cell.
"""
import argparse
from pathlib import Path

from symbp import load_derivation, prove, render_proofs

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--format", choices=("markdown", "latex", "html"), default="markdown")
    args = p.parse_args(argv)
    doc = load_derivation(ROOT / "derivations" / "ufldl_backprop.py")
    shown = prove(doc, ["algorithm step 3", "matrix step 3"])
    for t in shown:
        print(f"# {t.claim.label} ({t.claim.reading}): {t.result.status}"
              + (f", broken step(s) {t.broken}" if t.broken else ""), flush=True)
    print(render_proofs(shown, args.format))
    return shown


if __name__ == "__main__":
    main()
