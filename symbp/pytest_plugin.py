"""pytest plugin: a ``symbp`` marker, fixtures over a default sweep of specs, ``--symbp-*`` options.

Registered through the ``pytest11`` entry point (``symbp = "symbp.pytest_plugin"``).
symbp itself is imported lazily inside the hooks, so pytest starts as fast as without it.

* ``symbp_spec``: a :class:`~symbp.NetworkSpec`, the test parametrised over
  :data:`DEFAULT_SPECS` (or over ``@pytest.mark.symbp(...)`` fields, see below),
  on each ``--symbp-arch`` when given;
* ``symbp_backend``: the CAS backend of ``--symbp-backend`` (symengine or sympy);
* ``symbp_archs``: the ``--symbp-arch`` architectures as ``[(sizes, m)]`` (None when not given),
  for ``assert_gradients_match(..., archs=symbp_archs)``.

``@pytest.mark.symbp(activation=["sigmoid", "tanh"], cost="half_sse", sizes=[(2, 3, 1)])``
sets the fields of ``symbp_spec`` (each value one choice or a list of them; every
combination that is a valid spec is used).  Tests using a symbp fixture get the
marker, so ``-m symbp`` selects them.
"""

from __future__ import annotations

import itertools

import pytest

__all__ = ['DEFAULT_SPECS', 'MARKER']


#: The default sweep of ``symbp_spec``: NetworkSpec fields, one dict per spec.
DEFAULT_SPECS = (
    {"sizes": (2, 3, 2), "activation": "sigmoid", "cost": "half_sse", "average": "examples", "batch_size": 1},
    {"sizes": (3, 4, 1), "activation": "tanh", "output_activation": "identity", "cost": "half_sse",
     "average": "none", "batch_size": 3},
    {"sizes": (2, 3, 4, 2), "activation": "sigmoid", "cost": "cross_entropy", "average": "examples",
     "weight_decay": 0.1, "batch_size": 2},
    {"sizes": (3, 2, 3), "activation": "tanh", "cost": "softmax_cross_entropy", "average": "examples",
     "batch_size": 3},
)


MARKER = ("symbp(**fields): a test of backpropagation code against symbp's ground truth; fields "
          "(NetworkSpec fields such as activation=, cost=, average=, weight_decay=, sizes=, batch_size=; "
          "each a value or a list) set the specs the symbp_spec fixture sweeps")


def pytest_addoption(parser):
    """``--symbp-backend`` and ``--symbp-arch`` (repeatable)."""
    group = parser.getgroup("symbp", "symbp: backpropagation against a CAS ground truth")
    group.addoption("--symbp-backend", choices=("symengine", "sympy"), default="symengine",
                    help="computer algebra backend of the ground truth (default: symengine)")
    group.addoption("--symbp-arch", action="append", default=None, metavar="W0,W1,...[:M]",
                    help="architecture for symbp_spec, input width first, batch size after ':' (repeatable)")


def pytest_configure(config):
    """Register the ``symbp`` marker; reject a malformed ``--symbp-arch`` before collection."""
    config.addinivalue_line("markers", MARKER)
    _archs(config)


def _archs(config):
    texts = config.getoption("symbp_arch", None)
    if not texts:
        return None
    from symbp.model.arch import parse_arch
    try:
        return [parse_arch(t) for t in texts]
    except ValueError as e:
        raise pytest.UsageError(str(e).replace("--arch", "--symbp-arch", 1)) from None


def _specs(fields_list, archs):
    """Valid NetworkSpecs from field dicts (list values expand to every combination), on ``archs`` if given."""
    from symbp.model.spec import NetworkSpec, SpecError
    out = []
    for fields in fields_list:
        keys = list(fields)
        choices = [v if isinstance(v, list) else [v] for v in fields.values()]
        for combo in itertools.product(*choices):
            f = dict(zip(keys, combo))
            own = [(f.pop("sizes", (2, 3, 2)), f.pop("batch_size", 1))]
            for sizes, m in (archs or own):
                try:
                    spec = NetworkSpec(tuple(sizes), batch_size=m, **f)
                except SpecError:
                    continue
                if spec not in out:
                    out.append(spec)
    return out


def _spec_id(spec):
    wd = f"-wd{spec.weight_decay:g}" if spec.weight_decay else ""
    return (f"{'x'.join(map(str, spec.sizes))}:m{spec.batch_size}-{spec.activation}-{spec.cost}"
            f"-{spec.average}{wd}")


def pytest_generate_tests(metafunc):
    """Parametrise ``symbp_spec`` over the marker's fields or the default sweep."""
    if "symbp_spec" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("symbp")
    fields = [dict(marker.kwargs)] if marker and marker.kwargs else [dict(f) for f in DEFAULT_SPECS]
    specs = _specs(fields, _archs(metafunc.config))
    if not specs:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: the symbp marker's fields make no valid spec")
    metafunc.parametrize("symbp_spec", specs, ids=[_spec_id(s) for s in specs], indirect=True)


def pytest_collection_modifyitems(items):
    """Tests that use a symbp fixture carry the ``symbp`` marker (``-m symbp`` selects them)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if any(n.startswith("symbp_") for n in names) and item.get_closest_marker("symbp") is None:
            item.add_marker("symbp")


@pytest.fixture
def symbp_spec(request):
    """A NetworkSpec of the sweep (the default one, or the ``symbp`` marker's fields, on ``--symbp-arch``)."""
    return request.param


@pytest.fixture
def symbp_backend(request):
    """The CAS backend chosen with ``--symbp-backend``."""
    return request.config.getoption("symbp_backend", "symengine")


@pytest.fixture
def symbp_archs(request):
    """The ``--symbp-arch`` architectures as ``[(sizes, m)]``, or None."""
    return _archs(request.config)
