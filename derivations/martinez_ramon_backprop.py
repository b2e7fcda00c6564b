"""The Backpropagation algorithm (2), hidden weights — a transcription.

Source: M. Martínez-Ramón, M. Ajith, A. R. Kurup, "1. Feedforward neural networks,
1.3b. The Backpropagation algorithm (2)", slides: the gradient with respect to a hidden weight w_{i,j}^{(L−1)}.

Notation (encoded in ``Notation`` below):
- layers numbered from 0: h^(0) = x is the input (eq. (10)), L the output layer, h^(l) the hidden outputs
  (view: ``n.a[l]``, names h → a); z^(l) the pre-activations;
- w_{i,j}^{(l)} goes FROM unit i of layer l−1 TO unit j of layer l (from-to; W^(l) named after the layer it
  enters), so the forward pass is z^(l) = W^(l)ᵀ h^(l−1): ``n.W[l][i, j]``;
- bias: the page's network has none (z = Wᵀh). symbp's networks always carry a bias vector b (no bias-free
  spec exists); no formula of the page touches it, and the W gradients do not depend on whether b is there.
  Only (1), which writes the whole forward pass, has to mention it (see its note);
- φ is the hidden activation (generic ``f``), o the output activation (a second generic, ``g``: view
  ``n.f_out``/``n.fp_out``); o_k = o(z_k^(L)) the outputs; μ the learning rate (names mu → lr);
- units indexed from 1; one example (x, y) at a time, column vectors.
Cost: J_ML(y, f(x)) is left generic by the page (a maximum-likelihood cost of one example). No formula depends
on which one it is ((10) writes ∇_o J); the checker uses ½‖o − y‖² (half_sse), with no averaging (the page speaks
of one example, so the sweep has m = 1).
"""
from symengine import diff

from symbp import Derivation, Notation, Tensor

doc = Derivation(
    name="martinez_ramon_backprop",
    title="The Backpropagation algorithm (2): gradient with respect to hidden weights (Martínez-Ramón et al.)",
    source='M. Martínez-Ramón, M. Ajith, A. R. Kurup, "The Backpropagation algorithm (2)", slides',
    notation=Notation(first_layer=0, weight_index="from_to", weight_named_after="target", bias="vector",
                      samples="columns", unit_base=1, example_base=1,
                      names={"h": "a", "mu": "lr", "phi": "f", "phip": "fp", "o_act": "f_out", "op": "fp_out"}),
    spec={"activation": "f", "output_activation": "g", "cost": "half_sse", "average": "none", "weight_decay": 0},
    one_example=True,   # one example at a time: the default sizes with m = 1
)

last_hidden = lambda n: n.L - 1   # noqa: E731  (the page's "L−1": on every architecture with a hidden layer)


def _units(n, l):
    return range(1, n.size(l) + 1)


def _dJ_do(n, k):
    """∂J/∂o_k, the true derivative of the cost by the output o_k."""
    return n.partial("C", ("a", n.L))[1, k]


def _over_k(n, entry):
    """A column vector over the output units k (for a formula with a free k)."""
    return Tensor([[entry(k)] for k in _units(n, n.L)], "(·)_k", (1, 1))


def _dz_dw(n, l, i, j):
    """∂z_j^(l)/∂w_{i,j}^(l): differentiated by symengine (the view's partial() cannot take ∂/∂w)."""
    return diff(n.z[l][j], n.W[l][i, j])


@doc.claim("(1)", kind="cost", per="example",
           latex=r"J_{ML}\Big(\mathbf{y}, \underbrace{\mathbf{o}\big(\mathbf{W}^{(L)\top}\boldsymbol{\phi}"
                 r"(\mathbf{W}^{(L-1)\top}\mathbf{h}^{(L-2)})\big)}_{\mathbf{f}(\mathbf{x})}\Big)",
           note="the cost whose derivative (1) asks for, J_ML read as ½‖y − f(x)‖²; the page's net has no bias, "
                "symbp's always has one, so + b^(l) is added to each pre-activation (no bias-free spec exists)")
def cost(n):
    L = n.L
    fx = n.o_act(n.W[L].T @ n.phi(n.W[L - 1].T @ n.h[L - 2] + n.b[L - 1]) + n.b[L])
    return n.C, sum((n.y[k] - fx[k]) ** 2 for k in _units(n, L)) / 2


def _w_column(n, l, j):
    """w_j^(l): the weights into unit j of layer l (column j of the from-to W^(l)), a column vector."""
    return Tensor([[n.W[l][i, j]] for i in _units(n, l - 1)], f"w_{j}^({l})", (1, 1))


