"""The pytest plugin end to end, through pytester: marker, fixtures, options, a failing user test's output."""

from importlib.metadata import entry_points
from pathlib import Path

import pytest

import symbp.testing  # noqa: F401  (imported before pytester's snapshots of sys.modules: numpy cannot load twice)

pytest_plugins = ["pytester"]

#: Run the inner pytest with the plugin loaded explicitly, strict markers and warnings as errors,
#: whether or not symbp's entry point is installed.
ARGS = ("-p", "symbp.pytest_plugin", "--strict-markers", "-W", "error", "-p", "no:cacheprovider",
        "-W", "ignore::pytest.PytestAssertRewriteWarning")   # in-process, the outer run imported the plugin

PASSING = '''
import numpy as np
import pytest
from symbp.testing import assert_gradients_match

def grads(spec):
    def fn(W, b, X, Y):                     # one identity layer, half squared error
        D = (X @ W[0].T + b[0] - Y) * (1.0 / X.shape[0] if spec.average == "examples" else 1.0)
        return [D.T @ X], [D.sum(axis=0)]
    return fn

@pytest.mark.symbp(activation="identity", average=["none", "examples"], sizes=(3, 2), batch_size=2)
def test_linear(symbp_spec, symbp_backend, symbp_archs):
    assert symbp_backend in ("symengine", "sympy")
    assert_gradients_match(grads(symbp_spec), symbp_spec, archs=symbp_archs, backend=symbp_backend)
'''

FAILING = '''
from symbp import NetworkSpec
from symbp.testing import assert_gradients_match

def test_sign_slip():
    def fn(W, b, X, Y):
        D = X @ W[0].T + b[0] - Y
        return [-(D.T @ X)], [D.sum(axis=0)]          # the sign of dW is wrong
    assert_gradients_match(fn, NetworkSpec([3, 2], activation="identity", average="none", batch_size=2))
'''


@pytest.fixture
def run(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return lambda *args: pytester.runpytest(*ARGS, *args)


def test_passing_user_test_with_marker_and_fixtures(pytester, run):
    pytester.makepyfile(PASSING)
    result = run("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_linear?3x2:m2-identity-half_sse-none?*PASSED*",
                                 "*test_linear?3x2:m2-identity-half_sse-examples?*PASSED*"])


def test_failing_user_test_shows_the_diagnosis(pytester, run):
    pytester.makepyfile(FAILING)
    result = run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*GradientMismatch: symbp: gradient mismatch at dW[[]0[]]*",
                                 "*expected (ground truth):*", "*got (fn):*", "*relative error:*",
                                 "*diagnosis: sign*dW[[]0[]] is the negative of the truth*"])


def test_options_arch_and_backend_reach_the_fixtures(pytester, run):
    pytester.makepyfile(PASSING)
    result = run("-v", "--symbp-arch", "2,1:3", "--symbp-arch", "4,3", "--symbp-backend", "sympy")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*2x1:m3-identity*PASSED*", "*4x3:m1-identity*PASSED*"])
    bad = run("--symbp-arch", "2,x")
    assert bad.ret != 0
    bad.stderr.fnmatch_lines(["*--symbp-arch '2,x'*"])


def test_default_sweep_marker_selection_and_help(pytester, run):
    pytester.makepyfile('''
def test_spec(symbp_spec):
    assert symbp_spec.depth >= 1
def test_other():
    pass
''')
    result = run("-v", "-m", "symbp")
    result.assert_outcomes(passed=4, deselected=1)
    result = run("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.symbp(**fields):*"])
    result = run("--help")
    result.stdout.fnmatch_lines(["*--symbp-backend*", "*--symbp-arch*"])


def test_unknown_marker_fails_under_strict_markers(pytester, run):
    pytester.makepyfile('''
import pytest
@pytest.mark.symbpp
def test_typo():
    pass
''')
    result = run()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*'symbpp' not found in `markers` configuration option*"])


