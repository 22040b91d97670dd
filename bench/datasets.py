"""The benchmark's datasets, each one RDF file that every server loads.

- ``cec``: the published graph as ``cec-kg build`` assembles it (vocabulary, sources, provenance,
  entailments; a few thousand quads in named graphs).
- ``prtr-100k``, ``prtr-1m``, ``prtr-5m`` (or ``prtr-<n>``): ``bench/prtr.py``'s synthetic PRTR-shaped
  data (N-Triples) at that many triples; 35,000 facilities, the CEC's own PRTR, would be ~3M.
- ``cec+synthetic``: the CEC graph plus ``bench/synthetic.py``'s CEC-shaped fixtures (``--scale``).

Synthetic files are generated once per size under the work directory and reused (deterministic).
``reference_store`` loads a dataset for the answer check: in process, its default graph the RDF merge
of all its graphs (SPARQL 1.1 §13.1), as the CEC service serves it.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import prtr, synthetic
from .peers import VENV_BIN

NAMES = ("cec", "prtr-100k", "prtr-1m", "prtr-5m", "cec+synthetic")


@dataclass
class Dataset:
    name: str
    path: Path
    triples: int
    synthetic: bool = False


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
    out: list[Dataset] = []
    for name in names:
        if name == "cec":
            cec = cec_nquads()
            out.append(Dataset(name, cec, _count(cec)))
        elif name.startswith("prtr-"):
            triples = prtr.size_of(name[len("prtr-"):])
            path = work_dir / f"prtr-{triples}.nt"
            if not path.exists():
                print(f"   generating {path.name} (synthetic PRTR-shaped data, {triples:,} triples)", flush=True)
                prtr.generate(path, triples)
            out.append(Dataset(name, path, _count(path), synthetic=True))
        elif name == "cec+synthetic":
            cec = cec_nquads()
            syn = work_dir / f"synthetic-{scale:g}.nq"
            synthetic.generate(syn, scale)
            merged = work_dir / f"cec+synthetic-{scale:g}.nq"
            merged.write_bytes(cec.read_bytes().rstrip(b"\n") + b"\n" + syn.read_bytes())
            out.append(Dataset(name, merged, _count(merged), synthetic=True))
        else:
            raise ValueError(f"unknown dataset {name!r}: choose from {', '.join(NAMES)} (or prtr-<triples>)")
    return out


def reference_store(path: Path) -> ox.Store:
    """The dataset in memory, its default graph the merge of every graph (a set of triples)."""
    store = ox.Store()
    fmt = ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    store.bulk_load(path=str(path), format=fmt)
    for graph in list(store.named_graphs()):
        store.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                      for q in store.quads_for_pattern(None, None, None, graph)])
    return store
