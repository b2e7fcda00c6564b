"""Error backpropagation as Bishop writes it (Pattern Recognition and Machine Learning, 2006, §5.3.1).

Source: C. M. Bishop, PRML, §5.3.1 "Evaluation of error-function derivatives" (no seed file: the formulas are
transcribed from the book, equation numbers as printed there). A notation unlike the five seeds:

- a_j is the PRE-activation ("activation" in Bishop's words) and z_j = h(a_j) the unit's output, the reverse of
  the seeds' z and a: names a → z, z → a (so ``n.a`` is the view's z and ``n.z`` the view's a); h is the hidden
  activation (generic ``f``: names h → f, hp → fp);
- w_ji goes from unit i to unit j (to-from), and the bias is the weight w_j0 of an extra input z_0 = 1
  (``bias="weight0"``); Bishop numbers no layers, so the transcription counts them from 0 (the inputs) and names
  W after the layer it enters; units from 1;
- y_k is the network's output (linear output units, y_k = a_k) and t_k the target (names t → y); y is read as
  ``n.z[n.L][k]`` (the output unit's z), as the page's y_k;
- E_n the error of pattern n (names E_n → C), E = Σ_n E_n the total (names E → J: a sum over the patterns);
- δ_j ≡ ∂E_n/∂a_j is the view's δ (∂C/∂z) under the rename, and (5.51) checks exactly that.

Cost: E_n = ½ Σ_k (y_nk − t_nk)² per pattern (5.46) with linear outputs, E = Σ_n E_n: half_sse, identity
output, average none. Every formula holds: the restated definitions ((5.44), (5.46), (5.48), (5.49)) get
``definition``, the derivative formulas ``proven`` (for all depths where they are local).
"""
from symbp import Derivation, Notation

doc = Derivation(
    "bishop_prml_backprop", "Evaluation of error-function derivatives (Bishop, PRML §5.3.1)",
    source="Bishop 2006, PRML §5.3.1",
    notation=Notation(first_layer=0, weight_index="to_from", weight_named_after="target", bias="weight0",
                      names={"a": "z", "z": "a", "h": "f", "hp": "fp", "w": "W", "t": "y", "E_n": "C", "E": "J"}),
    spec={"activation": "f", "output_activation": "identity", "cost": "half_sse", "average": "none"},
)


def _inputs(n, l):
    """The units i that send a connection into layer l, from the bias input z_0 = 1 on."""
    return range(0, n.size(l - 1) + 1)


def _y(n, k):
    """y_k: the output unit's z (linear outputs: y_k = a_k)."""
    return n.z[n.L][k]


@doc.claim("(5.44)", kind="cost", latex=r"E(\mathbf{w}) = \sum_{n=1}^N E_n(\mathbf{w})")
def total_error(n):
    return n.E, sum(ex.E_n for ex in n.examples)


@doc.claim("(5.46)", kind="cost", per="example", latex=r"E_n = \frac{1}{2}\sum_k (y_{nk} - t_{nk})^2")
def pattern_error(n):
    return n.E_n, sum((_y(n, k) - n.t[k]) ** 2 for k in range(1, n.K + 1)) / 2


@doc.claim("(5.48)", kind="lemma", layer="all", latex=r"a_j = \sum_i w_{ji} z_i",
           note="i from 0: the bias w_j0 on the input z_0 = 1")
def forward_a(n, l, j):
    return n.a[l][j], sum(n.w[l][j, i] * n.z[l - 1][i] for i in _inputs(n, l))


@doc.claim("(5.49)", kind="lemma", layer="hidden", latex=r"z_j = h(a_j)",
           note="the hidden units (the outputs are linear: y_k = a_k)")
def forward_z(n, l, j):
    return n.z[l][j], n.h(n.a[l][j])


@doc.claim("(5.50)", kind="chain", of="grad_W", layer="all",
           latex=r"\frac{\partial E_n}{\partial w_{ji}} = \frac{\partial E_n}{\partial a_j}"
                 r"\frac{\partial a_j}{\partial w_{ji}}")
def chain_rule(n, l, j, i):
    return n.dC_dW[l][j, i], n.partial("E_n", ("a", l))[1, j] * n.diff(n.a[l][j], n.w[l][j, i])


@doc.claim("(5.51)", kind="delta", layer="all", latex=r"\delta_j \equiv \frac{\partial E_n}{\partial a_j}")
def delta_defined(n, l, j):
    return n.delta[l][j], n.partial("E_n", ("a", l))[1, j]


@doc.claim("(5.52)", kind="lemma", of="grad_W", layer="all", latex=r"\frac{\partial a_j}{\partial w_{ji}} = z_i")
def da_dw(n, l, j, i):
    return n.diff(n.a[l][j], n.w[l][j, i]), n.z[l - 1][i]


@doc.claim("(5.53)", kind="grad_W", layer="all", latex=r"\frac{\partial E_n}{\partial w_{ji}} = \delta_j z_i")
def gradient(n, l, j, i):
    return n.dC_dW[l][j, i], n.delta[l][j] * n.z[l - 1][i]


@doc.claim("(5.54)", kind="delta", layer="output", latex=r"\delta_k = y_k - t_k")
def delta_output(n, k):
    return n.delta[n.L][k], _y(n, k) - n.t[k]


@doc.claim("(5.55)", kind="chain", of="delta", layer="hidden",
           latex=r"\delta_j \equiv \frac{\partial E_n}{\partial a_j} = \sum_k \frac{\partial E_n}{\partial a_k}"
                 r"\frac{\partial a_k}{\partial a_j}")
def delta_chain(n, l, j):
    units = range(1, n.size(l + 1) + 1)
    return (n.delta[l][j], n.partial("E_n", ("a", l))[1, j],
            sum(n.partial("E_n", ("a", l + 1))[1, k] * n.partial(("a", l + 1), ("a", l))[k, j] for k in units))


@doc.claim("(5.56)", kind="delta", layer="hidden", latex=r"\delta_j = h'(a_j) \sum_k w_{kj} \delta_k")
def backprop(n, l, j):
    return n.delta[l][j], n.hp(n.a[l][j]) * sum(n.w[l + 1][k, j] * n.delta[l + 1][k]
                                                for k in range(1, n.size(l + 1) + 1))


@doc.claim("(5.57)", kind="grad_W", per="batch", layer="all",
           latex=r"\frac{\partial E}{\partial w_{ji}} = \sum_n \frac{\partial E_n}{\partial w_{ji}}")
def batch_gradient(n, l, j, i):
    return n.dJ_dW[l][j, i], sum(ex.dC_dW[l][j, i] for ex in n.examples)
