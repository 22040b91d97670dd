"""Search benchmark: the FTS5 index (``cec_kg.store.search``) over ~1M PRTR-shaped triples.

    .venv/bin/python -m bench.search [--triples 1000000] [--queries 400]

Generates a deterministic PRTR-shaped graph (facilities with names, cities, companies and yearly
releases of substances named in en/es/fr, under ``https://example.org/prtr/``; never the CEC graph),
loads it into pyoxigraph, builds the index as the server does, then times searches of every kind
(exact, prefix, words, fuzzy, accents and case) and prints p50/p95/p99 and the build cost. The
target is p50 under 20 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path


from cec_kg.store.embedded import EmbeddedStore
from cec_kg.store.search import SearchIndex, build

EX = "https://example.org/prtr/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
SYLLABLES = ["ma", "ri", "co", "ta", "lo", "sa", "ne", "vi", "ra", "tu", "mon", "que", "san", "val", "ber", "gua",
             "chi", "hua", "ler", "ton", "ville", "dale", "port", "mé", "xí", "ña", "çon", "ré", "bec"]
KINDS = ["Smelter", "Refinery", "Pulp Mill", "Power Plant", "Cement Works", "Chemical Plant", "Foundry", "Landfill",
         "Mine", "Paper Mill", "Steel Works", "Tannery"]
SUBSTANCES = [("Lead", "Plomo", "Plomb"), ("Mercury", "Mercurio", "Mercure"), ("Cadmium", "Cadmio", "Cadmium"),
              ("Arsenic", "Arsénico", "Arsenic"), ("Benzene", "Benceno", "Benzène"), ("Toluene", "Tolueno", "Toluène"),
              ("Ammonia", "Amoníaco", "Ammoniac"), ("Chromium", "Cromo", "Chrome"), ("Nickel", "Níquel", "Nickel"),
              ("Zinc", "Zinc", "Zinc"), ("Sulphuric acid", "Ácido sulfúrico", "Acide sulfurique"),
              ("Hydrogen sulphide", "Sulfuro de hidrógeno", "Sulfure d'hydrogène")]


def word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(n)).capitalize()


def generate(triples: int, rng: random.Random) -> tuple[bytes, list[str]]:
    """N-Triples of about ``triples`` triples, and the facility names (to search for)."""
    out: list[str] = []
    names: list[str] = []
    cities = [word(rng, 3) for _ in range(1500)]
    companies = [f"{word(rng, 2)} {rng.choice(['Inc.', 'S.A. de C.V.', 'Ltée', 'Corp.', 'Ltd.'])}" for _ in range(6000)]

    def lit(text, lang=None, dt=None):
        esc = text.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{esc}"@{lang}' if lang else (f'"{esc}"^^<{dt}>' if dt else f'"{esc}"')

    for i, (en, es, fr) in enumerate(SUBSTANCES * 50):
        s = f"<{EX}substance/{i}>"
        out += [f"{s} <{RDF_TYPE}> <{EX}Substance> .", f"{s} <{SKOS}prefLabel> {lit(f'{en} {i}', 'en')} .",
                f"{s} <{SKOS}prefLabel> {lit(f'{es} {i}', 'es')} .", f"{s} <{SKOS}prefLabel> {lit(f'{fr} {i}', 'fr')} ."]
    i = 0
    while len(out) < triples:
        f = f"<{EX}facility/{i}>"
        name = f"{rng.choice(cities)} {rng.choice(KINDS)} {i % 97}"
        names.append(name)
        out += [f"{f} <{RDF_TYPE}> <{EX}Facility> .", f"{f} <{RDFS}label> {lit(name, 'en')} .",
                f"{f} <{EX}company> {lit(rng.choice(companies))} .", f"{f} <{EX}city> {lit(rng.choice(cities))} .",
                f"{f} <{EX}country> <{EX}country/{rng.choice(['ca', 'mx', 'us'])}> ."]
        for year in range(2014, 2014 + rng.randint(3, 6)):
            r = f"<{EX}release/{i}-{year}>"
            out += [f"{r} <{EX}facility> {f} .", f"{r} <{EX}year> {lit(str(year), dt=XSD + 'gYear')} .",
                    f"{r} <{EX}substance> <{EX}substance/{rng.randrange(600)}> .",
                    f"{r} <{EX}kilograms> {lit(str(rng.randint(1, 90000)), dt=XSD + 'integer')} ."]
        i += 1
    return ("\n".join(out) + "\n").encode("utf-8"), names


def misspell(rng: random.Random, text: str) -> str:
    w = max(text.split(), key=len)
    if len(w) < 5:
        return w
    k = rng.randrange(1, len(w) - 1)
    return w[:k] + w[k + 1:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t = time.perf_counter()
    data, names = generate(args.triples, rng)
    lines = data.count(b"\n")
    print(f"generated {lines:,} triples, {len(names):,} facilities in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prtr.nt"
        path.write_bytes(data)
        t = time.perf_counter()
        store = EmbeddedStore.from_files([path], None)
        print(f"loaded into pyoxigraph in {time.perf_counter() - t:.1f} s")
        target = Path(tmp) / "search.sqlite"
        seconds = build(store, target)
        index = SearchIndex(target, seconds)
        print(f"index: {index.entries:,} labels, built in {seconds:.1f} s, {target.stat().st_size / 1e6:.1f} MB")
        kinds = {
            "exact": lambda: rng.choice(names),
            "prefix": lambda: rng.choice(names)[:7],
            "words": lambda: " ".join(rng.choice(names).split()[1:3]).lower(),
            "accents": lambda: rng.choice(["acido sulfurico", "BENCENO 12", "sulfure d hydrogene", "toluène"]),
            "fuzzy": lambda: misspell(rng, rng.choice(names)),
        }
        report = {}
        for kind, make in kinds.items():
            times = []
            for _ in range(args.queries // len(kinds)):
                q = make()
                t = time.perf_counter()
                index.search(q, lang="en", limit=20)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            report[kind] = times
            print(f"{kind:8} p50 {statistics.median(times):6.2f} ms  p95 {times[int(len(times) * .95) - 1]:6.2f} ms  "
                  f"max {times[-1]:6.2f} ms")
        every = sorted(x for v in report.values() for x in v)
        p50 = statistics.median(every)
        print(f"all      p50 {p50:6.2f} ms  p95 {every[int(len(every) * .95) - 1]:6.2f} ms  "
              f"p99 {every[int(len(every) * .99) - 1]:6.2f} ms  (target p50 < 20 ms: {'met' if p50 < 20 else 'MISSED'})")
        return 0 if p50 < 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
