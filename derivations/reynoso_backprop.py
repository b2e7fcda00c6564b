"""Markus Reynoso, "Backpropagation" — a transcription.

Source: M. Reynoso, "Backpropagation".

Notation (encoded in ``Notation`` below):
- layers: L is the output layer and w^l, b^l enter layer l (z^l = w^l a^{l−1} + b^l), so W^(l) is named after the
  layer it enters; the page never numbers the input layer: it is taken as layer 1 (a^1 = x);
- index order to-from: w_jk^L connects unit k of layer L−1 to unit j of layer L (``n.W[l][j, k]``);
- bias as a separate vector b^l; units indexed from 1; one example at a time (column vectors; no batch);
- a'^(l) is the page's name for f'(z^(l)) (``n.fp(n.z[l])``); β is the step size (names: beta → lr).
- The page writes every layer with the same width s; the claims use the real widths, and "the last column" for
  the page's column s.
Cost: C, one example's cost, a function of a^L only; the page never fixes it, so the spec takes
C = ½‖a^L − y‖² (half_sse) with no averaging and m = 1 (every update is one example's step w ← w − β ∂C/∂w);
the formulas written with ∇_{a^L} C hold for any such C. Generic activation f in every layer.
"""
from symbp import Derivation, Notation, Tensor

doc = Derivation(
    name="reynoso_backprop",
    title="Backpropagation (M. Reynoso)",
    source='M. Reynoso, "Backpropagation"',
    notation=Notation(first_layer=1, weight_index="to_from", weight_named_after="target", bias="vector",
                      samples="columns", unit_base=1, example_base=1, names={"beta": "lr"}),
    spec={"activation": "f", "output_activation": None, "cost": "half_sse", "average": "none",
          "weight_decay": 0},
    # one example (m = 1): the default sizes, plus two whose output weight matrix is 3×4, where the page's
    # written first row (w_11, w_22, w_33, ..., w_1s) has every entry it writes
    one_example=True,
    sweep=(((2, 4, 3), 1), ((3, 2, 4, 3), 1)),
)


def d(n, expr, wrt):
    """∂expr/∂wrt for a weight or bias symbol, by the network's CAS (canonical f'); the view has no ∂/∂w."""
    return n.net.diff(expr, wrt)


def mat(rows, cols, entry, name):
    """The matrix [entry(r, c)] with 1-based r, c, as the page writes matrices out entry by entry."""
    return Tensor([[entry(r, c) for c in range(1, cols + 1)] for r in range(1, rows + 1)], name, (1, 1))


def col(rows, entry, name):
    """The column vector [entry(r)]."""
    return mat(rows, 1, lambda r, _c: entry(r), name)


# -- (1), (2): gradient descent -----------------------------------------------------------------------
@doc.claim("(1), weights", kind="update_W", layer="all",
           latex=r"x_{k+1} \leftarrow x_k - \beta \nabla f(x)",
           note="the generic step (1) read on the network: x = every weight matrix w^l, f = C")
def gd_vector_w(n, l):
    return n.step_W[l], n.W[l] - n.beta * n.dC_dW[l]


@doc.claim("(1), biases", kind="update_b", layer="all",
           latex=r"x_{k+1} \leftarrow x_k - \beta \nabla f(x)",
           note="the generic step (1) read on the network: x = every bias vector b^l, f = C")
def gd_vector_b(n, l):
    return n.step_b[l], n.b[l] - n.beta * n.dC_db[l]


@doc.claim("(2)", kind="update_W", layer="all",
           latex=r"\theta_{k+1} \leftarrow \theta_k - \beta \frac{\partial f}{\partial \theta}",
           note="component form (2) with θ a weight w_jk^l and f = C")
def gd_component(n, l, j, k):
    return n.step_W[l][j, k], n.W[l][j, k] - n.beta * n.dC_dW[l][j, k]


