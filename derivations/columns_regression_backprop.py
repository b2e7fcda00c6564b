"""Error backpropagation for a 2-layer regression net, samples in columns — a transcription.

Source: handwritten notes "Derivation of Error Backpropagation - Regression": a 2-layer,
single-hidden-layer feed-forward net with M samples stacked as columns, D × M input matrix X. OCR'd: the
circled numbers ⑧–⑭ stand for (18)–(24) (⑧ is "(18)" and ⑨ "(19)" in the text); ⑮ and ⑯ fall between ⑭ = (24) and
the printed (25), so their numbers are unknown and the labels keep the OCR'd symbol.

Notation (encoded in ``Notation`` below):
- layers numbered from 0: X is layer [0], [1] the hidden layer, [2] the output; L = 2 (every claim is restricted to
  2-layer nets with ``archs``);
- w_{d,i}^{[1]} goes FROM input d TO hidden node i, w_{i,k}^{[2]} from hidden node i to output k (from-to; W^{[l]}
  named after the layer it enters; the forward pass (10) is Y = W^{[2]T} A^{[1]} + B^{[2]}): ``n.W[l][d, i]``;
- bias: a separate vector b_i^{[l]} (B^{[l]} for the batch);
- samples in columns: X is D × M, Z^{[l]} and A^{[l]} are n^{[l]} × M, indexed [unit, sample] (``n.X[d, m]``);
  units and samples indexed from 1;
- y_k(x_m) is the network OUTPUT (the estimate; identity output activation, so y_k = a_k^{[2]} = z_k^{[2]}:
  ``n.a[n.L][k]``), t_{k,m} the TARGET (names t → y, T → Y: the view's y is the target); (11) writes the pair the
  other way round (ŷ for the estimate);
- g^{[1]} is the hidden activation (generic ``f``, names g → f, gp → fp); ρ_1, ρ_2 (OCR'd "ρ_i", "p_2") the
  per-layer learning rates: each update claim is about one layer, whose rate is the view's lr (names rho → lr).
Cost: E_m = ½ Σ_k (y_k(x_m) − t_{k,m})² per sample (15). The page scales the sum over samples three ways: (11) not at
all, (16) by 1/M, and the gradient formulas (17), (27), (28) by 1/(M·K). The checker uses (16), E = (1/M) Σ_m E_m
(average="examples"): it is the cost the page derives (17) and (27) from ("From (16), we can write (27)"). The
other scalings are checked against it, and symbp names the convention each holds under: (11) a plain sum, and
(17), (27), (28) an extra 1/K that no cost on the page has. No weight decay.
"""
from dataclasses import replace

from symengine import diff

from symbp import Derivation, Notation, Tensor

doc = Derivation(
    name="columns_regression_backprop",
    title="Derivation of error backpropagation - regression (2-layer net, samples in columns)",
    source='"Derivation of Error Backpropagation - Regression", handwritten notes (author not named)',
    notation=Notation(first_layer=0, weight_index="from_to", weight_named_after="target", bias="vector",
                      samples="columns", unit_base=1, example_base=1,
                      names={"t": "y", "T": "Y", "M": "m", "g": "f", "gp": "fp", "rho": "lr"}),
    spec={"activation": "f", "output_activation": "identity", "cost": "half_sse",
          "average": "examples", "weight_decay": 0},
    sweep=(((2, 3, 2), 1), ((3, 4, 1), 3), ((2, 4, 3), 3)),
)

two_layer = lambda s, m: len(s) == 3   # noqa: E731  (the page's net: one hidden layer)


# -- the page's symbols ------------------------------------------------------------------------------------
def _units(n, l):
    return range(1, n.size(l) + 1)


def _samples(n):
    return range(1, n.M + 1)


def _y(n, k):
    """y_k(x_m): the network's output k for this example (the page's estimate)."""
    return n.a[n.L][k]


def _vec(entries, name):
    """A column vector of a formula with a free index (the claim then states it for every value)."""
    return Tensor([[e] for e in entries], name, (1, 1))


