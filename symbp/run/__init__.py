"""A run of the checker: derivations found and loaded, each checked in forked children, verdicts collected into a Report; proof transcripts.

Imports model, oracle, claims, formula, judge and report; nothing of train or cli.
"""
