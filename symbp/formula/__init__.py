"""The formula language of derivations without code: the grammar, its interpreter and the TOML reader.

Imports only symbp.model and symbp.claims. Runs no code and reads no file but the one it is given.
"""
