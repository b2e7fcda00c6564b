"""The four backpropagation equations, in a notation of their own — the README's worked example.

Notation: layers 1..L (input layer 1), w^l_{jk} from unit k of layer l−1 to unit j of layer l
(to-from, named after the layer it enters), bias b^l_j, one example at a time.
Cost: C = ½‖y − a^L‖² per example, summed over the batch, no weight decay.
"""
from symbp import Derivation, Notation

doc = Derivation(
    "four_equations", "The four equations of backpropagation", source="README example",
    notation=Notation(first_layer=1, weight_index="to_from", weight_named_after="target",
                      names={"w": "W", "sigma_prime": "fp"}),
    spec={"activation": "f", "cost": "half_sse", "average": "none"},
)


@doc.claim("BP1", kind="delta", layer="output", latex=r"\delta^L_j = (a^L_j - y_j)\,\sigma'(z^L_j)")
def bp1(n, j):
    return n.delta[n.L][j], (n.a[n.L][j] - n.y[j]) * n.sigma_prime(n.z[n.L][j])


@doc.claim("BP2", kind="delta", layer="hidden",
           latex=r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)")
def bp2(n, l):
    return n.delta[l], (n.w[l + 1].T @ n.delta[l + 1]) * n.sigma_prime(n.z[l])


@doc.claim("BP2, derivation", kind="chain", of="delta", layer="hidden",
           latex=r"\delta^l_k = \sum_j \frac{\partial C}{\partial z^{l+1}_j}\frac{\partial z^{l+1}_j}{\partial z^l_k}"
                 r" = \sum_j w^{l+1}_{jk}\delta^{l+1}_j \sigma'(z^l_k)")
def bp2_chain(n, l, k):
    units = range(1, n.size(l + 1) + 1)
    return (n.delta[l][k],
            sum(n.delta[l + 1][j] * n.partial(("z", l + 1), ("z", l))[j, k] for j in units),
            sum(n.w[l + 1][j, k] * n.delta[l + 1][j] for j in units) * n.sigma_prime(n.z[l][k]))


@doc.claim("BP3", kind="grad_b", layer="all", latex=r"\partial C / \partial b^l_j = \delta^l_j")
def bp3(n, l, j):
    return n.dC_db[l][j], n.delta[l][j]


@doc.claim("BP4", kind="grad_W", layer="all", latex=r"\partial C / \partial w^l_{jk} = a^{l-1}_k \delta^l_j")
def bp4(n, l, j, k):
    return n.dC_dW[l][j, k], n.a[l - 1][k] * n.delta[l][j]


@doc.claim("BP4 (a misprint)", kind="grad_W", layer="all", expect="fails",
           latex=r"\partial C / \partial w^l_{jk} = a^{l-1}_j \delta^l_k",
           note="indices swapped: a_j δ_k for a_k δ_j")
def bp4_misprint(n, l, j, k):
    return n.dC_dW[l][j, k], n.a[l - 1][j] * n.delta[l][k]
