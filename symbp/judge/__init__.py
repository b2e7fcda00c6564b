"""Judging claims: instances evaluated at points (what verify and diagnose share), the exact and numeric verdict, the diagnosis of a failure, the induction over depths, mutation testing.

Imports symbp.model, symbp.oracle and symbp.claims; nothing of report, run, train or cli. verify calls diagnose, never the other way round.
"""
