"""Backpropagation Algorithm (UFLDL-style notes) — a transcription.

Source: OCR of UFLDL-style notes "Backpropagation Algorithm", followed by a section
"Prove formula in backpropagation algorithm" and a summary; the author is not named.

Notation (encoded in ``Notation`` below):
- layers numbered 1..n_l: L_1 is the input, L_{n_l} the output (view: ``n.L`` is n_l); s_l units in layer l,
  K output units;
- W_ji^(l) is the weight from unit i of layer l to unit j of layer l+1 (to-from, W^(l) named after the layer it
  leaves): ``n.W[l][j, i]``;
- bias both ways: a vector b^(l) (``n.b[l]``, named like W^(l): b_i^(l) feeds unit i of layer l+1, as every
  formula of the page uses it) and a weight W_j0 on a constant unit a_0 = 1 (``n.W[l][j, 0]``, ``n.a[l][0]``).
  Note: the page's quick-notation item 7 calls b_j^(l) "the bias to the j-th unit in the l-th layer", which
  contradicts its own formulas (∂J/∂b_i^(l) = δ_i^(l+1), ∂/∂W_k0^(l) = ∂/∂b_k^(l)); the formulas are
  followed;
- units indexed from 1; one training example (x, y) at a time, column vectors (no batch matrices on the page);
- names: h_{W,b}(x) is the output activation a^(n_l), so ``h`` → ``a`` (this is also how the literal
  "∇_{h^(l)}" of the matrix form is read); α → ``lr``;
- activation f generic (the page's f'(z) is ``n.fp``; its "∂f(z_k)/∂z_k" is f'(z_k) too); f = sigmoid only in
  the implementation note;
- the proof section silently reuses l: there l+1 is the output layer n_l, so its W^(l) is W^(n_l−1) and its
  "hidden layer nearest to the output" is l = n_l−1 with W^(l−1) = W^(n_l−2). Those claims fix the layer with
  ``layer=lambda n: ...`` and name the page's l inside.

Cost: J(W,b;x,y) = ½‖h_{W,b}(x) − y‖² per example;
J(W,b) = (1/m) Σ_i J(W,b;x^(i),y^(i)) + λ/2 Σ_l Σ_j Σ_{i≥1} (W_ji^(l))²
(half squared error averaged over the m examples; weight decay λ/2 ΣW² not divided by m; no decay on the
biases). Encoded in ``spec``: cost half_sse, average examples, weight_decay (λ free), decay_biases False.

API note: ``n.partial`` cannot differentiate with respect to a parameter; the page's ∂a_k/∂W_kj and ∂z_k/∂W_ji
are taken by the network's own CAS derivative (``n.net.diff``, canonical f′), see ``_d``.
"""
from symbp import Derivation, Notation, Tensor

doc = Derivation(
    name="ufldl_backprop",
    title="Backpropagation Algorithm (UFLDL-style notes, with a proof)",
    source="Backpropagation Algorithm, UFLDL-style lecture notes (author not named)",
    notation=Notation(first_layer=1, weight_index="to_from", weight_named_after="source", bias="both",
                      samples="columns", unit_base=1, example_base=1,
                      names={"h": "a", "alpha": "lr"}),
    spec={"activation": "f", "output_activation": None, "cost": "half_sse", "average": "examples",
          "weight_decay": True, "decay_biases": False, "decay_average": False},
)


# -- helpers ------------------------------------------------------------------------------------
def _d(n, expr, param):
    """∂expr/∂param by the CAS (canonical f′); ``param`` is a weight or bias symbol of the view."""
    return n.net.diff(expr, param)


def _units(n, l):
    return range(1, n.size(l) + 1)


def _col(values, name):
    return Tensor([[v] for v in values], name)


def _acc(tensors):
    """Σ of tensors (the page's accumulation over examples)."""
    tensors = list(tensors)
    return sum(tensors[1:], tensors[0])


def _decay(n):
    """λ/2 Σ_l Σ_{j=1}^{s_{l+1}} Σ_{i=1}^{s_l} (W_ji^(l))² (no bias column)."""
    return n.lam / 2 * sum(n.W[l][j, i] ** 2 for l in n.weight_layers
                           for j in _units(n, l + 1) for i in _units(n, l))


no_bias_column = lambda j, i: i != 0   # noqa: E731  (W_ji with i ≥ 1: the weights proper, not W_j0 = b_j)


# -- the cost -----------------------------------------------------------------------------------
@doc.claim("cost (single example)", kind="cost", per="example",
           latex=r"J(W,b;x^{(i)},y^{(i)}) = \frac{1}{2} \|h_{W,b}(x^{(i)}) - y^{(i)}\|^2")
def cost_single(n):
    return n.C, sum((n.h[n.L][k] - n.y[k]) ** 2 for k in range(1, n.K + 1)) / 2


@doc.claim("overall cost, line 1", kind="cost",
           latex=r"J(W,b) = \left[\frac{1}{m}\sum_{i=1}^{m}J(W,b;x^{(i)},y^{(i)})\right] + \frac{\lambda}{2}"
                 r"\sum_{l=1}^{n_{l}-1}\sum_{j=1}^{s_{l+1}}\sum_{i=1}^{s_{l}}\left(W_{ji}^{(l)}\right)^{2}",
           note="J(W,b;x^(i),y^(i)) is the per-example cost of example i")
