"""Time the diagnosis of every failing (or ill-formed) claim of the bundled derivations, and the edit search in it.

    python benchmarks/diagnosis.py

Each claim is verified in this process (one shared network cache); the time of the
diagnosis is that of :func:`symbp.judge.diagnose.diagnose` or, for a claim that cannot
be evaluated anywhere, of the reading and edit searches; the edit search is timed
apart, and the edited readings it evaluated are counted by how (replayed at the screen's points, or
symbolically where the numeric replay cannot be sure). Times are CPU seconds of this process and its finished children (``os.times``: the machine is
shared, wall time says little). Target (issue 15): a single failing claim's diagnosis under 5 s at the median;
issue 17: the whole diagnosis of the bundled derivations cheap enough for a cold ``symbp check`` in 8 s.
"""
import os
import statistics

from symbp.judge import diagnose as diagnose_module
from symbp.judge import edits as edits_module
from symbp.judge import verify as verify_module
from symbp.judge.evaluate import NetworkCache
from symbp.run.load import bundled_derivations, derivation_files, load_derivation

TARGET = 5.0


def cpu():
    """CPU seconds of this process and of its children that have ended."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn, into):
    def call(*args, **kw):
        t0 = cpu()
        try:
            return fn(*args, **kw)
        finally:
            into.append(cpu() - t0)
    return call


def counted(fn, into, key):
    def call(*args, **kw):
        into[key] += 1
        return fn(*args, **kw)
    return call


def main():
    diag_times, edit_times = [], []
    how = {"at the points": 0, "symbolically": 0}
    edits_module._symbolically = counted(edits_module._symbolically, how, "symbolically")
    edits_module.replay_values = counted(edits_module.replay_values, how, "at the points")
    verify_module.diagnose = timed(diagnose_module.diagnose, diag_times)
    verify_module.explain_ill_formed = timed(diagnose_module.explain_ill_formed, diag_times)
    verify_module.ill_formed_edit = timed(diagnose_module.ill_formed_edit, diag_times)
    diagnose_module.edit_diagnosis = timed(diagnose_module.edit_diagnosis, edit_times)

    rows = []
    start = cpu()
    for path in derivation_files([bundled_derivations()]):
        doc = load_derivation(path)
        cache = NetworkCache()
        for claim in doc.claims:
            before_d, before_e = len(diag_times), len(edit_times)
            outcome = verify_module.verify_claim(claim, doc, cache=cache)
            if len(diag_times) == before_d:
                continue
            d = outcome.diagnosis or {}
            rows.append((doc.name, claim.label, claim.reading, outcome.status, d.get("kind", "-"),
                         sum(diag_times[before_d:]), sum(edit_times[before_e:]), bool(d.get("edits"))))
    print(f"{'derivation':<28} {'claim':<44} {'status':<10} {'kind':<12} {'diagnosis s':>11} {'edits s':>8}  edit")
    for name, label, reading, status, kind, dt, et, found in rows:
        print(f"{name:<28} {(label + ' (' + reading + ')')[:44]:<44} {status:<10} {kind:<12} {dt:>11.2f} {et:>8.2f}  "
              f"{'yes' if found else ''}")
    total = cpu() - start
    per_claim = [dt for *_, dt, _, _ in rows]
    print(f"\n{len(rows)} diagnosed claims; median diagnosis {statistics.median(per_claim):.2f} s, "
          f"max {max(per_claim):.2f} s, edit search total {sum(r[6] for r in rows):.1f} s; "
          f"named by an edit: {sum(r[7] for r in rows)} (target: median < {TARGET:g} s)")
    print(f"edited readings: {how['at the points']} replays at the points tried, {how['symbolically']} symbolic replays "
          f"(a reading that needed its symbols, or on a screen that stopped trying)")
    print(f"diagnosis total {sum(per_claim):.1f} CPU s of {total:.1f} CPU s for verifying every bundled claim "
          f"({100 * sum(per_claim) / max(total, 1e-9):.0f} %)")


if __name__ == "__main__":
    main()
