"""pytest plugin: a ``symbp`` marker, fixtures over a default sweep of specs, ``--symbp-*`` options.

Registered through the ``pytest11`` entry point (``symbp = "symbp.pytest_plugin"``).
symbp itself is imported lazily inside the hooks, so pytest starts as fast as without it.

* ``symbp_spec``: a :class:`~symbp.NetworkSpec`, the test parametrised over
  :data:`DEFAULT_SPECS` (or over ``@pytest.mark.symbp(...)`` fields, see below),
  on each ``--symbp-arch`` when given;
* ``symbp_backend``: the CAS backend of ``--symbp-backend`` (symengine or sympy);
* ``symbp_archs``: the ``--symbp-arch`` architectures as ``[(sizes, m)]`` (None when not given),
  for ``assert_gradients_match(..., archs=symbp_archs)``.

The ini options ``symbp_backend`` and ``symbp_archs`` (architectures separated by spaces)
set the same defaults in ``pytest.ini``/``pyproject.toml``; the command line wins.  The
report header names symbp's version and the backend.

``@pytest.mark.symbp(activation=["sigmoid", "tanh"], cost="half_sse", sizes=[(2, 3, 1)])``
sets the fields of ``symbp_spec`` (each value one choice or a list of them; every
combination that is a valid spec is used).  A field name that is not a NetworkSpec
field, or a value that makes no valid spec with any choice of the others, is a usage
error naming the test; a marker with fields on a test that does not use ``symbp_spec``
warns (its fields would set nothing).  Tests using a symbp fixture get the marker, so
``-m symbp`` selects them.
"""

from __future__ import annotations

import itertools

import pytest

__all__ = ['DEFAULT_SPECS', 'MARKER', 'BACKENDS']


#: The CAS backends ``--symbp-backend`` and the ``symbp_backend`` ini option accept.
BACKENDS = ("symengine", "sympy")


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
    """``--symbp-backend`` and ``--symbp-arch`` (repeatable), and the ini options of the same names."""
    group = parser.getgroup("symbp", "symbp: backpropagation against a CAS ground truth")
    group.addoption("--symbp-backend", choices=BACKENDS, default=None,
                    help="computer algebra backend of the ground truth (default: the symbp_backend ini "
                         "option, else symengine)")
    group.addoption("--symbp-arch", action="append", default=None, metavar="W0,W1,...[:M]",
                    help="architecture for symbp_spec, input width first, batch size after ':' (repeatable; "
                         "default: the symbp_archs ini option)")
    parser.addini("symbp_backend", "symbp: CAS backend of the ground truth (symengine or sympy)",
                  default="symengine")
    parser.addini("symbp_archs", "symbp: architectures for symbp_spec, e.g. 2,3,1 4,3:2", type="args",
                  default=[])


def pytest_configure(config):
    """Register the ``symbp`` marker; reject a malformed architecture or backend before collection."""
    config.addinivalue_line("markers", MARKER)
    _backend(config)
    _archs(config)


def pytest_report_header(config):
    """One header line: symbp's version and the backend of the ground truth."""
    from symbp.version import __version__
    archs = _archs(config)
    where = f", architectures {' '.join(_arch_text(a) for a in archs)}" if archs else ""
    return f"symbp {__version__}, backend {_backend(config)}{where}"


def _arch_text(arch):
    sizes, m = arch
    return ",".join(map(str, sizes)) + (f":{m}" if m != 1 else "")


def _backend(config):
    """The backend: ``--symbp-backend``, else the ``symbp_backend`` ini option."""
    name = config.getoption("symbp_backend", None) or config.getini("symbp_backend") or "symengine"
    if name not in BACKENDS:
        raise pytest.UsageError(f"symbp_backend = {name!r} (ini option) is not one of {', '.join(BACKENDS)}")
    return name


def _archs(config):
    """The architectures of ``--symbp-arch``, else of the ``symbp_archs`` ini option, else None."""
    texts, what = config.getoption("symbp_arch", None), "--symbp-arch"
    if not texts:
        texts, what = config.getini("symbp_archs"), "symbp_archs (ini option)"
    if not texts:
        return None
    from symbp.model.arch import parse_arch
    try:
        return [parse_arch(t) for t in texts]
    except ValueError as e:
        raise pytest.UsageError(str(e).replace("--arch", what, 1)) from None


def _specs(fields_list, archs, test="the test"):
    """Valid NetworkSpecs from field dicts (list values expand to every combination), on ``archs`` if given.

    A field that is not a NetworkSpec field, or a value that no combination makes valid, is a
    :class:`pytest.UsageError` naming ``test``.
    """
    import dataclasses

    from symbp.model.spec import NetworkSpec, SpecError
    known = [f.name for f in dataclasses.fields(NetworkSpec)]
    out = []
    for fields in fields_list:
        unknown = [k for k in fields if k not in known]
        if unknown:
            raise pytest.UsageError(f"{test}: @pytest.mark.symbp has no field {unknown[0]!r} "
                                    f"(fields: {', '.join(known)})")
        keys = list(fields)
        choices = [v if isinstance(v, list) else [v] for v in fields.values()]
        used, why = set(), {}
        for combo in itertools.product(*choices):
            f = dict(zip(keys, combo))
            own = [(f.pop("sizes", (2, 3, 2)), f.pop("batch_size", 1))]
            for sizes, m in (archs or own):
                try:
                    spec = NetworkSpec(tuple(sizes), batch_size=m, **f)
                except (SpecError, TypeError, ValueError) as e:
                    for k, v in zip(keys, combo):
                        why.setdefault((k, repr(v)), str(e).splitlines()[0] if str(e) else type(e).__name__)
                    continue
                used.update((k, repr(v)) for k, v in zip(keys, combo))
                if spec not in out:
                    out.append(spec)
        for k, vs in zip(keys, choices):
            for v in vs:
                if (k, repr(v)) not in used:
                    raise pytest.UsageError(f"{test}: @pytest.mark.symbp({k}={v!r}) makes no valid spec: "
                                            f"{why.get((k, repr(v)), 'no combination is valid')}")
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
    specs = _specs(fields, _archs(metafunc.config), metafunc.definition.nodeid)
    if not specs:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: the symbp marker's fields make no valid spec")
    metafunc.parametrize("symbp_spec", specs, ids=[_spec_id(s) for s in specs], indirect=True)


def pytest_collection_modifyitems(items):
    """Tests that use a symbp fixture carry the ``symbp`` marker; a marker's fields without ``symbp_spec`` warn."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("symbp")
        if marker is not None and marker.kwargs and "symbp_spec" not in names:
            item.warn(pytest.PytestWarning(
                f"{item.nodeid}: @pytest.mark.symbp({', '.join(marker.kwargs)}=...) sets the specs of the "
                f"symbp_spec fixture, which this test does not use: its fields set nothing"))
        if any(n.startswith("symbp_") for n in names) and marker is None:
            item.add_marker("symbp")


@pytest.fixture
def symbp_spec(request):
    """A NetworkSpec of the sweep (the default one, or the ``symbp`` marker's fields, on ``--symbp-arch``)."""
    return request.param


@pytest.fixture
def symbp_backend(request):
    """The CAS backend chosen with ``--symbp-backend`` (or the ``symbp_backend`` ini option)."""
    return _backend(request.config)


@pytest.fixture
def symbp_archs(request):
    """The ``--symbp-arch`` (or ``symbp_archs`` ini) architectures as ``[(sizes, m)]``, or None."""
    return _archs(request.config)
