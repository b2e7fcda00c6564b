"""NetworkSpec: the architecture and cost conventions of one network.

A spec is plain data.  It is validated once, on construction, and every
bad field raises :class:`SpecError` naming the field and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

from .activations import ACTIVATIONS, VECTOR_ACTIVATIONS
from .costs import AVERAGES, COST_ALIASES, COSTS, MAX_GENERIC_OUTPUTS, TARGETS

__all__ = ['NetworkSpec', 'SpecError', 'BIAS_LAYOUTS']


#: How a bias is stored: a separate vector ``b[l]`` or column 0 of ``W[l]``
#: multiplying a constant unit ``a_0 = 1``.
BIAS_LAYOUTS = ("vector", "weight0")


class SpecError(ValueError):
    """A NetworkSpec field has a value outside its allowed set."""


def _allowed(names) -> str:
    return ", ".join(repr(n) for n in names)


def _one_of(value, names) -> bool:
    """``value in names`` for a name, False (not TypeError) for an unhashable value."""
    return isinstance(value, str) and value in names


@dataclass(frozen=True)
class NetworkSpec:
    """Layer sizes, activations, cost and conventions of a feed-forward network.

    Examples
    --------
    >>> spec = NetworkSpec([2, 3, 1], activation="sigmoid", batch_size=2)
    >>> spec.depth, spec.n_outputs, spec.output_activation
    (2, 1, 'sigmoid')
    >>> NetworkSpec([2, 2], cost="softmax_cross_entropy").targets
    'probability'
    >>> NetworkSpec([2, 2], cost="categorical_cross_entropy").cost, NetworkSpec([2, 2], cost="log_likelihood").targets
    ('softmax_cross_entropy', 'one_hot')
    >>> NetworkSpec([2, 0, 1])
    Traceback (most recent call last):
    ...
    symbp.model.spec.SpecError: sizes: every layer width must be an integer >= 1, got [2, 0, 1]
    """

    sizes: tuple
    activation: str = "sigmoid"
    output_activation: str | None = None
    cost: str = "half_sse"
    average: str = "examples"
    weight_decay: float = 0.0
    decay_biases: bool = False
    decay_average: bool = False
    batch_size: int = 1
    bias: str = "vector"
    targets: str | None = None   # None: the cost's default domain

    def __post_init__(self):
        sizes = self.sizes
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise SpecError(f"sizes: expected a list of layer widths such as [2, 3, 1], got {sizes!r}")
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise SpecError(f"sizes: need an input and an output layer (at least 2 widths), got {list(sizes)}")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes):
            raise SpecError(f"sizes: every layer width must be an integer >= 1, got {list(sizes)}")
        object.__setattr__(self, "sizes", sizes)

        if not _one_of(self.activation, ACTIVATIONS) or self.activation in VECTOR_ACTIVATIONS:
            hidden = [a for a in ACTIVATIONS if a not in VECTOR_ACTIVATIONS]
            raise SpecError(f"activation: {self.activation!r} is not one of {_allowed(hidden)}")
        if _one_of(self.cost, COST_ALIASES):
            object.__setattr__(self, "cost", COST_ALIASES[self.cost])
        out = self.output_activation
        if _one_of(self.cost, COSTS) and COSTS[self.cost].output_activations == ("softmax",) and out is None:
            out = "softmax"
        if out is None:
            out = self.activation
        if not _one_of(out, ACTIVATIONS):
            raise SpecError(f"output_activation: {out!r} is not one of {_allowed(ACTIVATIONS)}")
        object.__setattr__(self, "output_activation", out)

        if not _one_of(self.cost, COSTS):
            raise SpecError(f"cost: {self.cost!r} is not one of {_allowed(list(COSTS) + list(COST_ALIASES))}")
        needs = COSTS[self.cost].output_activations
        if needs is not None and out not in needs:
            raise SpecError(
                f"output_activation: cost {self.cost!r} needs an output activation in "
                f"{_allowed(needs)}, got {out!r}")
        if out in VECTOR_ACTIVATIONS and needs is None:
            with_it = [c for c in COSTS if out in (COSTS[c].output_activations or ())]
            raise SpecError(f"output_activation: {out!r} goes only with cost {_allowed(with_it)}")
        if self.cost == "generic" and sizes[-1] > MAX_GENERIC_OUTPUTS:
            raise SpecError(f"cost: 'generic' is defined for at most {MAX_GENERIC_OUTPUTS} outputs, got {sizes[-1]}")
        if not _one_of(self.average, AVERAGES):
            raise SpecError(f"average: {self.average!r} is not one of {_allowed(AVERAGES)}")
        if not isinstance(self.weight_decay, Real) or isinstance(self.weight_decay, bool) \
                or not self.weight_decay >= 0 or self.weight_decay != self.weight_decay \
                or self.weight_decay == float("inf"):
            raise SpecError(f"weight_decay: expected a finite number >= 0, got {self.weight_decay!r}")
        for name in ("decay_biases", "decay_average"):
            if not isinstance(getattr(self, name), bool):
                raise SpecError(f"{name}: expected True or False, got {getattr(self, name)!r}")
        m = self.batch_size
        if not isinstance(m, int) or isinstance(m, bool) or m < 1:
            raise SpecError(f"batch_size: expected an integer >= 1, got {m!r}")
        if not _one_of(self.bias, BIAS_LAYOUTS):
            raise SpecError(f"bias: {self.bias!r} is not one of {_allowed(BIAS_LAYOUTS)}")
        if self.targets is None:
            object.__setattr__(self, "targets", COSTS[self.cost].targets)
        if not _one_of(self.targets, TARGETS):
            raise SpecError(f"targets: {self.targets!r} is not one of {_allowed(TARGETS)}")

    # -- derived facts -------------------------------------------------------
    @property
    def depth(self) -> int:
        """Number of weight layers L (layers are numbered 0..L)."""
        return len(self.sizes) - 1

    @property
    def n_outputs(self) -> int:
        """Width K of the output layer."""
        return self.sizes[-1]

    def activation_of(self, layer: int) -> str:
        """Activation name of canonical layer ``1..L``."""
        return self.output_activation if layer == self.depth else self.activation

    def replace(self, **changes) -> "NetworkSpec":
        """A copy with some fields changed (and validated again).

        >>> NetworkSpec([2, 2, 1]).replace(batch_size=3).batch_size
        3
        """
        fields = {k: getattr(self, k) for k in (
            "sizes", "activation", "output_activation", "cost", "average", "weight_decay",
            "decay_biases", "decay_average", "batch_size", "bias", "targets")}
        if "activation" in changes and "output_activation" not in changes \
                and self.output_activation == self.activation:
            fields["output_activation"] = None
        if "cost" in changes and "targets" not in changes and self.targets == COSTS[self.cost].targets:
            fields["targets"] = None
        fields.update(changes)
        return NetworkSpec(**fields)
