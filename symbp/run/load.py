"""Finding and loading derivations: bundled names, files, folders, modules, TOML."""

from __future__ import annotations

import importlib
import importlib.util
import os
import select
import signal
import stat
import sys
import time
import traceback
from pathlib import Path

from ..claims.derivation import ClaimError, Derivation
from ..claims.notation import NotationError
from ..judge.budget import TIME_LIMIT, TimeLimit, time_limit
from .isolate import enter_child, how_it_ended, in_child, raised

__all__ = ['load_derivation', 'bundled_derivations', 'derivation_files', 'resolve', 'LoadError']


class LoadError(Exception):
    """A derivation file that cannot be loaded; the message is one line naming the file."""


def bundled_derivations() -> Path:
    """The folder of the bundled derivations (installed copy, or the repository's ``derivations/``).

    >>> bundled_derivations().name
    'derivations'
    """
    try:
        import symbp.derivations as pkg
        return Path(pkg.__path__[0])
    except ImportError:
        return Path(__file__).resolve().parents[2] / "derivations"


def derivation_files(paths) -> list:
    """The derivation files named by ``paths`` (folders expand to their ``*.py`` and ``*.toml``, ``_*`` excluded)."""
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(f for f in (*p.glob("*.py"), *p.glob("*.toml")) if not f.name.startswith("_"))
        else:
            out.append(p)
    return out


def resolve(targets) -> list:
    """Derivation files and module names for ``targets``: files, folders, bundled names (``ufldl_backprop``), modules.

    A name that is not a path but is the stem of a bundled derivation means that one; anything else is kept as a
    module name (imported when loaded).

    >>> [Path(p).name for p in resolve(["reynoso_backprop"])]
    ['reynoso_backprop.py']
    >>> resolve(["some.module"])
    ['some.module']
    """
    bundled = {f.stem: f for f in derivation_files([bundled_derivations()])}
    out = []
    for t in targets:
        text = str(t)
        if Path(text).exists():
            out += derivation_files([t])
        elif text in bundled:
            out.append(bundled[text])
        elif text.startswith("symbp.derivations.") and text.rsplit(".", 1)[1] in bundled:
            out.append(bundled[text.rsplit(".", 1)[1]])
        else:
            out.append(text)
    return out


def not_a_regular_file(path) -> str:
    """Why ``path`` cannot be read as a derivation without opening it ("" for a regular file): a FIFO, a device, a folder.

    Checked before any open, so that a FIFO or a device named ``*.py`` never blocks the run.

    >>> not_a_regular_file("/dev/null")
    'a character device, not a regular file'
    >>> not_a_regular_file(__file__)
    ''
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode):
        return ""
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode) else
            "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else
            "a folder" if stat.S_ISDIR(mode) else "not a file")
    return f"{kind}, not a regular file"


def load_derivation(path, limit=TIME_LIMIT) -> Derivation:
    """Import the derivation module at ``path`` (or a dotted module name) and return its Derivation.

    A ``.toml`` file is read by :mod:`symbp.formula.reader`, which runs none of its text as code. Importing
    gets ``limit`` seconds (the run's ``--budget``): a module that sleeps or loops is a LoadError, and so is a
    FIFO or device named ``*.py`` (never opened).

    >>> load_derivation("/dev/null")
    Traceback (most recent call last):
    ...
    symbp.run.load.LoadError: null: a character device, not a regular file
    """
    path = str(path)
    name = Path(path).name
    odd = not_a_regular_file(path) if os.path.exists(path) else ""
    if odd:
        raise LoadError(f"{name}: {odd}")
    if path.endswith(".toml"):
        return _load_toml(path, name)
    try:
        if path.endswith(".py") or os.sep in path or os.path.isfile(path):
            if not os.path.exists(path):
                raise LoadError(f"{path}: no such file")
            if not path.endswith(".py"):
                raise LoadError(f"{name}: not a derivation (a .py module or a .toml file)")
            if not in_child():
                _probe_import(path, name, limit)
            mod_name = "symbp_derivation_" + Path(path).stem
            spec = importlib.util.spec_from_file_location(mod_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            try:
                with time_limit(limit):
                    spec.loader.exec_module(module)
            finally:
                sys.modules.pop(mod_name, None)
        else:
            with time_limit(limit):
                module = importlib.import_module(path)
    except LoadError:
        raise
    except TimeLimit:
        raise LoadError(_too_slow(name, limit)) from None
    except SyntaxError as e:
        raise LoadError(f"{name}:{e.lineno}: syntax error: {e.msg}") from None
    except (ClaimError, NotationError) as e:
        raise LoadError(f"{name}: {e}") from None
    except ImportError as e:
        raise LoadError(f"{name}: cannot import: {e}") from None
    except RecursionError:
        raise LoadError(f"{name}: import recursion (a cyclic import?)") from None
    except BaseException as e:  # the module's own code raised (sys.exit included; Ctrl-C only in a checking child)
        if isinstance(e, KeyboardInterrupt) and not in_child():
            raise
        where = traceback.extract_tb(e.__traceback__)[-1]
        raise LoadError(f"{name}:{where.lineno}: importing raised {raised(e)}") from None
    docs = [v for v in vars(module).values() if isinstance(v, Derivation)]
    if not docs:
        raise LoadError(f"{name}: defines no Derivation (expected `doc = Derivation(...)`)")
    if len(docs) > 1:
        raise LoadError(f"{name}: defines {len(docs)} Derivations; one per file")
    doc = docs[0]
    if not doc.claims:
        raise LoadError(f"{name}: derivation {doc.name!r} has no claims")
    doc.file = str(path)
    return doc


def _too_slow(name, limit) -> str:
    return f"{name}: importing did not finish within {limit:g} s (the time limit, --budget)"


#: Seconds the parent waits past the limit for a probe import before it kills it (a loop in C code, which the
#: probe's own timer cannot stop).
PROBE_GRACE = 2.0


def _probe_import(path, name, limit=TIME_LIMIT):
    """Import ``path`` once in a forked child first, within ``limit`` seconds.

    A module that ends its process (``os._exit``) or does not finish importing in time is a LoadError; so is one
    whose import fails (the probe's message, without importing it a second time).
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:   # the probe: import once, say how it went, and end without running anything else
        os.close(r)
        enter_child()
        code = 0
        try:
            sys.stdout = sys.stderr
            try:
                load_derivation(path, limit)
                os.write(w, b"1")
            except LoadError as e:
                os.write(w, b"E" + str(e).encode("utf-8", "replace"))
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    os.close(w)
    got, deadline, late = b"", time.monotonic() + limit + PROBE_GRACE, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                late = True
                break
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            got += chunk
    finally:
        os.close(r)
        if late:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        status = os.waitpid(pid, 0)[1]
    if late:
        raise LoadError(_too_slow(name, limit))
    if got.startswith(b"E"):
        raise LoadError(got[1:].decode("utf-8", "replace"))
    if not got:
        raise LoadError(f"{name}: importing ended the process ({how_it_ended(status)})")


def _load_toml(path, name) -> Derivation:
    from ..formula.reader import DeclarativeError, load_toml
    if not os.path.exists(path):
        raise LoadError(f"{path}: no such file")
    try:
        doc = load_toml(path)
    except DeclarativeError as e:
        raise LoadError(f"{name}: {e}") from None
    except OSError as e:
        raise LoadError(f"{name}: cannot read: {e.strerror}") from None
    doc.file = path
    return doc