# -- true partial derivatives by a weight (the view's partial() takes z and a only) ------------------------------
def _dy_dw2(n, i, k):
    """∂y_k/∂w_{i,k}^{[2]}: y_k is linear in W^{[2]} (identity output), differentiated by symengine."""
    return diff(_y(n, k), n.W[2][i, k])


def _dz_dw1(n, d, i):
    """∂z_i^{[1]}/∂w_{d,i}^{[1]}, differentiated by symengine."""
    return diff(n.z[1][i], n.W[1][d, i])


def _da_dw1(n, d, i):
    """∂a_i^{[1]}/∂w_{d,i}^{[1]} = (∂C/∂w_{d,i}) / (∂C/∂a_i): w_{d,i} reaches the cost only through a_i^{[1]}."""
    return n.dC_dW[1][d, i] / n.dC_da[1][i]


def _dy_dw1(n, k, d, i):
    """∂y_k/∂w_{d,i}^{[1]} = ∂y_k/∂z_i^{[1]} · ∂z_i^{[1]}/∂w_{d,i}: w_{d,i} enters z_i^{[1]} only."""
    return n.partial(("a", 2), ("z", 1))[k, i] * _dz_dw1(n, d, i)


def _g(n, l):
    """g^{[l]}: the hidden activation g^{[1]}, the identity g^{[2]} of the output (the page's regression net)."""
    return n.g if l < n.L else n.f_out


def _B(n, l):
    """B^{[l]}: the bias vector b^{[l]} repeated in each of the M columns (the page's batch bias)."""
    return Tensor([[n.b[l][i]] * n.M for i in _units(n, l)], f"B^[{l}]", (1, 1))


# -- the forward pass: (3), (4), (8), (10), (19) ------------------------------------------------------------
_FORWARD_3 = r"z_{i,m}^{[1]} = \left( \sum_{d=1}^D w_{di}^{[1]T} x_{d,m} \right) + b_i^{[1]}"


@doc.claim("(3)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer, latex=_FORWARD_3,
           expect="fails",
           note="the T read as a transpose: (W^{[1]T})_{d,i} = w_{i,d}, the weight from unit i to unit d, where "
                "z_i needs w_{d,i} (from input d to node i); i runs past D and d past n^{[1]}")
def forward_3(n, i):
    return n.z[1][i], sum(n.W[1].T[d, i] * n.x[d] for d in _units(n, 0)) + n.b[1][i]


@doc.claim("(3)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer, latex=_FORWARD_3,
           reading="intended", note="w_{d,i}^{[1]}: the T only says the entry is the (i, d) entry of W^{[1]T} in (10)")
def forward_3_intended(n, i):
    return n.z[1][i], sum(n.W[1][d, i] * n.x[d] for d in _units(n, 0)) + n.b[1][i]


@doc.claim("(4)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer,
           latex=r"a_{i,m}^{[1]} = g^{[1]}(z_{i,m}^{[1]})")
def forward_4(n, i):
    return n.a[1][i], n.g(n.z[1][i])


_FORWARD_8 = r"A^{[l]} = g^{[l]}(W^{[l]}A^{[l-1]} + B^{[l]})"


@doc.claim("(8)", kind="lemma", per="batch", layer="all", archs=two_layer, latex=_FORWARD_8, expect="fails",
           note="W^{[l]} where the page's own from-to convention needs W^{[l]T} (as (10) writes it): "
                "n^{[l-1]} × n^{[l]} times n^{[l-1]} × M does not multiply")
def forward_8(n, l):
    return n.A[l], _g(n, l)(n.W[l] @ n.A[l - 1] + _B(n, l))


@doc.claim("(8)", kind="lemma", per="batch", layer="all", archs=two_layer, latex=_FORWARD_8, reading="intended",
           notation=replace(doc.notation, weight_index="to_from"),
           note="read in the notation the matrix is printed in: W^{[l]} to-from (row i is node i's weights), "
                "the page's w_{d,i} being its (i, d) entry")
def forward_8_intended(n, l):
    return n.A[l], _g(n, l)(n.W[l] @ n.A[l - 1] + _B(n, l))


