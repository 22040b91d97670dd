"""The benchmark's datasets, each one N-Quads file that every server loads.

- ``cec``: the published graph as ``cec-kg build`` assembles it (vocabulary, sources, provenance,
  entailments; a few thousand quads).
- ``cec+synthetic``: the same plus ``bench/synthetic.py``'s deterministic CEC-shaped fixtures
  (``--scale``), so joins, sorts and aggregations have real work to do.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import synthetic
from .peers import VENV_BIN

NAMES = ("cec", "cec+synthetic")


@dataclass
class Dataset:
    name: str
    path: Path
    quads: int


def cec_nquads() -> Path:
    """The CEC graph's N-Quads file, built (or found in the build cache) by ``cec-kg build``."""
    proc = subprocess.run([str(VENV_BIN / "cec-kg"), "build"], capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not Path(lines[-1]).is_file():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"`cec-kg build` failed ({proc.returncode}): {tail}")
    return Path(lines[-1])


def _count(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip() and not line.startswith(b"#"))


def prepare(names: list[str], work_dir: Path, scale: float) -> list[Dataset]:
    work_dir.mkdir(parents=True, exist_ok=True)
    cec = cec_nquads()
    out: list[Dataset] = []
    for name in names:
        if name == "cec":
            out.append(Dataset(name, cec, _count(cec)))
        elif name == "cec+synthetic":
            syn = work_dir / f"synthetic-{scale:g}.nq"
            synthetic.generate(syn, scale)
            merged = work_dir / f"cec+synthetic-{scale:g}.nq"
            merged.write_bytes(cec.read_bytes().rstrip(b"\n") + b"\n" + syn.read_bytes())
            out.append(Dataset(name, merged, _count(merged)))
        else:
            raise ValueError(f"unknown dataset {name!r}: choose from {', '.join(NAMES)}")
    return out