def cost_line1(n):
    return n.J, sum(ex.C for ex in n.examples) / n.m + _decay(n)


@doc.claim("overall cost, line 2", kind="cost",
           latex=r"= \left[\frac{1}{m}\sum_{i=1}^{m}\left(\frac{1}{2}\left\|h_{W,b}(x^{(i)}) - y^{(i)}\right\|^{2}"
                 r"\right)\right] + \frac{\lambda}{2}\sum_{l=1}^{n_{l}-1}\sum_{j=1}^{s_{l+1}}\sum_{i=1}^{s_{l}}"
                 r"\left(W_{ji}^{(l)}\right)^{2}")
def cost_line2(n):
    return n.J, sum(sum((ex.h[n.L][k] - ex.y[k]) ** 2 for k in range(1, n.K + 1)) / 2
                    for ex in n.examples) / n.m + _decay(n)


@doc.claim("overall cost, line 3", kind="cost",
           latex=r"= \left[\frac{1}{m}\sum_{i=1}^{m}\left(\sum_{k=1}^{K}\left(\frac{1}{2}\left(a_{k}^{(i)} - "
                 r"y_{k}^{(i)}\right)^{2}\right)\right)\right] + \frac{\lambda}{2}\sum_{l=1}^{n_{l}-1}"
                 r"\sum_{j=1}^{s_{l+1}}\sum_{i=1}^{s_{l}}\left(W_{ji}^{(l)}\right)^{2}",
           note="a_k^(i): the superscript is the example index here (as in y_k^(i)), i.e. output unit k of example i")
def cost_line3(n):
    return n.J, sum(sum((ex.a[n.L][k] - ex.y[k]) ** 2 / 2 for k in range(1, n.K + 1))
                    for ex in n.examples) / n.m + _decay(n)


# -- one iteration of gradient descent --------------------------------------------------------
@doc.claim("update W (GD)", kind="update_W", layer="all", where=no_bias_column,
           latex=r"W_{ji}^{(l)} = W_{ji}^{(l)} - \alpha \frac{\partial}{\partial W_{ji}^{(l)}} J(W, b)",
           note="i ≥ 1 (the page updates b separately); the view's step_W cannot be indexed at the bias column 0")
def update_W_gd(n, l, j, i):
    return n.step_W[l][j, i], n.W[l][j, i] - n.alpha * n.dJ_dW[l][j, i]


@doc.claim("update b (GD)", kind="update_b", layer="all",
           latex=r"b_i^{(l)} = b_i^{(l)} - \alpha \frac{\partial}{\partial b_i^{(l)}} J(W, b)")
def update_b_gd(n, l, i):
    return n.step_b[l][i], n.b[l][i] - n.alpha * n.dJ_db[l][i]


# -- the overall gradient from the per-example ones ---------------------------------------------
@doc.claim("∂J/∂W (overall)", kind="grad_W", per="batch", layer="all", where=no_bias_column, expect="fails",
           latex=r"\frac{\partial}{\partial W_{ji}^{(l)}} J(W, b) = \left[ \frac{1}{m} \sum_{i=1}^{m} "
                 r"\frac{\partial}{\partial W_{ji}^{(l)}} J(W, b; x^{(i)}, y^{(i)}) \right] + \lambda W_{ji}^{(l)}",
           note="index clash: the example sum Σ_{i=1}^m binds the i of W_ji inside it, so as written it sums "
                "∂J_i/∂W_{j,i} over the columns i = 1..m (wrong entries, out of range when m > s_l); i ≥ 1 "
                "(weights proper)")
def grad_W_overall(n, l, j, i):
    inner = sum(n.examples[i - 1].dC_dW[l][j, i] for i in range(1, n.m + 1))   # i is rebound by the sum
    return n.dJ_dW[l][j, i], inner / n.m + n.lam * n.W[l][j, i]


@doc.claim("∂J/∂W (overall)", kind="grad_W", per="batch", layer="all", where=no_bias_column, reading="intended",
           latex=r"\frac{\partial}{\partial W_{ji}^{(l)}} J(W, b) = \left[ \frac{1}{m} \sum_{e=1}^{m} "
                 r"\frac{\partial}{\partial W_{ji}^{(l)}} J(W, b; x^{(e)}, y^{(e)}) \right] + \lambda W_{ji}^{(l)}",
           note="the example index renamed e; i ≥ 1 (the weights proper: the bias is not decayed)")
def grad_W_overall_intended(n, l, j, i):
    return n.dJ_dW[l][j, i], sum(ex.dC_dW[l][j, i] for ex in n.examples) / n.m + n.lam * n.W[l][j, i]


@doc.claim("∂J/∂b (overall)", kind="grad_b", per="batch", layer="all", expect="fails",
           latex=r"\frac{\partial}{\partial b_{i}^{(l)}} J(W, b) = \frac{1}{m} \sum_{i=1}^{m} "
                 r"\frac{\partial}{\partial b_{i}^{(l)}} J(W, b; x^{(i)}, y^{(i)})",
           note="index clash: the example sum Σ_{i=1}^m binds the i of b_i inside it, so as written it sums "
                "∂J_i/∂b_i over the units i = 1..m")
def grad_b_overall(n, l, i):
    inner = sum(n.examples[i - 1].dC_db[l][i] for i in range(1, n.m + 1))   # i is rebound by the sum
    return n.dJ_db[l][i], inner / n.m


