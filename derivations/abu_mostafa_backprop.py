"""Backpropagation, notes after Abu-Mostafa's Lecture 10 — a transcription.

Source: handwritten-style notes after Y. Abu-Mostafa's Caltech lecture (Learning from Data, Lecture 10).

Notation (encoded in ``Notation`` below):
- layers numbered from 0: the input is x^(0), the output layer is L; x_j^(l) = g(s_j^(l)) is the page's
  activation, s_j^(l) its weighted input (view: ``n.a[l][j]``, ``n.z[l][j]``);
- w_ij^(l) goes FROM node i of layer l−1 TO node j of layer l (from-to index order, W^(l) named after the layer
  it enters): ``n.W[l][i, j]``;
- bias as weight 0: s_j^(l) = Σ_{i=0}^{d^(l−1)} w_ij^(l) x_i^(l−1) with x_0 = 1, so w_0j^(l) is the bias;
- units indexed from 1 (index 0 is the constant unit); one example (x_n, y_n) at a time, column vectors.
- names: s → z, g → f, e → C. The page's x^(l) would be mapped with names={"x": "a"}, but the view's own ``x``
  (the network input) shadows a ``names`` entry of that name, so the claims write ``n.a`` for x^(l).
Cost: per-example squared error e = ½(g(s_1^(L)) − y_n)² for a single output (half_sse, no averaging, m = 1:
the page speaks of one example); generic activation g for every layer.
"""
from symbp import Derivation, Notation

doc = Derivation(
    name="abu_mostafa_backprop",
    title="Backpropagation (notes after Abu-Mostafa, Learning from Data, Lecture 10)",
    source='notes after Y. Abu-Mostafa, "Learning from Data", Lecture 10 (Caltech)',
    notation=Notation(first_layer=0, weight_index="from_to", weight_named_after="target", bias="weight0",
                      samples="columns", unit_base=1, example_base=1,
                      names={"s": "z", "g": "f", "gp": "fp", "e": "C"}),
    spec={"activation": "f", "output_activation": None, "cost": "half_sse", "average": "none",
          "weight_decay": 0},
    # one example at a time (the page's e(w) is the error on (x_n, y_n)): the default sizes with m = 1
    one_example=True,
)


def d(n, expr, wrt):
    """∂expr/∂wrt for a weight or bias symbol, by the network's CAS (canonical f'); the view has no ∂/∂w."""
    return n.net.diff(expr, wrt)


single_output = lambda s, m: s[-1] == 1   # noqa: E731  (the page's base step is for j = 1 of a single output)


@doc.claim("forward pass (definition of x_j^(l))", kind="lemma", layer="all",
           latex=r"x_j^{(l)} = g\Big(\sum_{i=0}^{d^{(l-1)}} w_{ij}^{(l)} x_i^{(l-1)}\Big) = g(s_j^{(l)})",
           note="checks the notation adapter: from-to weights, bias as w_0j on x_0 = 1")
def forward(n, l, j):
    x = n.a
    return (x[l][j],
            n.g(sum(n.W[l][i, j] * x[l - 1][i] for i in range(0, n.size(l - 1) + 1))),
            n.g(n.s[l][j]))


@doc.claim("squared error", kind="cost", archs=single_output,
           latex=r"e(w) = \tfrac12 \big(g(s_1^{(L)}) - y_n\big)^2",
           note="the page's per-example error for a single output (j = 1)")
def error(n):
    return n.e, (n.g(n.s[n.L][1]) - n.y[1]) ** 2 / 2


@doc.claim("∇e(w)", kind="grad_W", layer="all",
           latex=r"\nabla e(w) = \frac{\partial e(w)}{\partial w_{ij}^{(l)}}",
           note="the gradient's components: e(w) differentiated by the network's CAS w.r.t. the page's w_ij^(l) (i = 0: bias)")
def gradient_def(n, l, i, j):
    return n.dC_dW[l][i, j], d(n, n.e, n.W[l][i, j])


@doc.claim("∂e/∂w_ij^(l) (chain rule)", kind="chain", of="grad_W", layer="all",
           latex=r"\frac{\partial e(w)}{\partial w_{ij}^{(l)}} = \frac{\partial e(w)}{\partial s_j^{(l)}}"
                 r"\times\frac{\partial s_j^{(l)}}{\partial w_{ij}^{(l)}} = \delta_j^{(l)} \times x_i^{(l-1)}",
           note="∂s_j/∂w_ij is differentiated by the network's CAS (the view's partial() cannot take ∂/∂w); i = 0 is the bias")
