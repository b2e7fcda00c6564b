"""A document's formulas in its own notation: the notation, the view of a network through it, the small Tensor type, and the Derivation that holds the claims.

Imports only symbp.model. A view reads the network it is given; it does not build one.
"""