@doc.claim("∂J/∂b (overall)", kind="grad_b", per="batch", layer="all", reading="intended",
           latex=r"\frac{\partial}{\partial b_{i}^{(l)}} J(W, b) = \frac{1}{m} \sum_{e=1}^{m} "
                 r"\frac{\partial}{\partial b_{i}^{(l)}} J(W, b; x^{(e)}, y^{(e)})",
           note="the example index renamed e")
def grad_b_overall_intended(n, l, i):
    return n.dJ_db[l][i], sum(ex.dC_db[l][i] for ex in n.examples) / n.m


# -- the backpropagation algorithm, element-wise --------------------------------------------------
@doc.claim("algorithm step 2", kind="chain", of="delta", layer="output",
           latex=r"\delta_i^{(n_l)} = \frac{\partial}{\partial z_i^{(n_l)}} \left( \frac{1}{2} \| y - h_{W,b}(x) "
                 r"\|^2 \right) = -\left( y_i - a_i^{(n_l)} \right) \cdot f'(z_i^{(n_l)})")
def alg_step2(n, i):
    L = n.L
    return n.delta[L][i], n.partial("C", ("z", L))[1, i], -(n.y[i] - n.a[L][i]) * n.fp(n.z[L][i])


@doc.claim("algorithm step 3", kind="delta", layer="hidden",
           latex=r"\delta_i^{(l)} = \left( \sum_{j=1}^{s_{l+1}} W_{ji}^{(l)} \delta_j^{(l+1)} \right) . "
                 r"f'(z_i^{(l)}) \quad (l = n_l-1, \dots, 2)",
           note="l = n_l−1, …, 2 are exactly the hidden layers")
def alg_step3(n, l, i):
    return n.delta[l][i], sum(n.W[l][j, i] * n.delta[l + 1][j] for j in _units(n, l + 1)) * n.fp(n.z[l][i])


@doc.claim("algorithm step 4, ∂W", kind="grad_W", layer="all",
           latex=r"\frac{\partial}{\partial W_{ji}^{(l)}} J(W, b; x, y) = a_i^{(l)} \cdot \delta_j^{(l+1)}",
           note="per-example cost J(W,b;x,y), no weight decay; i = 0 is the bias weight W_j0 (a_0 = 1)")
def alg_step4_W(n, l, j, i):
    return n.dC_dW[l][j, i], n.a[l][i] * n.delta[l + 1][j]


@doc.claim("algorithm step 4, ∂b", kind="grad_b", layer="all",
           latex=r"\frac{\partial}{\partial b_i^{(l)}} J(W, b; x, y) = \delta_i^{(l+1)}")
def alg_step4_b(n, l, i):
    return n.dC_db[l][i], n.delta[l + 1][i]


# -- the algorithm in matrix-vectorial notation ----------------------------------------------------
@doc.claim("matrix step 2", kind="delta", layer="output",
           latex=r"\delta^{(n_l)} = -(y - a^{(n_l)}) \bullet f'(z^{(n_l)})")
def mat_step2(n):
    L = n.L
    return n.delta[L], -(n.y - n.a[L]) * n.fp(n.z[L])


@doc.claim("matrix step 3", kind="delta", layer="hidden", expect="fails",
           latex=r"\delta^{(l)} = ((W^{(l)})^T \times \delta^{(l+1)}) \bullet f'(z_i^{(l)}) "
                 r"\quad (l = n_l-1, \dots, 2)",
           note="stray index: f'(z_i^(l)) is one scalar for a free i, so every entry of (W^(l))ᵀδ^(l+1) is "
                "scaled by the same f'(z_i) instead of its own f'(z^(l)) entry")
def mat_step3(n, l, i):
    return n.delta[l], (n.W[l].T @ n.delta[l + 1]) * n.fp(n.z[l][i])


@doc.claim("matrix step 3", kind="delta", layer="hidden", reading="intended",
           latex=r"\delta^{(l)} = ((W^{(l)})^T \delta^{(l+1)}) \bullet f'(z^{(l)})")
def mat_step3_intended(n, l):
    return n.delta[l], (n.W[l].T @ n.delta[l + 1]) * n.fp(n.z[l])


@doc.claim("∇W (matrix)", kind="grad_W", layer="all",
           latex=r"\nabla_{W^{(l)}} J(W, b; x, y) = \delta^{(l+1)} \times \left(a^{(l)}\right)^{T}")
def mat_grad_W(n, l):
    return n.dC_dW[l], n.delta[l + 1] @ n.a[l].T


@doc.claim("∇b (matrix)", kind="lemma", layer="hidden", expect="fails", reading="ocr",
           latex=r"\nabla_{h^{(l)}} J(W, b; x, y) = \delta^{(l+1)}",
           note="a likely scanning slip, h for b: read literally, ∇ w.r.t. the activations h^(l) = a^(l) is (W^(l))ᵀδ^(l+1) "
                "(s_l entries), not δ^(l+1) (s_{l+1} entries): the shapes differ; an equation between two of the "
                "page's expressions (lemma), since its left side is the page's slip, not the quantity it means")
def mat_grad_h(n, l):
    return n.dC_da[l], n.delta[l + 1]