def dedw_chain(n, l, i, j):
    x = n.a
    return (n.dC_dW[l][i, j],
            n.partial("C", ("z", l))[1, j] * d(n, n.s[l][j], n.W[l][i, j]),
            n.delta[l][j] * x[l - 1][i])


@doc.claim("definition of δ_j^(l)", kind="delta", layer="all",
           latex=r"\delta_j^{(l)} = \frac{\partial e(w)}{\partial s_j^{(l)}}")
def delta_def(n, l, j):
    return n.delta[l][j], n.partial("C", ("z", l))[1, j]


@doc.claim("base step", kind="chain", of="delta", layer="output", where=lambda j: j == 1, archs=single_output,
           latex=r"\frac{\partial e(w)}{\partial s_1^{(L)}} = \frac{\partial}{\partial s_1^{(L)}}"
                 r"\Big[\tfrac12 (g(s_1^{(L)}) - y_n)^2\Big] = (g(s_1^{(L)}) - y_n)\cdot g'(s_1^{(L)})",
           note="the page states the final layer for j = 1 only (single output)")
def base_chain(n, j):
    return (n.delta[n.L][j],
            n.partial("C", ("z", n.L))[1, j],
            (n.g(n.s[n.L][j]) - n.y[j]) * n.gp(n.s[n.L][j]))


@doc.claim("base step (1)", kind="delta", layer="output", where=lambda j: j == 1, archs=single_output,
           latex=r"\delta_1^{(L)} = (g(s_1^{(L)}) - y_n)\cdot g'(s_1^{(L)}) \quad (1)")
def base_step(n, j):
    return n.delta[n.L][j], (n.g(n.s[n.L][j]) - n.y[j]) * n.gp(n.s[n.L][j])


@doc.claim("induction step", kind="chain", of="delta", layer="hidden",
           latex=r"\delta_i^{(l-1)} = \frac{\partial e(w)}{\partial s_i^{(l-1)}}"
                 r" = \sum_j \frac{\partial e(w)}{\partial s_j^{(l)}}\times\frac{\partial s_j^{(l)}}{\partial x_i^{(l-1)}}"
                 r"\times\frac{\partial x_i^{(l-1)}}{\partial s_i^{(l-1)}}"
                 r" = \sum_j \delta_j^{(l)} w_{ij}^{(l)} g'(s_i^{(l-1)}) = g'(s_i^{(l-1)}) \sum_j w_{ij}^{(l)}\delta_j^{(l)}",
           note="the claim's layer l is the page's l−1 (it runs over the hidden layers); lines 1–4 of the step")
def induction_chain(n, l, i):
    up = l + 1                       # the page's l; the claim's l is the page's l−1
    units = range(1, n.size(up) + 1)
    return (n.delta[l][i],
            n.partial("C", ("z", l))[1, i],
            sum(n.partial("C", ("z", up))[1, j] * n.partial(("z", up), ("a", l))[j, i]
                * n.partial(("a", l), ("z", l))[i, i] for j in units),
            sum(n.delta[up][j] * n.W[up][i, j] * n.gp(n.s[l][i]) for j in units),
            n.gp(n.s[l][i]) * sum(n.W[up][i, j] * n.delta[up][j] for j in units))


@doc.claim("②", kind="delta", layer="hidden",
           latex=r"\delta_i^{(l-1)} = g'(s_i^{(l-1)}) \sum_j w_{ij}^{(l)} \delta_j^{(l)} \quad (2)",
           note="the claim's layer l is the page's l−1 (it runs over the hidden layers)")
def induction_result(n, l, i):
    up = l + 1                       # the page's l
    return n.delta[l][i], n.gp(n.s[l][i]) * sum(n.W[up][i, j] * n.delta[up][j] for j in range(1, n.size(up) + 1))


@doc.claim("unnumbered, after ②", kind="grad_W", layer="all",
           latex=r"\frac{\partial e(w)}{\partial w_{ij}^{(l)}} = \delta_j^{(l)} x_i^{(l-1)}",
           note="i = 0 is the bias weight w_0j (x_0 = 1)")
def gradient(n, l, i, j):
    return n.dC_dW[l][i, j], n.delta[l][j] * n.a[l - 1][i]