_FORWARD_2 = (r"o_{k} = o(z_{k}^{(L)}), \quad z_{k}^{(L)} = \mathbf{w}_{k}^{(L)} \mathbf{h}^{(L-1)}, \ \forall k; "
              r"\quad h_{j}^{(L-1)} = \phi\left(z_{j}^{(L-1)}\right), \quad z_{j}^{(L-1)} = \mathbf{w}_{j}^{(L-1)} "
              r"\mathbf{h}^{(L-2)}")


@doc.claim("(2), o_k", kind="lemma", layer=lambda n: n.L, latex=_FORWARD_2, note="o_k = o(z_k^(L)), every output k")
def forward_2_o(n, k):
    return n.h[n.L][k], n.o_act(n.z[n.L][k])


@doc.claim("(2), z_k^(L)", kind="lemma", layer=lambda n: n.L, latex=_FORWARD_2, expect="fails",
           note="w_k h: two column vectors do not multiply; the page's own convention (z = Wᵀh, as (1) writes it) "
                "needs w_kᵀ h")
def forward_2_zL(n, k):
    return n.z[n.L][k], _w_column(n, n.L, k) @ n.h[n.L - 1]


@doc.claim("(2), z_k^(L)", kind="lemma", layer=lambda n: n.L, latex=_FORWARD_2, reading="intended",
           note="w_kᵀ h^(L-1), + b_k^(L): symbp's networks carry a bias the page's has not")
def forward_2_zL_intended(n, k):
    return n.z[n.L][k], (_w_column(n, n.L, k).T @ n.h[n.L - 1])[1, 1] + n.b[n.L][k]


@doc.claim("(2), h_j^(L-1)", kind="lemma", layer=last_hidden, latex=_FORWARD_2, note="every unit j of layer L−1")
def forward_2_h(n, j):
    return n.h[n.L - 1][j], n.phi(n.z[n.L - 1][j])


@doc.claim("(2), z_j^(L-1)", kind="lemma", layer=last_hidden, latex=_FORWARD_2, expect="fails",
           note="w_j h: two column vectors do not multiply (w_jᵀ h is meant, as for z_k^(L))")
def forward_2_zh(n, j):
    return n.z[n.L - 1][j], _w_column(n, n.L - 1, j) @ n.h[n.L - 2]


@doc.claim("(2), z_j^(L-1)", kind="lemma", layer=last_hidden, latex=_FORWARD_2, reading="intended",
           note="w_jᵀ h^(L-2), + b_j^(L-1) (symbp's bias)")
def forward_2_zh_intended(n, j):
    return n.z[n.L - 1][j], (_w_column(n, n.L - 1, j).T @ n.h[n.L - 2])[1, 1] + n.b[n.L - 1][j]


@doc.claim("(3)", kind="chain", of="grad_W", layer=last_hidden,
           latex=r"\frac{d}{dw_{i,j}^{(L-1)}} J_{ML} = \sum_k \underbrace{\frac{\delta J_{ML}}{do_k}\frac{do_k}"
                 r"{dz_k^{(L)}}}_{\delta_k^{(L)}} \underbrace{\frac{dz_k^{(L)}}{dh_j^{(L-1)}}}_{w_{j,k}^{(L)}}"
                 r"\underbrace{\frac{dh_j^{(L-1)}}{dz_j^{(L-1)}}}_{\phi'}"
                 r"\underbrace{\frac{dz_j^{(L-1)}}{dw_{i,j}^{(L-1)}}}_{h_i^{L-2}}",
           note="sides: the chain of written partials (true values; 'δJ/do_k' read as ∂J/∂o_k), then the "
                "underbraced values; φ' taken at z_j^(L-1), h_i^{L-2} read as h_i^{(L-2)}")
def chain_3(n, i, j):
    L, l = n.L, n.L - 1
    return (n.dC_dW[l][i, j],
            sum(_dJ_do(n, k) * n.partial(("a", L), ("z", L))[k, k] * n.partial(("z", L), ("a", l))[k, j]
                * n.partial(("a", l), ("z", l))[j, j] * _dz_dw(n, l, i, j) for k in _units(n, L)),
            sum(n.delta[L][k] * n.W[L][j, k] * n.phip(n.z[l][j]) * n.h[l - 1][i] for k in _units(n, L)))


@doc.claim("(3), underbrace δ_k^{(L)}", kind="delta", layer="output",
           latex=r"\frac{\delta J_{ML}}{do_k}\frac{do_k}{dz_k^{(L)}} = \delta_k^{(L)}",
           note="'δJ/do_k' read as ∂J/∂o_k; do_k/dz_k = o'(z_k^(L))")
def underbrace_delta_out(n, k):
    return n.delta[n.L][k], _dJ_do(n, k) * n.op(n.z[n.L][k])


@doc.claim("(3), underbrace w_{j,k}^{(L)}", kind="lemma", per="example", layer=last_hidden,
           latex=r"\frac{dz_k^{(L)}}{dh_j^{(L-1)}} = w_{j,k}^{(L)}",
           note="for every output k (the claim's sides are vectors over k)")