# -- δ^L ----------------------------------------------------------------------------------------------------
@doc.claim("Computing δ_j^L", kind="chain", of="delta", layer="output",
           latex=r"\frac{\partial C}{\partial z_j^L} = \frac{\partial C}{\partial a_1^L}\frac{\partial a_1^L}{\partial z_j^L}"
                 r" + \dots + \frac{\partial C}{\partial a_k^L}\frac{\partial a_k^L}{\partial z_j^L}"
                 r" = \frac{\partial C}{\partial a_j^L}\frac{\partial a_j^L}{\partial z_j^L};\quad"
                 r" \delta_j^L = \frac{\partial C}{\partial a_j^L} a_j^{\prime(L)}",
           note="the sum written with '…' (last term indexed k) is the sum over every output unit")
def delta_out_chain(n, j):
    L = n.L
    dC_da, da_dz = n.partial("C", ("a", L)), n.partial(("a", L), ("z", L))
    return (n.delta[L][j],
            n.partial("C", ("z", L))[1, j],
            sum(dC_da[1, k] * da_dz[k, j] for k in range(1, n.size(L) + 1)),
            dC_da[1, j] * da_dz[j, j],
            dC_da[1, j] * n.fp(n.z[L][j]))


@doc.claim("δ^L, matrix form", kind="chain", of="delta", layer="output",
           latex=r"\delta^L = \begin{bmatrix}\frac{\partial C}{\partial a_1^L} a_1^{\prime(L)}\\ \vdots\end{bmatrix}"
                 r" = \begin{bmatrix}\frac{\partial C}{\partial a_1^L}\\ \vdots\end{bmatrix}\odot"
                 r"\begin{bmatrix}a_1^{\prime(L)}\\ \vdots\end{bmatrix}")
def delta_out_matrix_chain(n):
    L, s = n.L, n.size(n.L)
    return (n.delta[L],
            col(s, lambda j: n.dC_da[L][j] * n.fp(n.z[L][j]), "[∂C/∂a_j a'_j]"),
            col(s, lambda j: n.dC_da[L][j], "[∂C/∂a_j]") * col(s, lambda j: n.fp(n.z[L][j]), "[a'_j]"))


@doc.claim("(3)", kind="delta", layer="output",
           latex=r"\delta^L = \nabla_{a^L} C \odot a^{\prime(L)}")
def eq3(n):
    return n.delta[n.L], n.dC_da[n.L] * n.fp(n.z[n.L])


# -- δ^l ----------------------------------------------------------------------------------------------------
@doc.claim("Aside, z_i^{l+1}", kind="lemma", layer="hidden",
           latex=r"z_i^{l+1} = w_{i1}a_1^l + w_{i2}a_2^l + \cdots + w_{is}a_s^l + b_i^{l+1}",
           note="the page drops the weights' layer superscript; they are w^{l+1} (the weights entering layer l+1)")
def aside_z(n, l):
    s_up, s = n.size(l + 1), n.size(l)
    return n.z[l + 1], col(s_up, lambda i: sum(n.W[l + 1][i, j] * n.a[l][j] for j in range(1, s + 1))
                           + n.b[l + 1][i], "z^{l+1}")


@doc.claim("Aside, ∂z_i^{l+1}/∂z_j^l", kind="lemma", layer="hidden",
           latex=r"\frac{\partial z_i^{l+1}}{\partial z_j^l} = w_{ij}a_j^{\prime(l)}",
           note="every entry (i, j) of the Jacobian; w_ij read as w_ij^{l+1}, as in the Aside's first line")
def aside_jacobian(n, l):
    return (n.partial(("z", l + 1), ("z", l)),
            mat(n.size(l + 1), n.size(l), lambda i, j: n.W[l + 1][i, j] * n.fp(n.z[l][j]), "[w_ij a'_j]"))


@doc.claim("Computing δ_j^l", kind="chain", of="delta", layer="hidden",
           latex=r"\delta_j^l = \frac{\partial C}{\partial z_j^l}"
                 r" = \frac{\partial C}{\partial z_1^{l+1}}\frac{\partial z_1^{l+1}}{\partial z_j^l} + \dots"
                 r" = \delta_1^{l+1}\frac{\partial z_1^{l+1}}{\partial z_j^l} + \dots"
                 r" = \delta_1^{l+1} w_{1j}^{l+1} a_j^{\prime(l)} + \dots + \delta_s^{l+1} w_{sj}^{l+1} a_j^{\prime(l)};\quad"
                 r" \delta_j^l = a_j^{\prime(l)} \sum_{\forall i} w_{ij}^{l+1}\delta_i^{l+1}",
           note="the line after the Aside continues this chain (it is printed right under the Aside's result); "
                "sums with '…' are over every unit i of layer l+1")