@doc.claim("(10)", kind="chain", of="lemma", per="batch", archs=two_layer,
           latex=r"Y = W^{[2]^T} A^{[1]} + B^{[2]} = W^{[2]^T} \left( g^{[1]}(W^{[1]^T} X + B^{[1]}) \right) "
                 r"+ B^{[2]}",
           note="the first ⑩ (the forward pass); Y the estimates A^{[2]} (g^{[2]} the identity)")
def forward_10(n):
    return (n.A[n.L], n.W[2].T @ n.A[1] + _B(n, 2),
            n.W[2].T @ n.g(n.W[1].T @ n.X + _B(n, 1)) + _B(n, 2))


_FORWARD_19 = (r"y_k(x_m) = w_k^{[2] T} a_m^{[1]} + b_k^{[2]} = w_{1,k}^{[2]} a_1^{[1]} + w_{2,k}^{[2]} a_2^{[1]} + "
               r"\dots + w_{i,k}^{[2]} a_i^{[1]} + \dots + w_{n,k}^{[2]} a_{n,k}^{[1]} + b_k^{[2]}")


def _w_column(n, k):
    """w_k^{[2]}: the weights into output k (column k of the from-to W^{[2]})."""
    return _vec([n.W[2][i, k] for i in _units(n, 1)], f"w_{k}^[2]")


@doc.claim("(19)", kind="chain", of="lemma", per="example", layer=lambda n: 2, archs=two_layer, latex=_FORWARD_19,
           expect="fails",
           note="the last term's a_{n,k}^{[1]}: read as the (n, k) entry of A^{[1]}, hidden unit n of sample k, not "
                "of sample m (the line before it, y_k = w_k^T a_m + b_k, holds)")
def forward_19(n, k):
    last = n.size(1)
    terms = sum(n.W[2][i, k] * n.a[1][i] for i in range(1, last)) + n.W[2][last, k] * n.A[1][last, k]
    return _y(n, k), (_w_column(n, k).T @ n.a[1])[1, 1] + n.b[2][k], terms + n.b[2][k]


@doc.claim("(19)", kind="chain", of="lemma", per="example", layer=lambda n: 2, archs=two_layer, latex=_FORWARD_19,
           reading="intended", note="a_n^{[1]} (of sample m) in the last term")
def forward_19_intended(n, k):
    terms = sum(n.W[2][i, k] * n.a[1][i] for i in _units(n, 1))
    return _y(n, k), (_w_column(n, k).T @ n.a[1])[1, 1] + n.b[2][k], terms + n.b[2][k]


# -- the summed cost: (11) ----------------------------------------------------------------------------------
@doc.claim("(11)", kind="cost", archs=two_layer, expect="fails",
           latex=r"E = \frac{1}{2}\sum_{m=1}^M \sum_{k=1}^K (y_m(x_m) - \hat{y}_m)^2",
           note="no 1/M: M × the cost (16); holds with average='none' (E = Σ_m E_m); "
                "the summand (no k) read as (t_{k,m} − y_k(x_m))², here y the target and ŷ the estimate")
def cost_11(n):
    return n.J, sum((n.T[k, m] - n.A[n.L][k, m]) ** 2 for m in _samples(n) for k in _units(n, n.L)) / 2


# -- updates and the per-sample cost: (12)–(17) -------------------------------------------------------------
_UPDATE_12 = (r"w_{p,q}^{[l+1]} = w_{p,q}^{[l]} - \rho \frac{\partial E}{\partial w_{p,q}^{[l]}}")


# (12), (13) as written are stated as matrix equations: element-wise, their out-of-range indices crash symbp's
# diagnosis of ill-formed claims (a RuntimeError from the free learning-rate symbol; reported, not fixed here).
@doc.claim("(12)", kind="update_W", layer="all", archs=two_layer, latex=_UPDATE_12, expect="fails",
           note="w^{[l+1]} on the left (the step counter written as a layer index): it assigns the new "
                "layer-l weights to layer l+1, which has another shape or does not exist (ill-formed); "
                "stated for all (p, q) at once")
def update_12(n, l):
    return n.step_W[l + 1], n.W[l] - n.rho * n.dJ_dW[l]


@doc.claim("(12)", kind="update_W", layer="all", archs=two_layer, latex=_UPDATE_12, reading="intended",
           note="w_{p,q}^{[l]} on the left")
