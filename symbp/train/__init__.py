"""Training: the numpy trainer (large batches in row blocks on threads: parallel), small data sets, and a document's own update rule.

trainer, parallel and datasets import only symbp.model (the trainer never uses the oracle); rule composes a page's formulas and imports claims, oracle and judge.evaluate as well.
"""