@doc.claim("∇b (matrix)", kind="grad_b", layer="all", reading="intended",
           latex=r"\nabla_{b^{(l)}} J(W, b; x, y) = \delta^{(l+1)}")
def mat_grad_b(n, l):
    return n.dC_db[l], n.delta[l + 1]


@doc.claim("implementation note f'", kind="lemma", layer="all", spec={"activation": "sigmoid"},
           latex=r"f'(z_i^{(l)}) = a_i^{(l)}(1 - a_i^{(l)})",
           note="for the sigmoid; steps 2 and 3 need it in layers 2..n_l")
def impl_note(n, l, i):
    return n.fp(n.z[l][i]), n.a[l][i] * (1 - n.a[l][i])


# -- one iteration of batch gradient descent ----------------------------------------------------------
@doc.claim("batch GD step 2b", kind="grad_W", per="batch", layer="all",
           latex=r"\Delta W^{(l)} = \Delta W^{(l)} + \nabla_{W^{(l)}} J(W, b; x, y) \quad (i = 1..m)",
           note="the accumulation after the loop, ΔW = Σ_i ∇_W J(x^(i),y^(i)), with the page's own "
                "∇_{W^(l)} J(W,b;x,y) = δ^(l+1)(a^(l))ᵀ (∇W (matrix)); (x, y) read as the loop's i-th example; "
                "checked against Σ_i ∂J_i/∂W")
def batch_2b(n, l):
    return _acc(ex.dC_dW[l] for ex in n.examples), _acc(ex.delta[l + 1] @ ex.a[l].T for ex in n.examples)


@doc.claim("batch GD step 2c", kind="grad_b", per="batch", layer="all", expect="fails", reading="ocr",
           latex=r"\Delta b^{(l)} = \Delta b^{(l)} + \nabla_{h^{(l)}} J(W, b; x, y) \quad (i = 1..m)",
           note="the same likely scanning slip, h for b, as ∇b (matrix): read literally it accumulates ∂J_i/∂a^(l) (s_l entries) "
                "into Δb^(l) (s_{l+1} entries); (x, y) read as the loop's i-th example")
def batch_2c(n, l):
    return _acc(ex.dC_db[l] for ex in n.examples), _acc(ex.dC_da[l] for ex in n.examples)


@doc.claim("batch GD step 2c", kind="grad_b", per="batch", layer="all", reading="intended",
           latex=r"\Delta b^{(l)} = \Delta b^{(l)} + \nabla_{b^{(l)}} J(W, b; x, y) \quad (i = 1..m)")
def batch_2c_intended(n, l):
    return _acc(ex.dC_db[l] for ex in n.examples), _acc(ex.delta[l + 1] for ex in n.examples)


@doc.claim("update W (batch GD step 3)", kind="update_W", layer="all",
           latex=r"W^{(l)} = W^{(l)} - \alpha \left[ \left( \frac{1}{m} \Delta W^{(l)} \right) + \lambda W^{(l)} "
                 r"\right]",
           note="ΔW^(l) = Σ_i ∇_W J(x^(i),y^(i)) as step 2 accumulates it (the true per-example gradients)")
def update_W_batch(n, l):
    dW = _acc(ex.dC_dW[l] for ex in n.examples)
    return n.step_W[l], n.W[l] - n.alpha * ((dW / n.m) + n.lam * n.W[l])


@doc.claim("update b (batch GD step 3)", kind="update_b", layer="all",
           latex=r"b^{(l)} = b^{(l)} - \alpha \left[ \left( \frac{1}{m} \Delta b^{(l)} \right) \right]",
           note="Δb^(l) = Σ_i ∂J_i/∂b^(l), what step 2 is meant to accumulate (its h-for-b is pinned at 2c)")
def update_b_batch(n, l):
    db = _acc(ex.dC_db[l] for ex in n.examples)
    return n.step_b[l], n.b[l] - n.alpha * (db / n.m)


# -- "Prove formula in backpropagation algorithm": the output layer (l+1 = n_l, W^(l) = W^(n_l-1)) -------
@doc.claim("proof: cost", kind="cost", per="example",
           latex=r"J(W, b; x, y) = \sum_{k=1}^{K} \left( \frac{1}{2} (a_k - y_k)^2 \right)",
           note="a_k: the output activation a_k^(n_l)")
def proof_cost(n):
    return n.C, sum((n.a[n.L][k] - n.y[k]) ** 2 / 2 for k in range(1, n.K + 1))


def _half_sq(n, k):
    return (n.a[n.L][k] - n.y[k]) ** 2 / 2


@doc.claim("proof: output layer, sum", kind="chain", of="grad_W", layer="output",
           latex=r"\frac{\partial}{\partial W_{kj}^{(l)}} J(W, b; x, y) = \frac{\partial}{\partial W_{kj}^{(l)}} "
                 r"\left( \sum_{k=1}^{K} \left( \frac{1}{2} \left( a_k^{(l+1)} - y_k^{(l+1)} \right)^2 \right) "
                 r"\right)",
           note="l+1 = n_l; y_k^(l+1): the page puts the layer superscript on the target too, read as y_k")
def proof_out_sum(n, l, k, j):
    w = n.W[l][k, j]
    return n.dC_dW[l][k, j], _d(n, sum(_half_sq(n, q) for q in range(1, n.K + 1)), w)