def delta_hidden_chain(n, l, j):
    up = range(1, n.size(l + 1) + 1)
    dC_dz, dz_dz = n.partial("C", ("z", l + 1)), n.partial(("z", l + 1), ("z", l))
    return (n.delta[l][j],
            n.partial("C", ("z", l))[1, j],
            sum(dC_dz[1, i] * dz_dz[i, j] for i in up),
            sum(n.delta[l + 1][i] * dz_dz[i, j] for i in up),
            sum(n.delta[l + 1][i] * n.W[l + 1][i, j] * n.fp(n.z[l][j]) for i in up),
            n.fp(n.z[l][j]) * sum(n.W[l + 1][i, j] * n.delta[l + 1][i] for i in up))


def _row2_typo(n, l):
    """The page's second matrix of the δ^l chain (before ^T): row 2 ends in w_1s instead of w_2s."""
    rows, cols = n.size(l + 1), n.size(l)
    return mat(rows, cols, lambda r, c: n.W[l + 1][1 if (r == 2 and c == cols) else r, c], "[w (row 2: w_1s)]")


@doc.claim("δ^l, matrix form", kind="chain", of="delta", layer="hidden",
           expect="fails",
           note="step 3 fails: the written matrix has w_1s^{l+1} at the end of row 2 where w_2s^{l+1} belongs "
                "(steps 1–2 hold); the chain's last line is the claim 'δ^l, matrix form, last line'",
           latex=r"\delta^l = [a^{\prime(l)}_j] \odot \Big[\sum_{\forall i} w_{ij}^{l+1}\delta_i^{l+1}\Big]"
                 r" = [a^{\prime(l)}_j] \odot \begin{bmatrix} w_{11} & w_{21} & \cdots & w_{s1}\\ \vdots \\"
                 r" w_{1s} & w_{2s} & \cdots & w_{ss}\end{bmatrix} \delta^{l+1}"
                 r" = [a^{\prime(l)}_j] \odot \begin{bmatrix} w_{11} & w_{12} & \cdots & w_{1s}\\"
                 r" w_{21} & w_{22} & \cdots & w_{1s}\\ \vdots \\ w_{s1} & w_{s2} & \cdots & w_{ss}\end{bmatrix}^T"
                 r" \delta^{l+1}")
def delta_hidden_matrix_chain(n, l):
    s, s_up = n.size(l), n.size(l + 1)
    ap = col(s, lambda j: n.fp(n.z[l][j]), "[a'_j]")
    return (n.delta[l],
            ap * col(s, lambda j: sum(n.W[l + 1][i, j] * n.delta[l + 1][i] for i in range(1, s_up + 1)), "[Σ w δ]"),
            ap * (mat(s, s_up, lambda r, c: n.W[l + 1][c, r], "[w_cr]") @ n.delta[l + 1]),
            ap * (_row2_typo(n, l).T @ n.delta[l + 1]))


@doc.claim("δ^l, matrix form", kind="chain", of="delta", layer="hidden", reading="intended",
           note="row 2 of the second matrix ends in w_2s^{l+1}",
           latex=r"\delta^l = \dots = [a^{\prime(l)}_j] \odot (w^{l+1})^T \delta^{l+1}")
def delta_hidden_matrix_chain_intended(n, l):
    s, s_up = n.size(l), n.size(l + 1)
    ap = col(s, lambda j: n.fp(n.z[l][j]), "[a'_j]")
    return (n.delta[l],
            ap * col(s, lambda j: sum(n.W[l + 1][i, j] * n.delta[l + 1][i] for i in range(1, s_up + 1)), "[Σ w δ]"),
            ap * (mat(s, s_up, lambda r, c: n.W[l + 1][c, r], "[w_cr]") @ n.delta[l + 1]),
            ap * (n.W[l + 1].T @ n.delta[l + 1]))