def underbrace_w(n, j):
    L = n.L
    return (_over_k(n, lambda k: n.partial(("z", L), ("a", L - 1))[k, j]),
            _over_k(n, lambda k: n.W[L][j, k]))


@doc.claim("(3), underbrace φ'", kind="lemma", per="example", layer=last_hidden,
           latex=r"\frac{dh_j^{(L-1)}}{dz_j^{(L-1)}} = \phi'",
           note="φ' taken at z_j^(L-1)")
def underbrace_phip(n, j):
    l = n.L - 1
    return n.partial(("a", l), ("z", l))[j, j], n.phip(n.z[l][j])


@doc.claim("(3), underbrace h_i^{L-2}", kind="lemma", of="grad_W", per="example", layer=last_hidden,
           latex=r"\frac{dz_j^{(L-1)}}{dw_{i,j}^{(L-1)}} = h_i^{L-2}",
           note="a partial, not a gradient of the cost: a lemma over the (i, j) ranges of W^(L-1); "
                "h_i^{L-2} read as h_i^{(L-2)}")
def underbrace_h(n, i, j):
    l = n.L - 1
    return _dz_dw(n, l, i, j), n.h[l - 1][i]


# -- (4): the chain with the underbraced δ_j^{L-1} ---------------------------------------------------------
def _sum_delta_w(n, j, swapped):
    """Σ_k δ_k^(L) w^(L) with the page's index order w_{k,j} (swapped) or w_{j,k} (as in (3))."""
    L = n.L
    return sum(n.delta[L][k] * (n.W[L][k, j] if swapped else n.W[L][j, k]) for k in _units(n, L))


_CHAIN_4 = (r"\frac{d}{dw_{i,j}^{(L-1)}} J_{ML} = \underbrace{\sum_k \delta_k^{(L)} w_{k,j}^{(L)}"
            r"\phi'(z_j^{(L-1)})}_{\delta_j^{L-1}} h_i^{L-2} = h_i^{(L-2)} \delta_j^{(L-1)}")


@doc.claim("(4)", kind="chain", of="grad_W", layer=last_hidden, latex=_CHAIN_4, expect="fails",
           note="w_{k,j}^(L) has its indices swapped (from k to j): in the page's from-to order (3) has w_{j,k}")
def chain_4(n, i, j):
    l = n.L - 1
    return (n.dC_dW[l][i, j],
            _sum_delta_w(n, j, swapped=True) * n.phip(n.z[l][j]) * n.h[l - 1][i],
            n.h[l - 1][i] * n.delta[l][j])


@doc.claim("(4)", kind="chain", of="grad_W", layer=last_hidden, latex=_CHAIN_4, reading="intended",
           note="w_{j,k}^(L) as in (3)")
def chain_4_intended(n, i, j):
    l = n.L - 1
    return (n.dC_dW[l][i, j],
            _sum_delta_w(n, j, swapped=False) * n.phip(n.z[l][j]) * n.h[l - 1][i],
            n.h[l - 1][i] * n.delta[l][j])


_DELTA_4 = r"\delta_j^{L-1} = \sum_k \delta_k^{(L)} w_{k,j}^{(L)} \phi'(z_j^{(L-1)})"


@doc.claim("(4), underbrace δ_j^{L-1}", kind="delta", layer=last_hidden, latex=_DELTA_4, expect="fails",
           note="w_{k,j}^(L): indices swapped (from-to order wants w_{j,k}, as in (3)); δ_j^{L-1} read as δ_j^{(L-1)}")
def delta_4(n, j):
    l = n.L - 1
    return n.delta[l][j], _sum_delta_w(n, j, swapped=True) * n.phip(n.z[l][j])


@doc.claim("(4), underbrace δ_j^{L-1}", kind="delta", layer=last_hidden, latex=_DELTA_4, reading="intended",
           note="w_{j,k}^(L) as in (3)")
def delta_4_intended(n, j):
    l = n.L - 1
    return n.delta[l][j], _sum_delta_w(n, j, swapped=False) * n.phip(n.z[l][j])


_BULLET_4 = r"\sum_k \delta_k^{(L)} w_{k,j}^{(L)} \text{ is the element } j \text{ of } \mathbf{W}^{(L)}\boldsymbol{\delta}^{(L)}"


@doc.claim("(4), first bullet", kind="lemma", per="example", layer=last_hidden, latex=_BULLET_4, expect="fails",
           note="w_{k,j}^(L) with swapped indices is not element j of W^(L)δ^(L) (from-to W^(L) is n_{L-1}×n_L)")
def bullet_4(n, j):
    L = n.L
    return _sum_delta_w(n, j, swapped=True), (n.W[L] @ n.delta[L])[j]


