"""The formula grammar: a TOML derivation's formula strings parsed by :mod:`lark` (no ``eval``).

>>> parse_formula("W[l][j, i] * a[l-1][i]").data
'mul'
"""

from __future__ import annotations

from lark import Lark, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

__all__ = ['parse_formula', 'parse_condition', 'FormulaError', 'GRAMMAR', 'FUNCTIONS', 'MATRIX_FUNCTIONS', 'VALUES', 'chained']


GRAMMAR = r"""
formula: expr
condition: cond

?cond: cond "or" conj            -> or_
     | conj
?conj: conj "and" neg            -> and_
     | neg
?neg: "not" neg                  -> not_
    | expr CMP expr              -> compare

?expr: expr "+" term             -> add
     | expr "-" term             -> sub
     | term
?term: term "*" unary            -> mul
     | term "/" unary            -> div
     | term "@" unary            -> matmul
     | unary
?unary: "-" unary                -> neg
      | "+" unary
      | power
?power: postfix ("^" | "**") unary -> pow
      | postfix
?postfix: postfix "[" expr "]"            -> index
        | postfix "[" expr "," expr "]"   -> index2
        | postfix "." NAME                -> attr
        | atom
?atom: INT                                -> int
     | DECIMAL                            -> decimal
     | "sum" "(" NAME "=" expr ".." expr "," expr ")"   -> sum
     | "prod" "(" NAME "=" expr ".." expr "," expr ")"  -> prod
     | NAME "(" [expr ("," expr)*] ")"   -> call
     | NAME                               -> name
     | "(" expr ")"

CMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
NAME: /[A-Za-z_][A-Za-z_0-9]*/
INT: /[0-9]+/
DECIMAL: /[0-9]+\.[0-9]+/
%ignore /[ \t]+/
"""


_PARSER = Lark(GRAMMAR, parser="lalr", start=["formula", "condition"], maybe_placeholders=False)


#: The functions a formula may call (after the notation's renames), each with its number of arguments.
FUNCTIONS = {"f": 1, "fp": 1, "f_out": 1, "fp_out": 1, "size": 1, "diff": 2, "partial": 2, "symbol": 1}


#: The matrix vocabulary a formula may call (functions of :mod:`symbp.claims.tensor`, never renamed).
MATRIX_FUNCTIONS = {"diag": 1, "outer": 2, "ones": 1, "row_sums": 1, "column_sums": 1, "norm": 1,
                    "ln": 1}


#: The view's quantities a formula may name (after the notation's renames).
VALUES = ("a", "z", "x", "y", "W", "b", "delta", "lam", "lr", "L", "K", "m", "C", "J", "dC_dW", "dC_db",
          "dJ_dW", "dJ_db", "step_W", "step_b", "dC_da", "X", "Y", "Z", "A", "Delta")


#: ``d(of, wrt)``: the true derivative of any quantity by any other; the cost's data term, its penalty, ŷ.
FUNCTIONS["d"] = 2
VALUES += ("data", "penalty", "yhat")


MAX_LENGTH = 4000        # characters of one formula


MAX_DEPTH = 100          # nesting of its parse tree


MAX_POWER = 64           # |exponent| of a power, and of a power of a power
MAX_DIGITS = 1000        # decimal digits of a number a power makes


MAX_RANGE = 1000         # terms of one sum


MAX_STEPS = 200_000      # tree nodes evaluated for one side of one instance


class FormulaError(ValueError):
    """A formula or condition that does not parse; the message is one line."""


# -- parsing -------------------------------------------------------------------------------------
def _parse(text, start):
    what = "formula" if start == "formula" else "condition"
    if not isinstance(text, str):
        raise FormulaError(f"{what}: expected a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"{what} of {len(text)} characters: longer than {MAX_LENGTH}")
    shown = text if len(text) <= 60 else text[:57] + "..."
    try:
        tree = _PARSER.parse(text, start=start)
    except UnexpectedEOF:
        raise FormulaError(f"{what} {shown!r}: unexpected end of {what}") from None
    except UnexpectedCharacters as e:
        raise FormulaError(f"{what} {shown!r}: unexpected character {text[e.pos_in_stream]!r} "
                           f"at column {e.column}") from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            raise FormulaError(f"{what} {shown!r}: unexpected end of {what}") from None
        raise FormulaError(f"{what} {shown!r}: unexpected {str(e.token)!r} at column {e.column}") from None
    except (UnexpectedInput, LarkError) as e:  # pragma: no cover - any other parse failure
        raise FormulaError(f"{what} {shown!r}: cannot parse ({type(e).__name__})") from None
    depth, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        depth = max(depth, d)
        if depth > MAX_DEPTH:
            raise FormulaError(f"{what} {shown!r}: nested more than {MAX_DEPTH} deep")
        stack += [(c, d + (0 if k == 0 and chained(node, c) else 1))
                  for k, c in enumerate(node.children) if isinstance(c, Tree)]
    return tree.children[0]


#: Left-associative operators that chain without nesting: ``a + b - c + …`` is one level, not one per term.
_CHAINS = ({"add", "sub"}, {"mul", "div", "matmul"})


def chained(node, left):
    """Whether ``left`` (the first child of ``node``) continues the same flat chain of operators."""
    return any(node.data in g and left.data in g for g in _CHAINS)


def parse_formula(text: str) -> Tree:
    """The parse tree of a formula; :class:`FormulaError` (one line) when it does not parse."""
    return _parse(text, "formula")


def parse_condition(text: str) -> Tree:
    """The parse tree of a condition (``j == 1``, ``i != 0 and outputs == 1``).

    >>> from symbp.formula.interpret import evaluate
    >>> evaluate(parse_condition("i != 0 and j <= 2"), None, {"i": 1, "j": 3})
    False
    """
    return _parse(text, "condition")