@doc.claim("δ^l, matrix form, last line", kind="delta", layer="hidden", expect="fails",
           note="cannot be evaluated: a column ⊙ an s×s matrix (the transpose and δ^{l+1} are dropped), and every "
                "row of the matrix ends in w_1s^{l+1}",
           latex=r"\delta^l = [a^{\prime(l)}_j] \odot \begin{bmatrix} w_{11} & w_{12} & \cdots & w_{1s}\\"
                 r" w_{21} & w_{22} & \cdots & w_{1s}\\ \vdots \\ w_{s1} & w_{s2} & \cdots & w_{1s}\end{bmatrix}")
def delta_hidden_last_line(n, l):
    s, s_up = n.size(l), n.size(l + 1)
    ap = col(s, lambda j: n.fp(n.z[l][j]), "[a'_j]")
    return n.delta[l], ap * mat(s_up, s, lambda r, c: n.W[l + 1][1 if c == s else r, c], "[w (last column w_1s)]")


@doc.claim("δ^l, matrix form, last line", kind="delta", layer="hidden", reading="intended",
           note="the previous line, (w^{l+1})^T δ^{l+1} with row 2 corrected",
           latex=r"\delta^l = a^{\prime(l)} \odot ((w^{l+1})^T \delta^{l+1})")
def delta_hidden_last_line_intended(n, l):
    return n.delta[l], n.fp(n.z[l]) * (n.W[l + 1].T @ n.delta[l + 1])


@doc.claim("(4)", kind="delta", layer="hidden",
           latex=r"\delta^{l} = a^{\prime(l)} \odot ((w^{l+1})^{T} \delta^{l+1})")
def eq4(n, l):
    return n.delta[l], n.fp(n.z[l]) * (n.W[l + 1].T @ n.delta[l + 1])


# -- output layer weights -------------------------------------------------------------------------------------
@doc.claim("Output layer weights", kind="chain", of="update_W", layer="output",
           latex=r"w_{jk}^L \leftarrow w_{jk}^L - \beta \frac{\partial C}{\partial w_{jk}^L}"
                 r" = w_{jk}^L - \beta \frac{\partial C}{\partial z_j^L} \frac{\partial z_j^L}{\partial w_{jk}^L}"
                 r" = (\text{same line again})"
                 r" = w_{jk}^L - \beta \frac{\partial C}{\partial z_j^L} \frac{\partial}{\partial w_{jk}^L}"
                 r"(w_{j1}^L a_1^{L-1} + \ldots + w_{js}^L a_s^{L-1} + b^L j);\quad"
                 r" w_{jk}^L \leftarrow w_{jk}^L - \beta \delta_j^L a_k^{L-1}",
           note="the page repeats line 2; ∂z_j/∂w_jk and ∂(…)/∂w_jk are differentiated by the network's CAS "
                "(the view's partial() cannot take ∂/∂w); OCR 'b^L j' read as b_j^L")
def out_w_chain(n, j, k):
    L = n.L
    w, dC_dz = n.W[L][j, k], n.partial("C", ("z", L))[1, j]
    z_written = sum(n.W[L][j, i] * n.a[L - 1][i] for i in range(1, n.size(L - 1) + 1)) + n.b[L][j]
    return (n.step_W[L][j, k],
            w - n.beta * n.dC_dW[L][j, k],
            w - n.beta * dC_dz * d(n, n.z[L][j], w),
            w - n.beta * dC_dz * d(n, n.z[L][j], w),
            w - n.beta * dC_dz * d(n, z_written, w),
            w - n.beta * n.delta[L][j] * n.a[L - 1][k])


def _first_row_as_written(n, j, k, cols):
    """Row 1 of the page's updated matrix reads w_11, w_22, w_33, ⋯, w_1s: w_kk in columns 2 and 3, w_1k in the last."""
    return k if (j == 1 and k in (2, 3) and k != cols) else j