@doc.claim("(4), first bullet", kind="lemma", per="example", layer=last_hidden, latex=_BULLET_4,
           reading="intended", note="w_{j,k}^(L) as in (3)")
def bullet_4_intended(n, j):
    L = n.L
    return _sum_delta_w(n, j, swapped=False), (n.W[L] @ n.delta[L])[j]


_SUMMARY = (r"\frac{d}{dw_{i,j}^{(L-1)}}J_{ML} = \sum_k \delta_k^{(L)} w_{k,j}^{(L)} \phi'(z_j^{(L-1)})"
            r" h_i^{L-2} = h_i^{(L-2)} \delta_j^{(L-1)}")


@doc.claim("unnumbered, before (5)", kind="chain", of="grad_W", layer=last_hidden, latex=_SUMMARY,
           expect="fails", note="(4) repeated ('In summary, from'): the same swapped w_{k,j}^(L)")
def summary(n, i, j):
    return chain_4.fn(n, i, j)


@doc.claim("unnumbered, before (5)", kind="chain", of="grad_W", layer=last_hidden, latex=_SUMMARY,
           reading="intended", note="w_{j,k}^(L) as in (3)")
def summary_intended(n, i, j):
    return chain_4_intended.fn(n, i, j)


# -- (5)–(10): matrix form ------------------------------------------------------------------------------------
@doc.claim("(5)", kind="delta", layer=last_hidden,
           latex=r"\boldsymbol{\delta}^{(L-1)} = \mathbf{W}^{(L)}\boldsymbol{\delta}^{(L)} \odot \phi'(\mathbf{z}^{(L-1)})",
           note="no transpose needed: W^(L) is from-to (n_{L-1} × n_L)")
def delta_5(n):
    L = n.L
    return n.delta[L - 1], (n.W[L] @ n.delta[L]) * n.phip(n.z[L - 1])


@doc.claim("(6)", kind="grad_W", layer=last_hidden,
           latex=r"\nabla_{\mathbf{W}^{L-1}} J_{ML}(\mathbf{y}, \mathbf{f}(\mathbf{x})) = \mathbf{h}^{(L-2)}"
                 r"\boldsymbol{\delta}^{(L-1)\top}",
           note="W^{L-1} read as W^{(L-1)}")
def grad_6(n):
    l = n.L - 1
    return n.dC_dW[l], n.h[l - 1] @ n.delta[l].T


@doc.claim("(7)", kind="update_W", layer=last_hidden,
           latex=r"\mathbf{W}^{(L-1)} \leftarrow \mathbf{W}^{(L-1)} - \mu\,\mathbf{h}^{(L-2)}\boldsymbol{\delta}^{(L-1)\top}")
def update_7(n):
    l = n.L - 1
    return n.step_W[l], n.W[l] - n.mu * (n.h[l - 1] @ n.delta[l].T)


_UPDATE_8 = r"\mathbf{W}^{(l-1)} \leftarrow \mathbf{W}^{(l-1)} - \mu\,\mathbf{h}^{(l-2)}\boldsymbol{\delta}^{(l-1)}"


@doc.claim("(8)", kind="update_W", layer="hidden", latex=_UPDATE_8, expect="fails",
           note="δ^(l-1) lacks its transpose: h^(l-2) δ^(l-1) multiplies two column vectors (ill-formed); "
                "the page's l−1 is the claim's l")
def update_8(n, l):
    return n.step_W[l], n.W[l] - n.mu * (n.h[l - 1] @ n.delta[l])


@doc.claim("(8)", kind="update_W", layer="hidden", latex=_UPDATE_8, reading="intended",
           note="h^(l-2) δ^(l-1)ᵀ as in (7); the page's l−1 is the claim's l")
def update_8_intended(n, l):
    return n.step_W[l], n.W[l] - n.mu * (n.h[l - 1] @ n.delta[l].T)


@doc.claim("(9)", kind="delta", layer="hidden",
           latex=r"\boldsymbol{\delta}^{(l-1)} = \mathbf{W}^{(l)}\boldsymbol{\delta}^{(l)} \odot \phi'(\mathbf{z}^{(l-1)})",
           note="the page's l−1 is the claim's l")
def delta_9(n, l):
    return n.delta[l], (n.W[l + 1] @ n.delta[l + 1]) * n.phip(n.z[l])


@doc.claim("(10)", kind="delta", layer="output",
           latex=r"\boldsymbol{\delta}^{(L)} = \nabla_{\mathbf{o}} J_{ML}(\mathbf{y}, \mathbf{o}) \odot \mathbf{o}'",
           note="o' taken at z^(L)")
def delta_10(n):
    L = n.L
    return n.delta[L], n.dC_da[L] * n.op(n.z[L])
