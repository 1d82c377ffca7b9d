"""The compile cache: a ruleset's fused function kept on disk, like Python's __pycache__,
so a later ``load`` of the same file decides without validating or compiling it again.

Validating a ruleset with pydantic and compiling its sections takes a few hundred
milliseconds, most of it importing pydantic and building its models. What deciding a
client needs is far smaller: the fused function (:mod:`bigclient.fused`), the converters
of its fields, and the context reader. A snapshot holds exactly that:

- the generated source and its compiled code (``marshal``, so the Python version is
  part of the key);
- the function's constants, pickled, with each converter, known function and the
  ruleset itself written as a name (``persistent_id``) and made again on revival;
- the plain facts of each field (type, bounds, values, pattern, default).

The key is a SHA-256 of the file's text and name, Python's version, and the size and time
of every module of bigclient (so an edited bigclient never uses an
old snapshot). A snapshot that is missing, unreadable, from another key or of another
format is ignored: the ruleset is then compiled as usual. Anything beyond deciding
(explanations, pay, diff…) compiles the ruleset in full on first use.

Where: ``$BIGCLIENT_CACHE_DIR``, else ``$XDG_CACHE_HOME/bigclient``, else
``~/.cache/bigclient``; ``BIGCLIENT_CACHE=off`` turns it off. It keeps the :data:`KEEP`
most recently written snapshots. The directory is made
private to its user (0700): a snapshot is code, like a .pyc.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import io
import marshal
import os
import pickle
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bigclient.decision import made_by_fused
from bigclient.fused.runtime import BUILTINS, Fused, Slow
from bigclient.language.convert import MISSING, RecordReader, collect_dotted, converter
from bigclient.language.expr import FUNCTIONS
from bigclient.route import routes_by_line

FORMAT = 1
_FUNCTIONS: dict[str, Any] = {
    "bisect_right": bisect.bisect_right, "collect": collect_dotted, "NEW": made_by_fused,
    "Decimal": Decimal, "Slow": Slow, "MISSING": MISSING, "routes_by_line": routes_by_line,
    **{f"f_{name}": func for name, (func, _help) in FUNCTIONS.items()},
}
"""Objects a fused function may hold that are written by name, not pickled."""


@dataclass(frozen=True)
class FieldFacts:
    """What converting a field needs of its declaration (it satisfies ``Field``)."""

    type: str
    default: Any
    values: tuple[str, ...] | None
    pattern: str | None
    min: Decimal | None
    max: Decimal | None


def directory() -> Path | None:
    if os.environ.get("BIGCLIENT_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    where = os.environ.get("BIGCLIENT_CACHE_DIR")
    if where:
        return Path(where)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "bigclient"


_fingerprint: str | None = None


def fingerprint() -> str:
    """Python's version, and the size and time of each of bigclient's modules (its
    version is in one of them)."""
    global _fingerprint
    if _fingerprint is None:
        root = Path(__file__).resolve().parent.parent
        h = hashlib.sha256(f"{FORMAT}|{sys.version}".encode())
        for folder, dirs, files in sorted(os.walk(root)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    st = os.stat(os.path.join(folder, name))
                    h.update(f"{folder}/{name}|{st.st_size}|{st.st_mtime_ns}".encode())
        _fingerprint = h.hexdigest()
    return _fingerprint


def key(text: str, file: str) -> str:
    return hashlib.sha256(f"{fingerprint()}\0{file}\0{text}".encode()).hexdigest()


# -- writing ------------------------------------------------------------------------------
def save(rs: Any, text: str, file: str) -> None:
    """Keep ``rs``'s fused function for the next load of the same text; best effort (a
    cache that cannot be written is no error: the next load compiles as this one did)."""
    where = directory()
    fused = rs._fused
    if where is None or fused is None:
        return
    with contextlib.suppress(Exception):  # a full disk, a read-only home, an odd constant
        data = _snapshot(rs, fused)
        import tempfile  # only to write: a revival never needs it
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".snapshot-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, where / f"{key(text, file)}.fused")
        _prune(where)


KEEP = 256
"""Snapshots kept: each save beyond this removes the least recently written (an edited
ruleset leaves its old snapshots behind; 256 of ~40 KB is about 10 MB)."""


def _prune(where: Path) -> None:
    found = sorted(where.glob("*.fused"), key=lambda p: p.stat().st_mtime_ns)
    for old in found[:max(0, len(found) - KEEP)]:
        old.unlink(missing_ok=True)


def _snapshot(rs: Any, fused: Fused) -> bytes:
    names = fused.decide.__globals__
    known: dict[int, tuple[str, ...]] = {id(v): ("fn", k) for k, v in _FUNCTIONS.items()}
    known[id(rs)] = ("plan",)
    for part, reader in (("inputs", rs._inputs), ("context", rs._context)):
        for name, _spec, conv, _default, _dotted in reader.plan:
            known[id(conv)] = ("conv", part, name)
    for value in names.values():
        if getattr(value, "__self__", None) is rs:  # the reference path, bound to rs
            known[id(value)] = ("slow",)

    class Writer(pickle.Pickler):
        def persistent_id(self, obj: Any) -> Any:
            return known.get(id(obj))

    out = io.BytesIO()
    constants = {k: v for k, v in names.items() if k not in ("__builtins__", "decide")}
    Writer(out, protocol=5).dump(constants)
    code = compile(fused.source, f"<fused {rs.id}>", "exec")
    return pickle.dumps({
        "format": FORMAT, "id": rs.id, "version": rs.version, "lines": rs.lines,
        "fields": {part: [(name, _facts(spec)) for name, spec, *_ in reader.plan]
                   for part, reader in (("inputs", rs._inputs), ("context", rs._context))},
        "identity": rs._inputs.identity, "source": fused.source, "code": marshal.dumps(code),
        "constants": out.getvalue(), "layout": fused.layout(),
    }, protocol=5)


def _facts(spec: Any) -> FieldFacts:
    return FieldFacts(spec.type, spec.default, tuple(spec.values) if spec.values else None,
                      spec.pattern, spec.min, spec.max)


# -- reviving -----------------------------------------------------------------------------
def revive(rs: Any, text: str, file: str) -> bool:
    """Fill the bare ruleset ``rs`` from the snapshot of ``text``; False if there is none
    to use (then compile it as usual)."""
    where = directory()
    if where is None:
        return False
    try:
        data = pickle.loads((where / f"{key(text, file)}.fused").read_bytes())
        if data.get("format") != FORMAT:
            return False
        _fill(rs, data)
    except Exception:  # missing, truncated, from an older format: compile instead
        return False
    return True


def _fill(rs: Any, data: dict[str, Any]) -> None:
    lines: tuple[str, ...] = data["lines"]
    fields = {part: dict(items) for part, items in data["fields"].items()}
    context = RecordReader(fields["context"], lines, prefix="context.")
    made: dict[tuple[str, str], Any] = {}

    def conv(part: str, name: str) -> Any:
        if (part, name) not in made:
            made[part, name] = converter(fields[part][name], lines)
        return made[part, name]

    def persistent_load(pid: Any) -> Any:
        kind = pid[0]
        if kind == "fn":
            return _FUNCTIONS[pid[1]]
        if kind == "conv":
            return conv(pid[1], pid[2])
        if kind == "plan":
            return rs
        if kind == "slow":
            return rs._reference
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")

    reader = pickle.Unpickler(io.BytesIO(data["constants"]))
    reader.persistent_load = persistent_load  # type: ignore[method-assign]
    names: dict[str, Any] = reader.load()
    names["__builtins__"] = BUILTINS
    exec(marshal.loads(data["code"]), names)
    rs.id, rs.version, rs.lines = data["id"], data["version"], lines
    rs._context = context
    rs._no_clients = False
    rs._fused = Fused(names["decide"], data["source"], *data["layout"])
    rs._fast = rs._fused.decide
