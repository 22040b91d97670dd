"""Every sentence of the seed is in the graph: tests/seed_coverage.toml lists each sentence, table row
and infobox line of ../shared/seed with an ASK query that must hold in the served dataset and in the
seed's own named graph (so the seed is the source that states it).

Checks: (1) each excerpt occurs verbatim in the seed; (2) every sentence / row / line of the seed is
covered by excerpts (or listed as deliberately not encoded, with a reason); (3) each ASK is true on
the served dataset (union of graphs) and on the seed graph alone.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from cec_kg.graph.namespaces import ID, PREFIXES, SEED_GRAPH
from conftest import require_shared

COVERAGE_FILE = Path(__file__).with_name("seed_coverage.toml")
SEED = ("seed", "000_a79237b49b1b0195.txt")
COVERAGE = tomllib.loads(COVERAGE_FILE.read_text(encoding="utf-8"))
FACTS = COVERAGE["fact"]
NOT_ENCODED = COVERAGE["not_encoded"]
QUERY_PROLOGUE = f"BASE <{ID}>\n" + "".join(
    f"PREFIX {p}: <{ns}>\n" for p, ns in {**PREFIXES, "freq": "http://purl.org/cld/freq/"}.items()
)


def seed_text() -> str:
    return require_shared(*SEED).read_text(encoding="utf-8")


def seed_units(text: str) -> list[str]:
    """The seed as units to cover: infobox lines, headings, table rows and list items as whole lines;
    prose lines split into sentences (at ". ", "? ", "! " before a capital or a quote)."""
    units = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(("=", "|", "- ")) or not re.search(r"[.!?]$", line):
            units.append(line)
        else:
            units += re.split(r'(?<=[.!?])\s+(?=[A-Z"])', line)
    return units


def uncovered(unit: str, excerpts: list[str]) -> str:
    """The letters and digits of `unit` that no excerpt occurring in it covers ("" when covered)."""
    covered = [False] * len(unit)
    for excerpt in excerpts:
        for m in re.finditer(re.escape(excerpt), unit):
            covered[m.start():m.end()] = [True] * len(excerpt)
    return "".join(ch if not c and ch.isalnum() else " " for ch, c in zip(unit, covered)).strip()


def test_coverage_file_is_well_formed():
    ids = [f["id"] for f in FACTS]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    for fact in FACTS:
        assert set(fact) == {"id", "text", "ask"}, f"{fact.get('id')}: keys must be id, text, ask"
        assert re.fullmatch(r"[a-z0-9-]+", fact["id"]), f"{fact['id']}: ids are lower-case slugs"
        assert fact["ask"].lstrip().startswith("ASK"), f"{fact['id']}: the query must be an ASK"
    for item in NOT_ENCODED:
        assert item.get("reason", "").strip(), f"not_encoded {item['text']!r} needs a reason"


@pytest.mark.parametrize("entry", FACTS + NOT_ENCODED, ids=[f["id"] for f in FACTS] + [f"not-encoded:{n['text'][:40]}" for n in NOT_ENCODED])
def test_excerpt_is_verbatim_in_seed(entry):
    assert entry["text"] in seed_text(), f"not verbatim in the seed: {entry['text']!r}"


def test_every_seed_sentence_is_covered():
    excerpts = [f["text"] for f in FACTS] + [n["text"] for n in NOT_ENCODED]
    units = seed_units(seed_text())
    assert len(units) > 100, f"the seed split into only {len(units)} units: the splitter is broken"
    missing = {unit: rest for unit in units if (rest := uncovered(unit, excerpts))}
    assert not missing, "seed sentences not covered by tests/seed_coverage.toml:\n" + "\n".join(
        f"  {unit!r}\n    uncovered: {rest!r}" for unit, rest in missing.items())


def test_uncovered_detects_a_gap():
    """The coverage rule itself: a sentence with a word outside every excerpt is not covered."""
    assert uncovered("The CEC is big.", ["The CEC is"]) == "big"
    assert uncovered("The CEC is big.", ["The CEC is", "big"]) == ""


@pytest.fixture(scope="module")
def store():
    from cec_kg.store.loading import open_store

    return open_store({})


@pytest.mark.parametrize("fact", FACTS, ids=[f["id"] for f in FACTS])
def test_fact_holds_in_served_dataset_and_seed_graph(store, fact):
    query = QUERY_PROLOGUE + fact["ask"]
    assert store.query(query), f"{fact['id']}: ASK is false on the served dataset\n{fact['ask']}"
    assert store.query(query, default_graphs=[str(SEED_GRAPH)]), (
        f"{fact['id']}: true on the served dataset but not in the seed's graph <{SEED_GRAPH}>: "
        f"the seed must state it\n{fact['ask']}")


def test_asks_can_fail(store):
    """Guard against vacuous queries: a changed literal of a real fact makes the ASK false."""
    fact = next(f for f in FACTS if f["id"] == "infobox-formation")
    assert store.query(QUERY_PROLOGUE + fact["ask"])
    assert not store.query(QUERY_PROLOGUE + fact["ask"].replace('"1994"', '"1995"'))
