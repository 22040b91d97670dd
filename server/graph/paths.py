"""Where the graph's files come from: a checkout, or the installed package. Decided here only.

- **A checkout** (this package in ``server/`` beside ``pyproject.toml``, ``ontology/``, ``data/``,
  ``shapes/`` and ``queries/``): the repository's own files, so an edit shows at the next start.
- **An installed package** (a wheel or sdist): the copies shipped inside it as package data, under
  ``cec_kg/bundled/``, found with ``importlib.resources``.
- ``CEC_KG_ROOT`` names another tree laid out like a checkout (e.g. a copy with edited shapes).

What the service writes (the assembled N-Quads, validation markers, dumps) goes to ``build/`` in a
checkout and to the user's cache directory otherwise (``$XDG_CACHE_HOME/cec-kg``, ``~/.cache/cec-kg``;
site-packages may be read-only); ``CEC_KG_BUILD`` overrides both. ``../shared`` (the source documents
and W3C suites) exists beside a checkout in CI only; ``CEC_KG_SHARED`` points elsewhere.
"""
from __future__ import annotations

import os
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent        # server/ in a checkout, cec_kg/ when installed
_CHECKOUT = _PACKAGE_DIR.parent
_keep_open = ExitStack()     # holds an extracted copy open for the process if the package is zipped


def _is_checkout(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "ontology" / "cec.ttl").is_file()


def _bundled() -> Path:
    """The package data directory of an installed copy, as a real directory."""
    tree = resources.files("cec_kg").joinpath("bundled")
    if isinstance(tree, Path):
        return tree
    return _keep_open.enter_context(resources.as_file(tree))    # e.g. a zipapp: extract once


def _locate() -> tuple[Path, str]:
    if os.environ.get("CEC_KG_ROOT"):
        return Path(os.environ["CEC_KG_ROOT"]), "CEC_KG_ROOT"
    if _is_checkout(_CHECKOUT):
        return _CHECKOUT, "checkout"
    return _bundled(), "installed package"


def _build_dir() -> Path:
    if os.environ.get("CEC_KG_BUILD"):
        return Path(os.environ["CEC_KG_BUILD"])
    if SOURCE != "installed package":
        return ROOT / "build"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "cec-kg"


ROOT, SOURCE = _locate()
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "cec.ttl"
RELEASES_DIR = ONTOLOGY_DIR / "releases"
DATA_DIR = ROOT / "data"
DATA_LICENSE_FILE = DATA_DIR / "LICENSE"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
SERVER_QUERIES_DIR = QUERIES_DIR / "server"
BUILD_DIR = _build_dir()
SHARED_DIR = Path(os.environ.get("CEC_KG_SHARED", _CHECKOUT.parent / "shared"))


def server_query(name: str) -> str:
    """The text of one of the server's own queries, ``queries/server/{name}.rq``."""
    return (SERVER_QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file of this process renamed into place: a reader
    (another serving process, a later start) sees the whole file or none, however many write at once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
