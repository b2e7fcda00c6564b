"""What network, under which conventions: the spec, and the tables of activations and costs.

Imports nothing of symbp.
"""
