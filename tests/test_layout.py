"""The package layout holds: each part imports only the parts below it, no private reach-ins, no circle.

The rules are read from every module's imports (ast), at any depth (a function-level import counts as
much as a top-level one), so that an arrow up cannot hide inside a function.  README.md ("How symbp is
built") states them in prose.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "symbp"

#: part -> the parts it may import ("version" and "moved" are leaves anyone may import)
MAY_IMPORT = {
    "model": set(),
    "oracle": {"model"},
    "claims": {"model"},
    "formula": {"model", "claims"},
    "judge": {"model", "oracle", "claims"},
    "report": set(),
    "train": {"model", "oracle", "claims", "judge"},
    "run": {"model", "oracle", "claims", "formula", "judge", "report", "derivations"},   # the bundled ones, as data
    "cli": {"model", "oracle", "claims", "formula", "judge", "report", "run", "train", "code_bugs", "testing"},
    "strategies": {"model"},
    "testing": {"model", "oracle", "judge", "testing_diagnosis"},
    "testing_diagnosis": {"model"},
    "code_bugs": {"model"},
    "pytest_plugin": {"model", "testing"},
    "__main__": {"cli"},
    "moved": set(),
    "version": set(),
}
LEAVES = {"version"}
#: modules narrower than their part
NARROWER = {
    "train.trainer": {"model"},     # the trainer never uses the oracle
    "train.datasets": set(),
}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path):
    """(imported module under symbp, names, line) for every import of a symbp module in ``path``."""
    here = module_name(path)
    package = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1] if node.level > 1 else package
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and (node.module == "symbp" or node.module.startswith("symbp.")):
                target = node.module[len("symbp."):] if node.module != "symbp" else ""
            else:
                continue
            names = [a.name for a in node.names]
            if not node.module or target == "" or (node.level and not node.module):
                # ``from . import x`` / ``from symbp import x``: x may be a module
                for n in names:
                    yield (f"{target}.{n}".strip("."), [], node.lineno)
            else:
                yield target, names, node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("symbp."):
                    yield a.name[len("symbp."):], [], node.lineno


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def part_of(module: str) -> str:
    return module.split(".")[0] if module else ""


def _existing(module: str) -> str:
    """``module`` itself when it is a module or package of symbp, else its parent (``x.name`` is a name)."""
    parts = module.split(".")
    while parts:
        p = PACKAGE.joinpath(*parts)
        if p.with_suffix(".py").exists() or (p / "__init__.py").exists():
            return ".".join(parts)
        parts = parts[:-1]
    return ""


def test_every_module_is_in_a_part_with_rules():
    for path in MODULES:
        part = part_of(module_name(path))
        assert part in MAY_IMPORT or part == "", f"{path}: {part!r} has no import rules in this test"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p) or "symbp")
def test_imports_follow_the_layout(path):
    here = module_name(path)
    part = part_of(here)
    if here == "":
        return   # symbp/__init__.py: the public surface, loads everything on demand
    allowed = NARROWER.get(here, MAY_IMPORT[part]) | {part} | LEAVES
    wrong = []
    for target, names, line in imports_of(path):
        target = _existing(target) or target
        if part_of(target) not in allowed:
            wrong.append(f"line {line}: {here} imports symbp.{target} ({part} may import "
                         f"{', '.join(sorted(allowed - {part} - LEAVES)) or 'nothing else'})")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p) or "symbp")
def test_no_module_imports_a_private_name_of_another(path):
    wrong = [f"line {line}: {name} from symbp.{target}" for target, names, line in imports_of(path)
             for name in names if name.startswith("_") and name != "__version__"]
    assert not wrong, "\n".join(wrong)


def test_no_import_circle():
    graph = {module_name(p): {_existing(t) for t, _, _ in imports_of(p)} - {module_name(p)} for p in MODULES}
    graph = {m: {t for t in ts if t in graph} for m, ts in graph.items()}
    # a package's __init__ imported implicitly by its modules does not count as an arrow back
    state, stack, found = {}, [], []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == "open":
                found.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not found, "import circles:\n" + "\n".join(found)


def test_verify_calls_diagnose_and_never_the_other_way_round():
    def targets(name):
        return {_existing(t) for t, _, _ in imports_of(PACKAGE / "judge" / f"{name}.py")}
    assert "judge.diagnose" in targets("verify")
    assert "judge.verify" not in targets("diagnose")


def test_the_checker_catches_an_arrow_up(tmp_path):
    """The rule test itself can fail: a judge module importing the report is caught."""
    fake = PACKAGE / "judge" / "_layout_probe.py"
    fake.write_text("def f():\n    from ..report.results import Report\n    from .verify import _judge\n")
    try:
        with pytest.raises(AssertionError, match="imports symbp.report.results"):
            test_imports_follow_the_layout(fake)
        with pytest.raises(AssertionError, match="_judge from symbp.judge.verify"):
            test_no_module_imports_a_private_name_of_another(fake)
    finally:
        fake.unlink()


def test_derivations_and_examples_import_only_from_symbp():
    root = PACKAGE.parent
    wrong = []
    for path in sorted(list((root / "derivations").glob("*.py")) + list((root / "examples").glob("*.py"))):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("symbp."):
                wrong.append(f"{path.name}:{node.lineno}: from {node.module}")
    assert not wrong, "\n".join(wrong)


def test_old_import_paths_still_work_with_a_warning():
    import importlib
    import sys
    for old, new, name in [("symbp.notation", "symbp.claims.tensor", "Tensor"),
                           ("symbp.verify", "symbp.judge.evaluate", "instantiate"),
                           ("symbp.runner", "symbp.run.load", "load_derivation")]:
        sys.modules.pop(old, None)
        with pytest.warns(DeprecationWarning, match=old.replace(".", r"\.") + " moved"):
            module = importlib.import_module(old)
        assert getattr(module, name) is getattr(importlib.import_module(new), name)
    from symbp.claims import derivation
    import symbp
    assert symbp.Derivation is derivation.Derivation


def test_importing_symbp_and_its_plugin_loads_no_cas():
    import subprocess
    import sys
    code = ("import sys, symbp, symbp.pytest_plugin; "
            "print(sorted(m for m in ('sympy', 'symengine', 'numpy', 'lark') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
