"""The on-disk cache of verdicts: a second run on an unchanged derivation file reuses the verdicts of the first.

An entry is one JSON file per (derivation file, options that affect verdicts, symbp version and source): its
key hashes the file's bytes, its path, the options (sweep, backend, budget, numeric-only, points, seed), symbp's
version and the bytes of every file of the ``symbp`` package (a developer's edit invalidates every entry).  The
entry lists the other files the derivation imported of its own (not the standard library, not installed
packages, not symbp) with their hashes; a change to any of them makes it a miss.  Each entry carries a SHA-256
checksum of its content: an entry that does not parse, does not match its checksum or key, or does not have the
form of a verdict is deleted and the claims are judged again.  Nothing is unpickled; nothing in an entry runs.

Only verdicts that do not depend on the machine are stored: never ``error`` (a crash, an import that failed) nor
``undecided`` (a time limit), and only verdicts whose every rendering survives the JSON round trip.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import site
import sys
import sysconfig
import tempfile
from pathlib import Path

from ..report.results import DerivationResult, EquationResult, Report
from ..version import __version__

__all__ = ["cache_dir", "VerdictCache", "own_sources", "source_digest", "VERDICT_OPTIONS", "FORMAT"]

#: The options of a run that change verdicts (and so are part of an entry's key).
VERDICT_OPTIONS = ("sweep", "backend", "budget", "numeric_only", "points", "seed")
#: The version of the entry format.
FORMAT = 1
_STORED = [f.name for f in dataclasses.fields(EquationResult) if f.name != "seconds"]


def cache_dir() -> Path:
    """Where entries live: ``$SYMBP_CACHE_DIR``, else ``$XDG_CACHE_HOME/symbp``, else ``~/.cache/symbp``.

    >>> os.environ.get("SYMBP_CACHE_DIR") is None or str(cache_dir()) == os.environ["SYMBP_CACHE_DIR"]
    True
    """
    if os.environ.get("SYMBP_CACHE_DIR"):
        return Path(os.environ["SYMBP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "symbp"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha(path) -> str | None:
    try:
        with open(path, "rb") as fh:
            return _sha(fh.read())
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def source_digest() -> str:
    """A hash of every file of the ``symbp`` package (its code, grammars and data), with its version.

    >>> len(source_digest())
    64
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(__version__.encode())
    for f in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(f.relative_to(root)).encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    return h.hexdigest()


def _library_dirs() -> list:
    """Folders whose modules are not a derivation's own: the standard library, installed packages, symbp."""
    dirs = {str(Path(__file__).resolve().parents[1]), sys.prefix, sys.base_prefix, sys.exec_prefix}
    dirs |= {v for k, v in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib", "purelib", "platlib")}
    try:
        dirs |= set(site.getsitepackages()) | {site.getusersitepackages()}
    except AttributeError:   # a virtualenv's old site module
        pass
    return [os.path.realpath(d) + os.sep for d in dirs if d]


def own_sources(file) -> list:
    """``[[path, sha256], ...]`` for ``file`` and every module loaded in this process that is nobody's library.

    Called in the checking child right after it imported the derivation: a helper module the derivation
    imports is in ``sys.modules`` then (a superset is harmless: it only makes more edits count).

    >>> own_sources(__file__)[0][0] == os.path.realpath(__file__)
    True
    """
    libs = _library_dirs()
    seen = {os.path.realpath(file)}
    out = [[os.path.realpath(file), _file_sha(file)]]
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            continue
        real = os.path.realpath(path)
        if real in seen or any(real.startswith(d) for d in libs) or not os.path.isfile(real):
            continue
        seen.add(real)
        out.append([real, _file_sha(real)])
    return out


def _to_json(eq: EquationResult) -> dict:
    return {name: getattr(eq, name) for name in _STORED}


def _from_json(d) -> EquationResult:
    if not isinstance(d, dict) or sorted(d) != sorted(_STORED):
        raise ValueError("not a verdict")
    eq = EquationResult(**d)
    for name in ("label", "kind", "reading", "latex", "status", "method", "expected", "message", "note", "notation"):
        if not isinstance(getattr(eq, name), str):
            raise ValueError(f"{name} is not text")
    if not isinstance(eq.architectures, list) or not isinstance(eq.notes, list):
        raise ValueError("not a verdict")
    return eq


def _renderings(eq: EquationResult) -> tuple:
    report = Report([DerivationResult("d", "d", "d", "d", equations=[eq])])
    return tuple(report.render(fmt) for fmt in ("json", "table", "markdown", "latex"))


def _storable(eq: EquationResult):
    """The JSON form of ``eq`` when it may be stored: machine-independent, and every rendering survives JSON."""
    if eq.status in ("error", "undecided"):
        return None
    try:
        data = json.loads(json.dumps(_to_json(eq), ensure_ascii=False, allow_nan=False))
        if _renderings(_from_json(data)) != _renderings(eq):
            return None
    except (TypeError, ValueError):
        return None
    return data


def _canonical(payload) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, allow_nan=False).encode()