def update_12_intended(n, l, p, q):
    return n.step_W[l][p, q], n.W[l][p, q] - n.rho * n.dJ_dW[l][p, q]


_UPDATE_13 = r"w_{d,i}^{[l+1]} = w_{d,i}^{[l]} - \rho_i \frac{\partial E}{\partial w_{d,i}^{[l]}}"


@doc.claim("(13)", kind="update_W", layer=lambda n: 1, archs=two_layer, latex=_UPDATE_13, expect="fails",
           note="'for layer 1': w^{[l+1]} = w^{[2]} on the left, whose shape differs from W^{[1]}, so as written it "
                "cannot be evaluated; read as the layer-2 update it holds with the right side's W one layer up; "
                "ρ_i read as ρ_1 ('p_1 & p_2 ... learning rate for layers 1 & 2'); stated for all (d, i) at once")
def update_13(n):
    return n.step_W[2], n.W[1] - n.rho * n.dJ_dW[1]


@doc.claim("(13)", kind="update_W", layer=lambda n: 1, archs=two_layer, latex=_UPDATE_13, reading="intended",
           note="w_{d,i}^{[1]} on both sides, ρ_1")
def update_13_intended(n, d, i):
    return n.step_W[1][d, i], n.W[1][d, i] - n.rho * n.dJ_dW[1][d, i]


@doc.claim("(14)", kind="update_W", layer=lambda n: 2, archs=two_layer,
           latex=r"w_{i,k}^{[2]} = w_{i,k}^{[2]} - p_2 \frac{\partial E}{\partial w_{i,k}^{[2]}}",
           note="'=' is an assignment; p_2 is the OCR'd ρ_2")
def update_14(n, i, k):
    return n.step_W[2][i, k], n.W[2][i, k] - n.rho * n.dJ_dW[2][i, k]


@doc.claim("(15)", kind="cost", per="example", archs=two_layer,
           latex=r"E_m = \frac{1}{2}\sum_{k=1}^K (y_k(x_m) - t_{km})^2")
def cost_15(n):
    return n.C, sum((_y(n, k) - n.t[k]) ** 2 for k in _units(n, n.L)) / 2


@doc.claim("(16)", kind="cost", archs=two_layer,
           latex=r"E = \frac{1}{M}\sum_{m=1}^M E_m",
           note="the cost convention this transcription checks against")
def cost_16(n):
    return n.J, sum(ex.C for ex in n.examples) / n.M


@doc.claim("(17)", kind="update_W", layer=lambda n: 2, archs=two_layer, expect="fails",
           latex=r"w_{i,k}^{[2]} = w_{i,k}^{[2]} - p_2 \frac{1}{M}\frac{1}{K}\sum_{m=1}^M "
                 r"\frac{\partial E_m}{\partial w_{i,k}^{[2]}}",
           note="1/K too many: the step is 1/K × the gradient of (16)'s cost it cites; holds only for E = 1/(MK) Σ E_m")
def update_17(n, i, k):
    return n.step_W[2][i, k], n.W[2][i, k] - n.rho / (n.M * n.K) * sum(ex.dC_dW[2][i, k] for ex in n.examples)


# -- output-layer gradient: (18)–(21) -------------------------------------------------------------------------
_GRAD_18 = (r"\frac{\partial E_m}{\partial w_{i,k}^{[2]}} = -(y_k(x_m) - t_{km}) "
            r"\frac{\partial y_k(x_m)}{\partial w_{i,k}^{[2]}}")


@doc.claim("(18)", kind="grad_W", layer=lambda n: 2, archs=two_layer, latex=_GRAD_18, expect="fails",
           note="sign: the derivative of ½(y − t)² is +(y − t)·∂y/∂w ('the ½ goes away', the minus should too)")
def grad_18(n, i, k):
    return n.dC_dW[2][i, k], -(_y(n, k) - n.t[k]) * _dy_dw2(n, i, k)


@doc.claim("(18)", kind="grad_W", layer=lambda n: 2, archs=two_layer, latex=_GRAD_18, reading="intended",
           note="+(y_k − t_km)")