@doc.claim("proof: output layer, specific k", kind="chain", of="grad_W", layer="output",
           latex=r"\frac{\partial}{\partial W_{kj}^{(l)}} J(W,b;x,y) = \frac{\partial}{\partial W_{kj}^{(l)}} "
                 r"\left( \frac{1}{2} \left( a_k^{(l+1)} - y_k^{(l+1)} \right)^2 \right) = \left( a_k^{(l+1)} - "
                 r"y_k^{(l+1)} \right) \frac{\partial}{\partial W_{kj}^{(l)}} a_k^{(l+1)}",
           note="l+1 = n_l; y_k^(l+1) read as y_k")
def proof_out_k(n, l, k, j):
    w, a = n.W[l][k, j], n.a[l + 1]
    return n.dC_dW[l][k, j], _d(n, _half_sq(n, k), w), (a[k] - n.y[k]) * _d(n, a[k], w)


@doc.claim("proof: output layer, a_k^(l+1)", kind="chain", of="lemma", layer=lambda n: n.L,
           latex=r"a_k^{(l+1)} = f\left(z_k^{(l+1)}\right) = f\left(\sum_{j=0}^{s_l} a_j^{(l)} W_{kj}^{(l)}\right) "
                 r"= f\left(W_{k0}^{(l)} + \sum_{j=1}^{s_l} a_j^{(l)} W_{kj}^{(l)}\right)",
           note="the forward pass of the output layer l+1 = n_l; j = 0 is the constant unit a_0 = 1")
def proof_out_forward(n, k):
    l = n.L - 1
    return (n.a[l + 1][k], n.f(n.z[l + 1][k]),
            n.f(sum(n.a[l][j] * n.W[l][k, j] for j in range(0, n.size(l) + 1))),
            n.f(n.W[l][k, 0] + sum(n.a[l][j] * n.W[l][k, j] for j in _units(n, l))))


@doc.claim("proof: output layer, j≠0", kind="chain", of="grad_W", layer="output", where=no_bias_column,
           latex=r"\frac{\partial}{\partial W_{kj}^{(l)}} J(W, b; x, y) = \left( a_k^{(l+1)} - y_k^{(l+1)} \right) "
                 r"\frac{\partial f\left( z_k^{(l+1)} \right)}{\partial z_k^{(l+1)}} a_j^{(l)} = "
                 r"\delta_k^{(l+1)} a_j^{(l)}",
           note="l+1 = n_l; y_k^(l+1) read as y_k")
def proof_out_j(n, l, k, j):
    return (n.dC_dW[l][k, j], (n.a[l + 1][k] - n.y[k]) * n.fp(n.z[l + 1][k]) * n.a[l][j],
            n.delta[l + 1][k] * n.a[l][j])


@doc.claim("proof: output layer, j=0", kind="chain", of="grad_W", layer="output", where=lambda k, j: j == 0,
           latex=r"\frac{\partial}{\partial W_{k0}^{(l)}} J(W, b; x, y) = \left( a_k^{(l+1)} - y_k^{(l+1)} \right) "
                 r"\frac{\partial f\left( z_k^{(l+1)} \right)}{\partial z_k^{(l+1)}} = \delta_k^{(l+1)}",
           note="l+1 = n_l; y_k^(l+1) read as y_k; W_k0 is the bias b_k")
def proof_out_0(n, l, k, j):
    return n.dC_dW[l][k, j], (n.a[l + 1][k] - n.y[k]) * n.fp(n.z[l + 1][k]), n.delta[l + 1][k]


# -- the proof: the hidden layer nearest to the output (layer l = n_l-1, W^(l-1) = W^(n_l-2)) ----------
nearest_hidden_W = lambda n: n.L - 2   # noqa: E731  (the weight matrix W^(l-1) entering the page's l = n_l-1)


def _outputs(n):
    return range(1, n.K + 1)


@doc.claim("proof: hidden layer, chain", kind="chain", of="grad_W", layer=nearest_hidden_W,
           latex=r"\frac{\partial}{\partial W_{ji}^{(l-1)}} J(W, b; x, y) = \frac{\partial}{\partial W_{ji}^{(l-1)}} "
                 r"\left( \sum_{k=1}^{K} \left( \frac{1}{2} \left( a_k^{(l+1)} - y_k^{(l+1)} \right)^2 \right) \right) "
                 r"= \sum_{k=1}^{K} \left( \left( a_k^{(l+1)} - y_k^{(l+1)} \right) * \frac{\partial}{\partial "
                 r"W_{ji}^{(l-1)}} a_k^{(l+1)} \right) = \sum_{k=1}^{K} \left( \left( a_k^{(l+1)} - y_k^{(l+1)} "
                 r"\right) * \frac{\partial f\left( z_k^{(l+1)} \right)}{\partial z_k^{(l+1)}} * "
                 r"\frac{\partial}{\partial W_{ji}^{(l-1)}} z_k^{(l+1)} \right)",
           note="l+1 = n_l, W^(l-1) = W^(n_l-2); y_k^(l+1) read as y_k; every i incl. the bias i = 0")
def proof_hid_chain(n, j, i):
    l = n.L - 1
    w, a, z = n.W[l - 1][j, i], n.a[l + 1], n.z[l + 1]
    return (n.dC_dW[l - 1][j, i],
            _d(n, sum(_half_sq(n, k) for k in _outputs(n)), w),
            sum((a[k] - n.y[k]) * _d(n, a[k], w) for k in _outputs(n)),
            sum((a[k] - n.y[k]) * n.fp(z[k]) * _d(n, z[k], w) for k in _outputs(n)))