def test_the_readme_user_example_runs_under_the_plugin(pytester, run):
    src = Path(__file__).parent / "user_example" / "test_user_gradients.py"
    pytester.makepyfile(test_readme_user_example=src.read_text(encoding="utf-8"))  # a name of its own in-process
    result = run("-q")
    result.assert_outcomes(passed=11)


def test_entry_point_is_declared():
    text = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.pytest11]\nsymbp = "symbp.pytest_plugin"' in text
    eps = [e for e in entry_points(group="pytest11") if e.name == "symbp"]
    if eps:                                  # installed: the entry point names the plugin module
        assert eps[0].value == "symbp.pytest_plugin"


def test_plugin_module_imports_no_symbp_at_start_up():
    import ast
    tree = ast.parse((Path(__file__).parent.parent / "symbp" / "pytest_plugin.py").read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all("symbp" not in ast.dump(n) for n in top)


# -- issue 16, item 11 -------------------------------------------------------------------------------------
def test_a_failure_shows_the_users_code_not_symbps_internals(pytester, run):
    pytester.makepyfile(FAILING)
    result = run()
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    failure = text[text.index("test_sign_slip ___"):text.index("short test summary")]
    assert "symbp/testing.py" not in failure and "_compare" not in failure and "_run(" not in failure, failure
    assert "assert_gradients_match(fn" in failure          # the user's line stays
    assert len(failure.splitlines()) < 30, failure


def test_a_marker_field_typo_is_a_usage_error_naming_the_test(pytester, run):
    pytester.makepyfile('''
import pytest
@pytest.mark.symbp(activaton="tanh")
def test_typo(symbp_spec):
    pass
''')
    result = run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR or result.ret != 0
    out = result.stdout.str() + result.stderr.str()
    assert "test_typo" in out and "'activaton'" in out and "no field" in out, out
    assert "TypeError" not in out


def test_a_value_typo_in_a_list_is_an_error_not_dropped(pytester, run):
    pytester.makepyfile('''
import pytest
@pytest.mark.symbp(activation=["sigmoid", "sigmiod"])
def test_typo(symbp_spec):
    pass
''')
    result = run()
    assert result.ret != 0
    out = result.stdout.str() + result.stderr.str()
    assert "test_typo" in out and "'sigmiod'" in out and "no valid spec" in out, out


def test_a_combination_that_is_invalid_is_skipped_but_every_value_is_used(pytester, run):
    # softmax cross-entropy needs the identity (softmax) output: the pair is invalid, each value is not
    pytester.makepyfile('''
import pytest
@pytest.mark.symbp(activation=["sigmoid", "tanh"], cost=["half_sse", "cross_entropy"])
def test_ok(symbp_spec):
    pass
''')
    result = run("-q")
    assert result.ret == 0, result.stdout.str()


def test_a_marker_with_fields_on_a_test_without_symbp_spec_warns(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile('''
import pytest
@pytest.mark.symbp(activation="tanh")
def test_lonely():
    pass
''')
    result = pytester.runpytest("-p", "symbp.pytest_plugin", "-p", "no:cacheprovider",
                                "-W", "ignore::pytest.PytestAssertRewriteWarning")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*test_lonely*symbp_spec*does not use*"])


def test_ini_options_and_the_report_header(pytester, run):
    pytester.makeini('''
[pytest]
symbp_backend = sympy
symbp_archs = 2,1:3 4,3
''')
    pytester.makepyfile(PASSING)
    result = run("-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["symbp *, backend sympy, architectures 2,1:3 4,3", "*2x1:m3-identity*PASSED*"])
    assert run("-v", "--symbp-backend", "symengine").stdout.fnmatch_lines(["symbp *, backend symengine*"]) is None
    pytester.makeini('''
[pytest]
symbp_backend = maxima
''')
    bad = run()
    assert bad.ret != 0
    bad.stderr.fnmatch_lines(["*symbp_backend*'maxima'*"])


def test_the_header_without_options(pytester, run):
    pytester.makepyfile("def test_x():\n    pass\n")
    result = run()
    from symbp.version import __version__
    result.stdout.fnmatch_lines([f"symbp {__version__}, backend symengine"])
