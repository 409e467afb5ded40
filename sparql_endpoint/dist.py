"""Load a published ``dist/`` folder: check ``build.json``, then open the store.

``app.extensions["backend"]`` gets the store, ``app.extensions["build"]`` the
parsed ``build.json`` plus ``"dist"`` (the folder) and ``"loaded_triples"``.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from sparql_endpoint.store import OxigraphBackend

REQUIRED = {"build_id": str, "base": str, "created": str, "triples": int, "load": list}


class DistError(ValueError):
    """A ``dist/`` folder that cannot be served; the message says which file and what is wrong."""


def read_build(dist: Path) -> dict:
    """Read and check ``dist/build.json``; raise DistError naming the path and the problem."""
    dist = Path(dist)
    if not dist.is_dir():
        raise DistError(f"{dist}: no such folder; build the graph first (achat-graph build "
                        f"--out {dist}), or pass --dist")
    path = dist / "build.json"
    if not path.is_file():
        raise DistError(f"{path}: missing; {dist} is not a published build")
    try:
        build = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DistError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(build, dict):
        raise DistError(f"{path}: expected a JSON object, found {type(build).__name__}")
    for key, kind in REQUIRED.items():
        if key not in build:
            raise DistError(f"{path}: field {key!r} is missing")
        if not isinstance(build[key], kind) or isinstance(build[key], bool):
            raise DistError(f"{path}: field {key!r} should be {kind.__name__}, "
                            f"found {build[key]!r}")
    for name in build["load"]:
        if not isinstance(name, str) or "/" in name or name.startswith("."):
            raise DistError(f"{path}: field 'load' should list file names in {dist}, "
                            f"found {name!r}")
        if not (dist / name).is_file():
            raise DistError(f"{path}: field 'load' names {name!r}, but {dist / name} is missing")
    if not build["load"]:
        raise DistError(f"{path}: field 'load' is empty; nothing to serve")
    return build


def open_backend(dist: Path, build: dict, store: str | Path = "memory") -> OxigraphBackend:
    """Load the build's dumps into memory, or open an on-disk store read-only; check the count."""
    dist = Path(dist)
    if str(store) == "memory":
        try:
            backend = OxigraphBackend.in_memory(dist / name for name in build["load"])
        except (SyntaxError, ValueError, OSError) as error:
            raise DistError(f"{dist}: a dump listed in build.json cannot be loaded: {error}") \
                from None
    else:
        folder = Path(store)
        if not folder.is_dir():
            raise DistError(f"{folder}: no such store folder (written by achat-graph build "
                            "--store)")
        try:
            backend = OxigraphBackend.read_only(folder)
        except OSError as error:
            raise DistError(f"{folder}: cannot open the store read-only: {error}") from None
    count = backend.triple_count()
    if count != build["triples"]:
        raise DistError(f"{dist / 'build.json'}: says {build['triples']} triples, but the store "
                        f"holds {count}; rebuild the graph")
    return backend


def init_app(app: Flask) -> None:
    """Attach the backend and the build record; a ready BACKEND in the config skips loading."""
    backend = app.config.get("BACKEND")
    if backend is not None:
        build = dict(app.config.get("BUILD") or {})
        build.setdefault("build_id", "test")
        build.setdefault("loaded_triples", backend.triple_count())
    else:
        dist = Path(app.config["DIST"])
        build = read_build(dist)
        backend = open_backend(dist, build, app.config["STORE"])
        build["dist"] = dist
        build["loaded_triples"] = build["triples"]
    app.extensions["backend"] = backend
    app.extensions["build"] = build