@doc.claim("proof: hidden layer, z_k^(l+1)", kind="chain", of="lemma", layer=lambda n: n.L,
           latex=r"z_k^{(l+1)} = W_{k0}^{(l)} + \sum_{j=1}^{s_l} \left( a_j^{(l)} W_{kj}^{(l)} \right) = "
                 r"W_{k0}^{(l)} + \sum_{j=1}^{s_l} \left( f\left( z_j^{(l)} \right) * W_{kj}^{(l)} \right) = "
                 r"W_{k0}^{(l)} + \sum_{j=1}^{s_l} \left( f\left( W_{j0}^{(l-1)} + \sum_{i=1}^{s_{l-1}} a_i^{(l-1)} "
                 r"W_{ji}^{(l-1)} \right) W_{kj}^{(l)} \right)",
           note="the forward pass into the output layer l+1 = n_l")
def proof_hid_forward(n, k):
    l = n.L - 1
    return (n.z[l + 1][k],
            n.W[l][k, 0] + sum(n.a[l][j] * n.W[l][k, j] for j in _units(n, l)),
            n.W[l][k, 0] + sum(n.f(n.z[l][j]) * n.W[l][k, j] for j in _units(n, l)),
            n.W[l][k, 0] + sum(n.f(n.W[l - 1][j, 0] + sum(n.a[l - 1][i] * n.W[l - 1][j, i]
                                                           for i in _units(n, l - 1))) * n.W[l][k, j]
                               for j in _units(n, l)))


@doc.claim("proof: hidden layer, ∂z/∂W, i≠0", kind="chain", of="lemma", layer=lambda n: n.L - 1,
           latex=r"\frac{\partial}{\partial W_{ji}^{(l-1)}} z_k^{(l+1)} = \frac{\partial z_k^{(l+1)}}{\partial "
                 r"a_j^{(l)}} * \frac{\partial a_j^{(l)}}{\partial W_{ji}^{(l-1)}} = \frac{\partial z_k^{(l+1)}}"
                 r"{\partial a_j^{(l)}} * \frac{\partial f\left(z_j^{(l)}\right)}{\partial z_j^{(l)}} * "
                 r"\frac{\partial z_j^{(l)}}{\partial W_{ji}^{(l-1)}} = W_{kj}^{(l)} * \frac{\partial f\left(z_j^{(l)}"
                 r"\right)}{\partial z_j^{(l)}} * a_i^{(l-1)}",
           note="for unit j of layer l = n_l−1; sides are matrices over (k, i), i = 1..s_{l−1} (a lemma takes "
                "one unit index)")
def proof_hid_dz(n, j):
    l = n.L - 1
    ks, iis = list(_outputs(n)), list(_units(n, l - 1))
    dz_da = n.partial(("z", l + 1), ("a", l))

    def mat(entry, name):
        return Tensor([[entry(k, i) for i in iis] for k in ks], name)
    W = n.W[l - 1]
    return (mat(lambda k, i: _d(n, n.z[l + 1][k], W[j, i]), "truth"),
            mat(lambda k, i: dz_da[k, j] * _d(n, n.a[l][j], W[j, i]), "step 1"),
            mat(lambda k, i: dz_da[k, j] * n.fp(n.z[l][j]) * _d(n, n.z[l][j], W[j, i]), "step 2"),
            mat(lambda k, i: n.W[l][k, j] * n.fp(n.z[l][j]) * n.a[l - 1][i], "step 3"))


@doc.claim("proof: hidden layer, i≠0", kind="chain", of="grad_W", layer=nearest_hidden_W, where=no_bias_column,
           latex=r"\frac{\partial}{\partial W_{ji}^{(l-1)}} J(W, b; x, y) = \sum_{k=1}^K \left( \left( a_k^{(l+1)} "
                 r"- y_k^{(l+1)} \right) * \frac{\partial f\left(z_k^{(l+1)}\right)}{\partial z_k^{(l+1)}} * "
                 r"\frac{\partial}{\partial W_{ji}^{(l-1)}} z_k^{(l+1)} \right) = \sum_{k=1}^K \left( \left( "
                 r"a_k^{(l+1)} - y_k^{(l+1)} \right) * \frac{\partial f\left(z_k^{(l+1)}\right)}{\partial "
                 r"z_k^{(l+1)}} * W_{kj}^{(l)} * \frac{\partial f\left(z_j^{(l)}\right)}{\partial z_j^{(l)}} * "
                 r"a_i^{(l-1)} \right) = \frac{\partial f\left(z_j^{(l)}\right)}{\partial z_j^{(l)}} * a_i^{(l-1)} "
                 r"* \sum_{k=1}^K \left( \left( a_k^{(l+1)} - y_k^{(l+1)} \right) * \frac{\partial f\left("
                 r"z_k^{(l+1)}\right)}{\partial z_k^{(l+1)}} * W_{kj}^{(l)} \right) = \frac{\partial f\left("
                 r"z_j^{(l)}\right)}{\partial z_j^{(l)}} * a_i^{(l-1)} * \sum_{k=1}^K \left( \delta_k^{(l+1)} * "
                 r"W_{kj}^{(l)} \right) = a_i^{(l-1)} * \delta_j^{(l)}",
           note="l+1 = n_l, W^(l-1) = W^(n_l-2); y_k^(l+1) read as y_k")