def grad_18_intended(n, i, k):
    return n.dC_dW[2][i, k], (_y(n, k) - n.t[k]) * _dy_dw2(n, i, k)


_PARTIAL_20 = r"\frac{\partial y(x_m)}{\partial w_{i,k}} = a_i^{[2]}"


@doc.claim("⑩ (20)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer, latex=_PARTIAL_20,
           expect="fails",
           note="a_i^{[2]} is of the wrong layer: y_k = Σ_i w_{i,k} a_i^{[1]} + b_k, so ∂y_k/∂w_{i,k} = a_i^{[1]}; "
                "LHS read as ∂y_k/∂w_{i,k}^{[2]}, for every output k (vector over k), i a hidden unit")
def partial_20(n, i):
    return _vec([_dy_dw2(n, i, k) for k in _units(n, 2)], "∂y/∂w"), _vec([n.a[2][i] for _ in _units(n, 2)], "a")


@doc.claim("⑩ (20)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer, latex=_PARTIAL_20,
           reading="intended", note="a_i^{[1]}")
def partial_20_intended(n, i):
    return _vec([_dy_dw2(n, i, k) for k in _units(n, 2)], "∂y/∂w"), _vec([n.a[1][i] for _ in _units(n, 2)], "a")


_GRAD_21 = r"\frac{\partial E_m}{\partial w_{i,k}} = (y_i(x_m) - t_{k,m})\, a_i^{[2]}"


@doc.claim("⑪ (21)", kind="grad_W", layer=lambda n: 2, archs=two_layer, latex=_GRAD_21, expect="fails",
           note="y_i for y_k and a_i^{[2]} for a_i^{[1]} (i runs over hidden units, beyond the K outputs: "
                "ill-formed); also drops (18)'s minus sign (correctly)")
def grad_21(n, i, k):
    return n.dC_dW[2][i, k], (_y(n, i) - n.t[k]) * n.a[2][i]


@doc.claim("⑪ (21)", kind="grad_W", layer=lambda n: 2, archs=two_layer, latex=_GRAD_21, reading="intended",
           note="(y_k(x_m) − t_{k,m}) a_i^{[1]}")
def grad_21_intended(n, i, k):
    return n.dC_dW[2][i, k], (_y(n, k) - n.t[k]) * n.a[1][i]


# -- hidden-layer gradient: (22)–(26) -------------------------------------------------------------------------
_GRAD_22 = (r"\frac{\partial E_m}{\partial w_{d,i}} = -\sum_{k=1}^K (y_k(x_m) - t_{k,m}) "
            r"\boxed{\frac{\partial y_k(x_m)}{\partial w_{d,i}}}")


@doc.claim("⑫ (22)", kind="grad_W", layer=lambda n: 1, archs=two_layer, latex=_GRAD_22, expect="fails",
           note="sign: +Σ_k (y_k − t_k) ∂y_k/∂w_{d,i} (the minus of (18) again; (26) drops it)")
def grad_22(n, d, i):
    return n.dC_dW[1][d, i], -sum((_y(n, k) - n.t[k]) * _dy_dw1(n, k, d, i) for k in _units(n, 2))


@doc.claim("⑫ (22)", kind="grad_W", layer=lambda n: 1, archs=two_layer, latex=_GRAD_22, reading="intended",
           note="+Σ_k")
def grad_22_intended(n, d, i):
    return n.dC_dW[1][d, i], sum((_y(n, k) - n.t[k]) * _dy_dw1(n, k, d, i) for k in _units(n, 2))


@doc.claim("⑬ (23)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer,
           latex=r"\frac{\partial y_k(x_m)}{\partial w_{d,i}} = \frac{\partial y_k(x_m)}{\partial a_i^{[1]}}"
                 r"\frac{\partial a_i^{[1]}}{\partial w_{d,i}}",
           note="true partials on both sides, for every input d and output k (a D × K matrix); i a hidden unit")
def partial_23(n, i):
    D, K = _units(n, 0), _units(n, 2)
    lhs = Tensor([[_dy_dw1(n, k, d, i) for k in K] for d in D], "∂y_k/∂w_di", (1, 1))
    rhs = Tensor([[n.partial(("a", 2), ("a", 1))[k, i] * _da_dw1(n, d, i) for k in K] for d in D], "chain", (1, 1))
    return lhs, rhs