class VerdictCache:
    """Entries under ``directory`` (default :func:`cache_dir`); a file target's verdicts looked up and stored.

    >>> import tempfile
    >>> VerdictCache(tempfile.mkdtemp()).lookup("no/such/file.py", {}) is None
    True
    >>> VerdictCache(tempfile.mkdtemp()).lookup(__file__.replace(".pyc", ".py"), {})["verdicts"]
    {}
    """

    def __init__(self, directory=None):
        self.directory = Path(directory) if directory is not None else cache_dir()

    @staticmethod
    def cacheable(target) -> bool:
        """Whether ``target`` is a derivation file (the only kind of target with a source to key on)."""
        return isinstance(target, (str, Path)) and str(target).endswith((".py", ".toml")) and os.path.isfile(target)

    def key(self, target, opts):
        """``(key, file sha256)`` of an entry: the file's path and bytes, the verdict options, symbp's version and
        source; None for a file that cannot be read."""
        sha = _file_sha(target)
        if sha is None:
            return None
        options = {name: repr(opts.get(name)) for name in VERDICT_OPTIONS}
        return _sha(_canonical({"format": FORMAT, "symbp": source_digest(), "path": str(target), "file": sha,
                                "options": options})), sha

    def _path(self, target, opts, key) -> Path:
        """One folder per file and options (older entries of the same file are removed when a new one is stored)."""
        slot = _sha(_canonical({"path": os.path.realpath(target),
                                "options": {name: repr(opts.get(name)) for name in VERDICT_OPTIONS}}))
        return self.directory / f"v{FORMAT}" / slot[:32] / f"{key}.json"

    def lookup(self, target, opts):
        """``{"header": [...], "verdicts": {index: EquationResult}, "deps": [...], "key": ...}``; no verdicts on a miss.

        An entry that is corrupted, tampered with or stale is deleted.  None for a target that is not a file.
        """
        if not self.cacheable(target):
            return None
        keyed = self.key(target, opts)
        if keyed is None:
            return None
        key = keyed[0]
        miss = {"header": None, "verdicts": {}, "deps": None, "key": keyed}
        path = self._path(target, opts, key)
        if not path.is_file():
            return miss
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            payload = entry["payload"]
            if entry["checksum"] != _sha(_canonical(payload)) or payload["key"] != key:
                raise ValueError("checksum")
            name, title, source, file, labels = payload["header"]
            if not all(isinstance(x, str) for x in (name, title, source, file)) or \
                    not all(isinstance(x, str) for x in labels):
                raise ValueError("header")
            deps = payload["deps"]
            if any(_file_sha(p) != sha for p, sha in deps):   # a file it imported has changed: a miss
                return miss
            verdicts = {}
            for i, d in payload["verdicts"].items():
                if not 0 <= int(i) < len(labels):
                    raise ValueError("index")
                verdicts[int(i)] = _from_json(d)
        except Exception:   # corrupted, truncated or tampered with: never trusted
            self._discard(path)
            return miss
        return {"header": [name, title, source, file, list(labels)], "verdicts": verdicts, "deps": deps,
                "key": keyed}

    def store(self, target, opts, keyed, result: DerivationResult, verdicts: dict, deps) -> bool:
        """Write the storable ``verdicts`` (index → EquationResult) of ``result`` under ``keyed`` (from
        :meth:`key`, taken before the run); returns whether it wrote.

        Nothing is written when the file the checking child read is not the one the key was taken of (an edit
        during the run).
        """
        if keyed is None or result is None or result.error or not deps or \
                deps[0] != [os.path.realpath(target), keyed[1]]:
            return False
        key = keyed[0]
        stored = {str(i): d for i, eq in sorted(verdicts.items()) if (d := _storable(eq)) is not None}
        if not stored:
            return False
        payload = {"key": key, "header": [result.name, result.title, result.source, result.file,
                                          list(result.labels)],
                   "deps": [list(d) for d in deps], "verdicts": stored}
        data = {"checksum": _sha(_canonical(payload)), "payload": payload}
        path, tmp = self._path(target, opts, key), None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, allow_nan=False)
            os.replace(tmp, path)
            for old in path.parent.glob("*.json"):   # the entries of earlier versions of the file
                if old != path:
                    self._discard(old)
        except (OSError, TypeError, ValueError):   # an unwritable cache dir only costs the next run its time
            if tmp is not None:
                self._discard(Path(tmp))
            return False
        return True

    @staticmethod
    def _discard(path):
        try:
            path.unlink()
        except OSError:
            pass
