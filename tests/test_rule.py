"""Training with a document's rule: the page's own δ and gradient formulas, composed."""

import numpy as np
import pytest

from symbp import Derivation, GroundTruth, NetworkSpec, Notation, Trainer
from symbp.train.rule import DocumentRule, RuleError
from symbp.run.load import load_derivation
from symbp.cli.train import add_parser, run

SPEC = NetworkSpec([2, 3, 2], activation="sigmoid", batch_size=4, weight_decay=0.01)


def point(seed=0):
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(3, 2)), rng.normal(size=(2, 3))]
    b = [rng.normal(size=3), rng.normal(size=2)]
    return W, b, rng.normal(size=(4, 2)), rng.uniform(size=(4, 2))


@pytest.mark.parametrize("path", ["examples/four_equations.py", "derivations/ufldl_backprop.py",
                                  "derivations/reynoso_backprop.py", "derivations/abu_mostafa_backprop.py"])
def test_a_correct_rule_gives_the_true_gradient(path):
    rule = DocumentRule(load_derivation(path), SPEC)
    W, b, X, Y = point()
    got, want = rule.gradient(W, b, X, Y), GroundTruth(SPEC).gradients(W, b, X, Y)
    for g, t in zip(got[0] + got[1], want[0] + want[1]):
        np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-14)


def sign_slip_doc():
    doc = Derivation("slip", "Slip", "-", Notation(first_layer=1, weight_named_after="target"), {"activation": "f"})

    @doc.claim("out", kind="delta", layer="output", latex="", expect="fails")
    def out(n, i):   # the erratum: (y - a) for (a - y)
        return n.delta[n.L][i], (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])

    @doc.claim("hidden", kind="delta", layer="hidden", latex="")
    def hidden(n, l):
        return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])

    @doc.claim("grad", kind="grad_W", layer="all", latex="")
    def grad(n, l):
        return n.dC_dW[l], n.delta[l] @ n.a[l - 1].T
    return doc


def test_an_erratum_in_the_rule_changes_the_gradient_and_training():
    rule = DocumentRule(sign_slip_doc(), SPEC)
    W, b, X, Y = point()
    got, want = rule.gradient(W, b, X, Y), GroundTruth(SPEC).gradients(W, b, X, Y)
    # the slip negates the data term; the weight-decay term λW (added by the spec's convention) is unchanged
    np.testing.assert_allclose(got[0][1] - SPEC.weight_decay * W[1], -(want[0][1] - SPEC.weight_decay * W[1]),
                               rtol=1e-10)
    spec = NetworkSpec([2, 3, 1], activation="sigmoid", batch_size=4)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1.0]])
    Y = np.array([[0], [1], [1], [0.0]])
    true_fit = Trainer(spec, seed=0, epsilon=0.5).fit(X, Y, lr=2.0, epochs=300)
    slip_fit = Trainer(spec, seed=0, epsilon=0.5, gradient=DocumentRule(sign_slip_doc(), spec).gradient).fit(
        X, Y, lr=2.0, epochs=300)
    assert true_fit[-1] < true_fit[0] and slip_fit[-1] > slip_fit[0]     # the slip climbs the cost


def test_a_derivation_without_a_rule_says_what_is_missing():
    doc = Derivation("defs", "Definitions", "-", Notation(), {"activation": "f"})

    @doc.claim("δ is ∂C/∂z", kind="delta", layer="all", latex="")
    def definition(n, l):
        return n.delta[l], n.partial("C", ("z", l))

    @doc.claim("gradient", kind="grad_W", layer="all", latex="")
    def grad(n, l):
        return n.dC_dW[l], n.delta[l] @ n.a[l - 1].T

    with pytest.raises(RuleError, match="states no usable per-example δ .*'δ is ∂C/∂z' is a definition"):
        DocumentRule(doc, SPEC).gradient(*point())


def test_train_cli_compares_the_two_curves(capsys):
    import argparse
    p = argparse.ArgumentParser()
    add_parser(p.add_subparsers())
    code = run(p.parse_args(["train", "--data", "xor", "--epochs", "200",
                             "--rule", "examples/four_equations.py", "--rule-claim", "BP4 (a misprint)"]))
    out, err = capsys.readouterr()
    assert code == 0 and "with the rule of four_equations (as-written): final loss" in out
    assert "--rule-claim 'BP4 (a misprint)' not used" in err
