"""NetworkSpec validation: every bad field raises one SpecError naming the field and what is allowed."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbp import NetworkSpec, SpecError

HIDDEN = ["f", "g", "sigmoid", "tanh", "identity", "relu", "softplus"]
OUTPUT = HIDDEN + ["softmax"]
COSTS = ["half_sse", "cross_entropy", "softmax_cross_entropy"]
AVERAGES = ["none", "examples", "examples_and_outputs"]
LAYOUTS = ["vector", "weight0"]


def raises_naming(field, allowed=(), **kwargs):
    """Build a spec from ``kwargs`` and check the SpecError names ``field`` and each allowed value."""
    kwargs.setdefault("sizes", [2, 3, 1])
    with pytest.raises(SpecError) as err:
        NetworkSpec(**kwargs)
    message = str(err.value)
    assert message.startswith(f"{field}:"), message
    for value in allowed:
        assert repr(value) in message, (value, message)
    return message


def test_spec_error_is_a_value_error():
    assert issubclass(SpecError, ValueError)


@pytest.mark.parametrize("sizes", [[2], [], [2, 0, 1], [2, -1], [2, 1.0], [2, True], "231", 3, None, [2, "3"]])
def test_bad_sizes(sizes):
    message = raises_naming("sizes", sizes=sizes)
    assert "width" in message or "layer" in message


@pytest.mark.parametrize("value", ["softmax", "Sigmoid", "logistic", "", None, 1, ["sigmoid"]])
def test_bad_activation(value):
    raises_naming("activation", HIDDEN, activation=value)


def test_bad_activation_does_not_offer_softmax_for_hidden_layers():
    message = raises_naming("activation", activation="softmax")
    assert "'softmax'" not in message.split("is not one of")[1]


@pytest.mark.parametrize("value", ["Softmax", "linear", 0, ["tanh"]])
def test_bad_output_activation(value):
    raises_naming("output_activation", OUTPUT, output_activation=value)


@pytest.mark.parametrize("value", ["hinge", "cross-entropy", "", 2, None, {"half_sse": 1}])
def test_bad_cost(value):
    raises_naming("cost", COSTS, cost=value)


@pytest.mark.parametrize("value", ["mean", "sum", "batch", None, 1, [1]])
def test_bad_average(value):
    raises_naming("average", AVERAGES, average=value)


@pytest.mark.parametrize("value", [-0.1, -1, float("nan"), float("inf"), "0.1", None, True, 1j])
def test_bad_weight_decay(value):
    message = raises_naming("weight_decay", weight_decay=value)
    assert ">= 0" in message and "finite" in message


@pytest.mark.parametrize("field", ["decay_biases", "decay_average"])
@pytest.mark.parametrize("value", [1, 0, "yes", None])
def test_bad_decay_flags(field, value):
    assert "True or False" in raises_naming(field, **{field: value})


@pytest.mark.parametrize("value", [0, -2, 1.0, 2.5, "2", None, True])
def test_bad_batch_size(value):
    assert ">= 1" in raises_naming("batch_size", batch_size=value)


@pytest.mark.parametrize("value", ["bias", "column0", "", None, 0, ["vector"]])
def test_bad_bias(value):
    raises_naming("bias", LAYOUTS, bias=value)


@pytest.mark.parametrize("activation, output_activation", [("tanh", None), ("sigmoid", "tanh"), ("sigmoid", "relu"),
                                                           ("sigmoid", "softmax")])
def test_cross_entropy_needs_a_sigmoid_like_output(activation, output_activation):
    message = raises_naming("output_activation", ["sigmoid", "f", "g"], cost="cross_entropy",
                            activation=activation, output_activation=output_activation)
    assert "'cross_entropy'" in message


@pytest.mark.parametrize("output_activation", ["sigmoid", "identity", "tanh"])
def test_softmax_cross_entropy_needs_softmax(output_activation):
    message = raises_naming("output_activation", ["softmax"], cost="softmax_cross_entropy",
                            output_activation=output_activation)
    assert "'softmax_cross_entropy'" in message


def test_softmax_output_needs_softmax_cross_entropy():
    message = raises_naming("output_activation", cost="half_sse", output_activation="softmax")
    assert "'softmax_cross_entropy'" in message


# -- good specs -------------------------------------------------------------------
def test_good_spec_resolves_defaults():
    spec = NetworkSpec([2, 3, 1])
    assert (spec.sizes, spec.activation, spec.output_activation, spec.cost, spec.average) == \
        ((2, 3, 1), "sigmoid", "sigmoid", "half_sse", "examples")
    assert (spec.weight_decay, spec.decay_biases, spec.decay_average, spec.batch_size, spec.bias) == \
        (0.0, False, False, 1, "vector")
    assert spec.depth == 2 and spec.n_outputs == 1
    assert [spec.activation_of(l) for l in (1, 2)] == ["sigmoid", "sigmoid"]


def test_softmax_cross_entropy_defaults_the_output_to_softmax():
    spec = NetworkSpec([2, 3, 4], activation="tanh", cost="softmax_cross_entropy")
    assert [spec.activation_of(l) for l in (1, 2)] == ["tanh", "softmax"]


@pytest.mark.parametrize("weight_decay", [0, 0.5, 3, Fraction(1, 3)])
def test_weight_decay_accepts_any_finite_non_negative_real(weight_decay):
    assert NetworkSpec([1, 1], weight_decay=weight_decay).weight_decay == weight_decay


def test_replace_revalidates_and_follows_the_hidden_activation():
    spec = NetworkSpec([2, 2, 1], activation="sigmoid")
    assert spec.replace(activation="tanh").output_activation == "tanh"
    assert NetworkSpec([2, 2, 1], output_activation="identity").replace(activation="tanh").output_activation == "identity"
    with pytest.raises(SpecError, match="^batch_size:"):
        spec.replace(batch_size=0)


# -- property: any field values either build or raise SpecError ------------------------
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 5), st.floats(allow_nan=True), st.text(max_size=6),
                 st.lists(st.integers(-1, 4), max_size=3), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
                 st.fractions(), st.complex_numbers(), st.tuples(st.integers(0, 3)))


def field(valid):
    return st.one_of(st.sampled_from(valid), JUNK)


@settings(max_examples=400, deadline=None)
@given(sizes=st.one_of(st.lists(st.integers(-1, 6), max_size=5), st.tuples(st.integers(1, 4), st.integers(1, 4)), JUNK),
       activation=field(HIDDEN + ["softmax"]), output_activation=field(OUTPUT + [None]), cost=field(COSTS),
       average=field(AVERAGES), weight_decay=st.one_of(st.floats(), st.integers(-2, 3), st.fractions(), JUNK),
       decay_biases=field([True, False]), decay_average=field([True, False]),
       batch_size=st.one_of(st.integers(-2, 8), JUNK), bias=field(LAYOUTS))
def test_any_field_values_build_or_raise_spec_error(**fields):
    try:
        spec = NetworkSpec(**fields)
    except SpecError as err:
        assert str(err).split(":")[0] in fields      # the message starts with the field's name
        return
    # it built: every field holds an allowed value
    assert isinstance(spec.sizes, tuple) and len(spec.sizes) >= 2
    assert all(type(n) is int and n >= 1 for n in spec.sizes)
    assert spec.activation in HIDDEN and spec.output_activation in OUTPUT
    assert spec.cost in COSTS and spec.average in AVERAGES and spec.bias in LAYOUTS
    assert spec.weight_decay >= 0 and math.isfinite(spec.weight_decay)
    assert type(spec.decay_biases) is bool and type(spec.decay_average) is bool
    assert type(spec.batch_size) is int and spec.batch_size >= 1
    assert (spec.output_activation == "softmax") == (spec.cost == "softmax_cross_entropy")
    if spec.cost == "cross_entropy":
        assert spec.output_activation in ("sigmoid", "f", "g")
    assert spec.replace() == spec