@doc.claim("⑭ (24)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer,
           latex=r"\frac{\partial y_k(x_m)}{\partial a_i^{[1]}} = w_{i,k}^{[2]}",
           note="for every output k (vector over k); i a hidden unit")
def partial_24(n, i):
    K = _units(n, 2)
    return _vec([n.partial(("a", 2), ("a", 1))[k, i] for k in K], "∂y/∂a"), _vec([n.W[2][i, k] for k in K], "w")


_PARTIAL_15 = (r"\frac{\partial a_i^{[1]}}{\partial w_{d,i}} = \frac{\partial a_i^{[1]}}{\partial z_{i,m}^{[0]}}"
               r"\frac{\partial z_{i,m}^{[0]}}{\partial w_{d,i}}")


@doc.claim("⑮", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer, latex=_PARTIAL_15,
           expect="fails",
           note="z^{[0]} does not exist (the input layer has no pre-activation; z^{[1]} meant): ill-formed; "
                "OCR'd circled number between (24) and (25); vector over d")
def partial_15(n, i):
    D = _units(n, 0)
    return (_vec([_da_dw1(n, d, i) for d in D], "∂a/∂w"),
            _vec([n.partial(("a", 1), ("z", 0))[i, i] * diff(n.z[0][i], n.W[1][d, i]) for d in D], "chain"))


@doc.claim("⑮", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer, latex=_PARTIAL_15,
           reading="intended", note="z_{i,m}^{[1]}")
def partial_15_intended(n, i):
    D = _units(n, 0)
    return (_vec([_da_dw1(n, d, i) for d in D], "∂a/∂w"),
            _vec([n.partial(("a", 1), ("z", 1))[i, i] * _dz_dw1(n, d, i) for d in D], "chain"))


_PARTIAL_16 = r"\frac{\partial a_i^{[1]}}{\partial z_{i,m}^{[0]}} = g^{[1]}(z_{i,m}^{[0]})"


@doc.claim("⑯", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer, latex=_PARTIAL_16,
           expect="fails",
           note="z^{[0]} does not exist (ill-formed; z^{[1]} meant), and g^{[1]} where g' belongs (cf. (26)); "
                "OCR'd circled number between (24) and (25)")
def partial_16(n, i):
    return n.partial(("a", 1), ("z", 0))[i, i], n.g(n.z[0][i])


@doc.claim("⑯, only z^{[0]} for z^{[1]}", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer,
           latex=r"\frac{\partial a_i^{[1]}}{\partial z_{i,m}^{[0]}} = g'^{[1]}(z_{i,m}^{[0]})", expect="fails",
           note="⑯ with its first fault alone (g' put right): z^{[0]} does not exist, the input layer has no "
                "pre-activation (ill-formed)")
def partial_16_layer_only(n, i):
    return n.partial(("a", 1), ("z", 0))[i, i], n.gp(n.z[0][i])


@doc.claim("⑯, only g for g'", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer,
           latex=r"\frac{\partial a_i^{[1]}}{\partial z_{i,m}^{[1]}} = g^{[1]}(z_{i,m}^{[1]})", expect="fails",
           note="⑯ with its second fault alone (z^{[1]} put right): g^{[1]} where its derivative g' belongs")
def partial_16_derivative_only(n, i):
    return n.partial(("a", 1), ("z", 1))[i, i], n.g(n.z[1][i])


@doc.claim("⑯", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer, latex=_PARTIAL_16,
           reading="intended", note="g^{[1]}'(z_{i,m}^{[1]})")
def partial_16_intended(n, i):
    return n.partial(("a", 1), ("z", 1))[i, i], n.gp(n.z[1][i])


