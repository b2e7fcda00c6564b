"""The ground truth: the CAS builds the composed cost of a network and differentiates it.

Imports only symbp.model. Never any formula of a document: nothing of claims, formula, judge, train, report or cli.
"""