def proof_hid_i(n, j, i):
    l = n.L - 1
    a, z, y, W = n.a, n.z, n.y, n.W
    fpj = n.fp(z[l][j])
    return (n.dC_dW[l - 1][j, i],
            sum((a[l + 1][k] - y[k]) * n.fp(z[l + 1][k]) * _d(n, z[l + 1][k], W[l - 1][j, i]) for k in _outputs(n)),
            sum((a[l + 1][k] - y[k]) * n.fp(z[l + 1][k]) * W[l][k, j] * fpj * a[l - 1][i] for k in _outputs(n)),
            fpj * a[l - 1][i] * sum((a[l + 1][k] - y[k]) * n.fp(z[l + 1][k]) * W[l][k, j] for k in _outputs(n)),
            fpj * a[l - 1][i] * sum(n.delta[l + 1][k] * W[l][k, j] for k in _outputs(n)),
            a[l - 1][i] * n.delta[l][j])


@doc.claim("proof: hidden layer, ∂z/∂W, i=0", kind="lemma", layer=lambda n: n.L - 1,
           latex=r"\frac{\partial}{\partial W_{j0}^{(l-1)}} z_k^{(l+1)} = W_{kj}^{(l)} * \frac{\partial f\left("
                 r"z_j^{(l)}\right)}{\partial z_j^{(l)}}",
           note="for unit j of layer l = n_l−1; sides are vectors over k (a lemma takes one unit index)")
def proof_hid_dz0(n, j):
    l = n.L - 1
    return (_col([_d(n, n.z[l + 1][k], n.W[l - 1][j, 0]) for k in _outputs(n)], "truth"),
            _col([n.W[l][k, j] * n.fp(n.z[l][j]) for k in _outputs(n)], "formula"))


@doc.claim("proof: hidden layer, i=0", kind="chain", of="grad_W", layer=nearest_hidden_W,
           where=lambda j, i: i == 0,
           latex=r"\frac{\partial}{\partial W_{j0}^{(l-1)}} J(W,b;x,y) = \sum_{k=1}^K \left( \left( a_k^{(l+1)} - "
                 r"y_k^{(l+1)} \right) * \frac{\partial f\left(z_k^{(l+1)}\right)}{\partial z_k^{(l+1)}} * "
                 r"\frac{\partial}{\partial W_{j0}^{(l-1)}} z_k^{(l+1)} \right) = \sum_{k=1}^K \left( \left( "
                 r"a_k^{(l+1)} - y_k^{(l+1)} \right) * \frac{\partial f\left(z_k^{(l+1)}\right)}{\partial "
                 r"z_k^{(l+1)}} * W_{kj}^{(l)} * \frac{\partial f\left(z_j^{(l)}\right)}{\partial z_j^{(l)}} \right) "
                 r"= \frac{\partial f\left(z_j^{(l)}\right)}{\partial z_j^{(l)}} * \sum_{k=1}^K \left( \left( "
                 r"a_k^{(l+1)} - y_k^{(l+1)} \right) * \frac{\partial f\left(z_k^{(l+1)}\right)}{\partial "
                 r"z_k^{(l+1)}} * W_{kj}^{(l)} \right) = \frac{\partial f\left(z_j^{(l)}\right)}{\partial z_j^{(l)}} "
                 r"* \sum_{k=1}^K \left( \delta_k^{(l+1)} * W_{kj}^{(l)} \right) = \delta_j^{(l)}",
           note="l+1 = n_l, W^(l-1) = W^(n_l-2); y_k^(l+1) read as y_k; W_j0^(l-1) is the bias b_j^(l-1)")
def proof_hid_0(n, j, i):
    l = n.L - 1
    a, z, y, W = n.a, n.z, n.y, n.W
    fpj = n.fp(z[l][j])
    return (n.dC_dW[l - 1][j, i],
            sum((a[l + 1][k] - y[k]) * n.fp(z[l + 1][k]) * _d(n, z[l + 1][k], W[l - 1][j, i]) for k in _outputs(n)),
            sum((a[l + 1][k] - y[k]) * n.fp(z[l + 1][k]) * W[l][k, j] * fpj for k in _outputs(n)),
            fpj * sum((a[l + 1][k] - y[k]) * n.fp(z[l + 1][k]) * W[l][k, j] for k in _outputs(n)),
            fpj * sum(n.delta[l + 1][k] * W[l][k, j] for k in _outputs(n)),
            n.delta[l][j])


# -- the summary ------------------------------------------------------------------------------------
@doc.claim("summary: output layer, ∂W", kind="chain", of="grad_W", layer="output",
           latex=r"\frac{\partial}{\partial W_{kj}^{(l)}} J(W, b; x, y) = \left( a_k^{(l+1)} - y_k^{(l+1)} \right) "
                 r"\frac{\partial f\left( z_k^{(l+1)} \right)}{\partial z_k^{(l+1)}} a_j^{(l)} = "
                 r"\delta_k^{(l+1)} a_j^{(l)}",
           note="l+1 = n_l; y_k^(l+1) read as y_k; stated without j ≠ 0, and j = 0 holds too (a_0 = 1)")