# where the page's written first row is well-formed: the last column is at most the 4th, and w_22/w_33 exist
_first_row_archs = lambda s, m: s[-2] <= 4 and s[-1] >= min(3, s[-2] - 1)   # noqa: E731


@doc.claim("Output layer weights, matrix form", kind="chain", of="update_W", layer="output",
           archs=_first_row_archs, expect="fails",
           note="step 1 fails: the written first row has w_22^L, w_33^L in columns 2 and 3 where w_12^L, w_13^L "
                "belong (the next step repeats them); other rows as written are right",
           latex=r"\begin{bmatrix} w_{11}^L - \beta\delta_1^L a_1^{L-1} & w_{22}^L - \beta\delta_1^L a_2^{L-1} &"
                 r" w_{33}^L - \beta\delta_1^L a_3^{L-1} & \cdots & w_{1s}^L - \beta\delta_1^L a_s^{L-1}\\"
                 r" w_{21}^L - \beta\delta_2^L a_1^{L-1} & \cdots \\ \vdots\end{bmatrix}"
                 r" = \begin{bmatrix} w_{11}^L & w_{22}^L & w_{33}^L & \cdots & w_{1s}^L\\ w_{21}^L & \cdots\\"
                 r" \vdots\end{bmatrix} - \beta \begin{bmatrix}\delta_1^L\\ \vdots\\ \delta_s^L\end{bmatrix}"
                 r"\begin{bmatrix} a_1^{L-1} & \cdots & a_s^{L-1}\end{bmatrix}")
def out_w_matrix_chain(n):
    L, rows, cols = n.L, n.size(n.L), n.size(n.L - 1)
    w = lambda j, k: n.W[L][_first_row_as_written(n, j, k, cols), k]   # noqa: E731
    return (n.step_W[L],
            mat(rows, cols, lambda j, k: w(j, k) - n.beta * n.delta[L][j] * n.a[L - 1][k], "[w − βδa]"),
            mat(rows, cols, w, "[w]") - n.beta * (col(rows, lambda j: n.delta[L][j], "[δ]")
                                                  @ mat(1, cols, lambda _r, k: n.a[L - 1][k], "[a]")))


@doc.claim("Output layer weights, matrix form", kind="chain", of="update_W", layer="output", reading="intended",
           note="first row w_11, w_12, w_13, …, w_1s",
           latex=r"[w_{jk}^L - \beta\delta_j^L a_k^{L-1}] = w^L - \beta\,\delta^L (a^{L-1})^T")
def out_w_matrix_chain_intended(n):
    L, rows, cols = n.L, n.size(n.L), n.size(n.L - 1)
    return (n.step_W[L],
            mat(rows, cols, lambda j, k: n.W[L][j, k] - n.beta * n.delta[L][j] * n.a[L - 1][k], "[w − βδa]"),
            n.W[L] - n.beta * (col(rows, lambda j: n.delta[L][j], "[δ]")
                               @ mat(1, cols, lambda _r, k: n.a[L - 1][k], "[a]")))


@doc.claim("(5)", kind="update_W", layer="output", expect="fails",
           note="β^{L−1} (no such vector; a^{L−1} meant) read literally as the step size to the power L−1: "
                "δ^L (β^{L−1})^T is then a column and cannot be subtracted from w^L",
           latex=r"= w^{L} - \beta \delta^{L} (\beta^{L-1})^{T} \quad (5)")
def eq5(n):
    return n.step_W[n.L], n.W[n.L] - n.beta * n.delta[n.L] * n.beta ** (n.L - 1)


@doc.claim("(5)", kind="update_W", layer="output", reading="intended",
           latex=r"w^{L} \leftarrow w^{L} - \beta \delta^{L} (a^{L-1})^{T}")
def eq5_intended(n):
    return n.step_W[n.L], n.W[n.L] - n.beta * (n.delta[n.L] @ n.a[n.L - 1].T)


@doc.claim("unnumbered, after (5)", kind="update_W", layer="output",
           latex=r"w^L \leftarrow w^L - \beta(\nabla_{a^L} C \odot a'^{(L)})(a^{L-1})^T")