@doc.claim("unnumbered, before (25)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer,
           expect="fails",
           latex=r"\frac{\partial z_{i,m}^{[1]}}{\partial w_{d,i}^{[1]}} = \sum_{j=1}^D \left(w_{1,i}^{[1]T} x_{1,m}"
                 r" + w_{2,i}^{[1]T} x_{2,m} + \dots + w_{d,i}^{[1]T} x_{d,m}\right)",
           note="sets the derivative equal to the (bias-less, truncated at d) weighted sum itself, summed over a j "
                "that does not occur (D times); read literally, vector over d; its intent is (25)")
def partial_before_25(n, i):
    D = _units(n, 0)
    return (_vec([_dz_dw1(n, d, i) for d in D], "∂z/∂w"),
            _vec([n.size(0) * sum(n.W[1][e, i] * n.x[e] for e in range(1, d + 1)) for d in D], "Σ"))


@doc.claim("(25)", kind="lemma", per="example", layer=lambda n: 1, archs=two_layer,
           latex=r"\frac{\partial z_{i,m}^{[1]}}{\partial w_{d,i}^{[1]}} = x_{d,m}", note="vector over d")
def partial_25(n, i):
    D = _units(n, 0)
    return _vec([_dz_dw1(n, d, i) for d in D], "∂z/∂w"), _vec([n.x[d] for d in D], "x")


@doc.claim("(26)", kind="grad_W", layer=lambda n: 1, archs=two_layer,
           latex=r"\frac{\partial E_m}{\partial w_{d,i}^{[1]}} = \sum_{k=1}^K (y_k(x_m) - t_{k,m})\, w_{i,k}^{[2]}"
                 r" g'(z_{i,m}^{[1]})\, x_{d,m}")
def grad_26(n, d, i):
    return n.dC_dW[1][d, i], sum((_y(n, k) - n.t[k]) * n.W[2][i, k] * n.gp(n.z[1][i]) * n.x[d]
                                 for k in _units(n, 2))


# -- batch gradients: (27), (28) ----------------------------------------------------------------------------------
@doc.claim("(27)", kind="grad_W", per="batch", layer=lambda n: 1, archs=two_layer, expect="fails",
           latex=r"\frac{\partial E}{\partial w_{d,i}^{[1]}} = \frac{1}{M}\frac{1}{K}\sum_{m=1}^M \sum_{k=1}^K "
                 r"(y_k(x_m) - t_{k,m})\, w_{i,k}^{[2]} g'(z_{i,m}^{[1]})\, x_{d,m}",
           note="1/K too many: 1/K × the gradient of (16)'s cost it cites ('From (16)'); holds only for E = 1/(MK) Σ E_m")
def grad_27(n, d, i):
    Y = n.A[n.L]
    return n.dJ_dW[1][d, i], sum((Y[k, m] - n.T[k, m]) * n.W[2][i, k] * n.gp(n.Z[1][i, m]) * n.X[d, m]
                                 for m in _samples(n) for k in _units(n, 2)) / (n.M * n.K)


_GRAD_28 = (r"\frac{\partial E}{\partial w_{i,k}^{[2]}} = \frac{1}{M}\frac{1}{K}\sum_{m=1}^M "
            r"(y_k(x_m) - t_{k,m})\, q_i^{[2]}")


@doc.claim("(28)", kind="grad_W", per="batch", layer=lambda n: 2, archs=two_layer, latex=_GRAD_28, expect="fails",
           reading="ocr", note="a likely scanning slip: 'q_i^{[2]}' is illegible, an unknown symbol (ill-formed); a_{i,m}^{[1]} is meant")
def grad_28(n, i, k):
    Y = n.A[n.L]
    return n.dJ_dW[2][i, k], sum((Y[k, m] - n.T[k, m]) * n.q[2][i] for m in _samples(n)) / (n.M * n.K)


@doc.claim("(28)", kind="grad_W", per="batch", layer=lambda n: 2, archs=two_layer, latex=_GRAD_28,
           reading="intended", expect="fails",
           note="a_{i,m}^{[1]} for the illegible q_i^{[2]}, the page's 1/(MK) kept: 1/K × the gradient of (16)'s cost")
def grad_28_intended(n, i, k):
    Y = n.A[n.L]
    return n.dJ_dW[2][i, k], sum((Y[k, m] - n.T[k, m]) * n.A[1][i, m] for m in _samples(n)) / (n.M * n.K)
