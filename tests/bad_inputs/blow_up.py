# a network too large for the symbolic budget: (u + v)^20 against its binomial square-of-square form; the exact
# check must expand a polynomial of millions of terms, runs out of --budget and falls back to numeric
from symbp import Derivation, Notation

doc = Derivation("blow_up", "Blow-up", "none", Notation(first_layer=1, weight_named_after="source"),
                 {"activation": "f"}, sweep=(((3, 6, 6, 6, 3), 1),))


def parts(n):
    u = sum(n.a[l][i] for l in n.hidden for i in range(1, n.size(l) + 1))
    v = sum(n.a[n.L][i] * n.y[i] for i in range(1, n.K + 1))
    return u, v


@doc.claim("power", kind="lemma", latex=r"(u + v)^{20} = (u^2 + 2uv + v^2)^{10}")
def power(n):
    u, v = parts(n)
    return (u + v) ** 20, (u ** 2 + 2 * u * v + v ** 2) ** 10