def summary_out_W(n, l, k, j):
    return (n.dC_dW[l][k, j], (n.a[l + 1][k] - n.y[k]) * n.fp(n.z[l + 1][k]) * n.a[l][j],
            n.delta[l + 1][k] * n.a[l][j])


@doc.claim("summary: output layer, ∂W_k0 = ∂b", kind="chain", of="grad_b", layer="output",
           latex=r"\frac{\partial}{\partial W_{k0}^{(l)}} J(W, b; x, y) = \frac{\partial}{\partial b_k^{(l)}} "
                 r"J(W, b; x, y) = \left( a_k^{(l+1)} - y_k^{(l+1)} \right) \frac{\partial f\left( z_k^{(l+1)} "
                 r"\right)}{\partial z_k^{(l+1)}} = \delta_k^{(l+1)}",
           note="l+1 = n_l; y_k^(l+1) read as y_k")
def summary_out_b(n, l, k):
    return (n.dC_db[l][k], n.dC_dW[l][k, 0], n.dC_db[l][k],
            (n.a[l + 1][k] - n.y[k]) * n.fp(n.z[l + 1][k]), n.delta[l + 1][k])


@doc.claim("summary: nearest hidden, ∂W", kind="chain", of="grad_W", layer=nearest_hidden_W,
           latex=r"\frac{\partial}{\partial W_{ji}^{(l-1)}} J(W, b; x, y) = a_i^{(l-1)} * \left( \frac{\partial "
                 r"f\left(z_j^{(l)}\right)}{\partial z_j^{(l)}} * \sum_{k=1}^K \left( \delta_k^{(l+1)} * W_{kj}^{(l)} "
                 r"\right) \right) = a_i^{(l-1)} * \delta_j^{(l)}",
           note="l+1 = n_l, W^(l-1) = W^(n_l-2); every i incl. the bias i = 0 (a_0 = 1)")
def summary_hid_W(n, j, i):
    l = n.L - 1
    return (n.dC_dW[l - 1][j, i],
            n.a[l - 1][i] * (n.fp(n.z[l][j]) * sum(n.delta[l + 1][k] * n.W[l][k, j] for k in _outputs(n))),
            n.a[l - 1][i] * n.delta[l][j])


@doc.claim("summary: nearest hidden, ∂W_j0 = ∂b", kind="chain", of="grad_b", layer=nearest_hidden_W,
           latex=r"\frac{\partial}{\partial W_{j0}^{(l-1)}} J(W, b; x, y) = \frac{\partial}{\partial b_j^{(l-1)}} "
                 r"J(W, b; x, y) = \frac{\partial f\left(z_j^{(l)}\right)}{\partial z_j^{(l)}} * \sum_{k=1}^K "
                 r"\left(\delta_k^{(l+1)} * W_{kj}^{(l)}\right) = \delta_j^{(l)}",
           note="l+1 = n_l, W^(l-1) = W^(n_l-2)")
def summary_hid_b(n, j):
    l = n.L - 1
    return (n.dC_db[l - 1][j], n.dC_dW[l - 1][j, 0], n.dC_db[l - 1][j],
            n.fp(n.z[l][j]) * sum(n.delta[l + 1][k] * n.W[l][k, j] for k in _outputs(n)),
            n.delta[l][j])


@doc.claim("summary: arbitrary hidden δ", kind="delta", layer="hidden",
           latex=r"\delta_{i}^{(l)} = \frac{\partial f(z_{i}^{(l)})}{\partial z_{i}^{(l)}} * \sum_{j=1}^{s_{l+1}} "
                 r"(\delta_{j}^{(l+1)} * W_{ji}^{(l)})",
           note="back in the notes' numbering: l is any hidden layer")
def summary_delta(n, l, i):
    return n.delta[l][i], n.fp(n.z[l][i]) * sum(n.delta[l + 1][j] * n.W[l][j, i] for j in _units(n, l + 1))


@doc.claim("summary: arbitrary hidden ∂W", kind="grad_W", layer="all", expect="fails", reading="ocr",
           latex=r"\frac{\partial}{\partial W_{ii}^{(l)}} J(W, b; x, y) = a_i^{(l)} * \delta_j^{(l+1)}",
           note="a likely scanning slip, W_ii for W_ji: read literally, the left side is the diagonal entry ∂J/∂W_ii^(l) while the "
                "right side has a free j; W_00 and W_ii beyond s_{l+1} do not exist")
def summary_W(n, l, j, i):
    return n.dC_dW[l][i, i], n.a[l][i] * n.delta[l + 1][j]


@doc.claim("summary: arbitrary hidden ∂W", kind="grad_W", layer="all", reading="intended",
           latex=r"\frac{\partial}{\partial W_{ji}^{(l)}} J(W, b; x, y) = a_i^{(l)} * \delta_j^{(l+1)}")
def summary_W_intended(n, l, j, i):
    return n.dC_dW[l][j, i], n.a[l][i] * n.delta[l + 1][j]


@doc.claim("summary: arbitrary hidden ∂b", kind="grad_b", layer="all",
           latex=r"\frac{\partial}{\partial b_i^{(l)}} J(W, b; x, y) = \delta_i^{(l+1)}")
def summary_b(n, l, i):
    return n.dC_db[l][i], n.delta[l + 1][i]