def after5(n):
    L = n.L
    return n.step_W[L], n.W[L] - n.beta * ((n.dC_da[L] * n.fp(n.z[L])) @ n.a[L - 1].T)


# -- output layer biases ---------------------------------------------------------------------------------------
@doc.claim("Updating output layer biases", kind="chain", of="update_b", layer="output",
           latex=r"b_j^L \leftarrow b_j^L - \beta \frac{\partial C}{\partial b_j^L}"
                 r" = b_j^L - \beta \frac{\partial C}{\partial z_j^L} \frac{\partial z_j^L}{\partial b_j^L}"
                 r" = (\text{same line again})"
                 r" = b_j^L - \beta \frac{\partial C}{\partial z_j^L} \frac{\partial}{\partial b_j^L}"
                 r"(w_{j1}^L a_1^{L-1} + \ldots + w_{js}^L a_s^{L-1} + b^L j);\quad b_j^L \leftarrow b_j^L - \beta \delta_j^L",
           note="the page repeats line 2; ∂z_j/∂b_j and ∂(…)/∂b_j are differentiated by the network's CAS; OCR 'b^L j' read as b_j^L")
def out_b_chain(n, j):
    L = n.L
    b, dC_dz = n.b[L][j], n.partial("C", ("z", L))[1, j]
    z_written = sum(n.W[L][j, i] * n.a[L - 1][i] for i in range(1, n.size(L - 1) + 1)) + n.b[L][j]
    return (n.step_b[L][j],
            b - n.beta * n.dC_db[L][j],
            b - n.beta * dC_dz * d(n, n.z[L][j], b),
            b - n.beta * dC_dz * d(n, n.z[L][j], b),
            b - n.beta * dC_dz * d(n, z_written, b),
            b - n.beta * n.delta[L][j])


@doc.claim("Updating output layer biases, matrix form", kind="chain", of="update_b", layer="output",
           latex=r"\begin{bmatrix} b_1^L - \beta \delta_1^L \\ \vdots \\ b_s^L - \beta \delta_s^L \end{bmatrix}"
                 r" = b^L - \beta\delta^L")
def out_b_matrix_chain(n):
    L = n.L
    return (n.step_b[L],
            col(n.size(L), lambda j: n.b[L][j] - n.beta * n.delta[L][j], "[b − βδ]"),
            n.b[L] - n.beta * n.delta[L])


@doc.claim("(6)", kind="update_b", layer="output",
           latex=r"b^L \leftarrow b^L - \beta [\nabla_{a^L} C \odot a^{\prime(L)}]")
def eq6(n):
    L = n.L
    return n.step_b[L], n.b[L] - n.beta * (n.dC_da[L] * n.fp(n.z[L]))


# -- hidden layers ----------------------------------------------------------------------------------------------
@doc.claim("Hidden layer weights", kind="update_W", layer="hidden",
           latex=r"w^l - \beta \delta^l (a^{l-1})^T")
def hidden_w(n, l):
    return n.step_W[l], n.W[l] - n.beta * (n.delta[l] @ n.a[l - 1].T)


@doc.claim("Hidden layer weights, substituting (4)", kind="update_W", layer="hidden",
           latex=r"w^{l} \leftarrow w^{l} - \beta [a'^{(l)} \odot ((w^{l+1})^{T} \delta^{l+1})] (a^{l-1})^{T}")
def hidden_w_sub(n, l):
    return n.step_W[l], n.W[l] - n.beta * ((n.fp(n.z[l]) * (n.W[l + 1].T @ n.delta[l + 1])) @ n.a[l - 1].T)


@doc.claim("Hidden layer biases", kind="update_b", layer="hidden",
           latex=r"b^l \leftarrow b^l - \beta[a'^{(l)} \odot ((w^{l+1})^T \delta^{l+1})]")
def hidden_b(n, l):
    return n.step_b[l], n.b[l] - n.beta * (n.fp(n.z[l]) * (n.W[l + 1].T @ n.delta[l + 1]))
