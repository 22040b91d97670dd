"""Full-text search over every label, name, title and abbreviation: SQLite FTS5 (standard library).

The index is built when the store is loaded (``store.init_app``), from the store itself through SPARQL,
so it works the same over the embedded store and a remote ``--backend``. It is written once per
content hash to ``build/search/{hash}.sqlite`` (atomically: several processes may start together) and
every serving process reads it through its own connection.

Matching is case- and accent-insensitive: labels and queries are folded the same way (NFKD, combining
marks dropped, case-folded, punctuation to spaces), so ``mexico`` finds México and ``commission de
cooperation`` finds the CEC. Ranking, best first:

1. **exact**: the folded label is the folded query (``JPAC`` → the committee);
2. **prefix**: the label starts with the query;
3. **word**: every word of the query is in the label (the last one as a prefix), ordered by BM25;
4. **fuzzy**: words the index does not hold are replaced by close ones (trigram candidates, then
   ``difflib`` similarity ≥ 0.75: ``manzanilo`` → manzanillo), then as 3.

Within a rank: labels in the reader's language first, then shorter labels. Each hit is an entity (IRI)
with the label that matched and its types (for facets).
"""
from __future__ import annotations

import difflib
import json
import os
import re
import sqlite3
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..graph import paths
from ..graph.namespaces import BASE, ENTAILMENT_GRAPH

LABEL_PROPERTIES = [
    "http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://www.w3.org/2000/01/rdf-schema#label", "http://purl.org/dc/terms/title",
    "http://purl.org/dc/terms/alternative", "https://schema.org/name", "https://schema.org/alternateName",
    "http://xmlns.com/foaf/0.1/name", BASE + "ontology#abbreviation",
]
NAME_PROPERTIES = set(LABEL_PROPERTIES[:4])     # what a hit is called (not its abbreviations)
# Things described by the vocabulary and the shapes are documented at /ontology and /shapes.
NOT_ENTITIES = (BASE + "ontology", BASE + "shapes")
LABELS_QUERY = """SELECT ?x ?p ?label WHERE {{
  VALUES ?p {{ {props} }}
  ?x ?p ?label .
  FILTER (isIRI(?x) && isLiteral(?label))
}}""".format(props=" ".join(f"<{p}>" for p in LABEL_PROPERTIES))
TYPES_QUERY = f"""SELECT DISTINCT ?x ?type WHERE {{
  GRAPH ?g {{ ?x a ?type }}
  FILTER (isIRI(?x) && isIRI(?type) && ?g != <{ENTAILMENT_GRAPH}>)
}}"""
# Data without named graphs: the types of the labelled things only (those the index keeps; at 1M PRTR
# triples 23k rows instead of every release's type, 165k: 1.6 s instead of 2.7).
TYPES_QUERY_DEFAULT = """SELECT DISTINCT ?x ?type WHERE {{
  VALUES ?p {{ {props} }}
  ?x ?p ?label ; a ?type .
  FILTER (isIRI(?x) && isIRI(?type))
}}""".format(props=" ".join(f"<{p}>" for p in LABEL_PROPERTIES))
RANKS = {0: "type", 1: "exact", 2: "prefix", 3: "word", 4: "fuzzy"}
_SPACES = re.compile(r"[^\w]+", re.UNICODE)


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: ``Comisión  para-la`` → ``comision para la``."""
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():        # ASCII holds no combining marks: skip the walk (most labels)
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = decomposed.casefold()
    return " ".join(_SPACES.sub(" ", bare).replace("_", " ").split())


@dataclass
class Hit:
    iri: str
    label: str                  # the label that matched
    lang: str | None
    rank: int                   # 1 exact … 4 fuzzy
    types: list[str] = field(default_factory=list)

    @property
    def match(self) -> str:
        return RANKS[self.rank]


class SearchIndex:
    """A read-only FTS5 index file; one connection per process and thread."""

    def __init__(self, path: Path, build_seconds: float | None = None):
        self.path = Path(path)
        self.build_seconds = build_seconds
        self._local = threading.local()
        with self._connect() as db:
            self.entries = db.execute("SELECT COUNT(*) FROM labels").fetchone()[0]

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = self._local.conn = self._connect()
            self._local.pid = os.getpid()
        return conn

    # -- querying -------------------------------------------------------------------------------------
    def search(self, query: str, *, lang: str = "en", types: list[str] | None = None,
               limit: int = 20, offset: int = 0) -> tuple[list[Hit], dict[str, int], int]:
        """(hits, type -> number of hits, total hits) for ``query``; ``types`` keeps hits of those types."""
        q = fold(query)
        if not q:
            return [], {}, 0
        best: dict[str, tuple[int, int, int, str, str | None]] = {}     # iri -> (rank, lang miss, len, label, lang)

        def take(rows, rank):
            for iri, label, tag in rows:
                key = (rank, 0 if (tag or "").split("-")[0] == lang else 1, len(label), label, tag)
                if iri not in best or key < best[iri]:
                    best[iri] = key

        db = self.db
        take(db.execute("SELECT iri, label, lang FROM labels WHERE norm = ?", (q,)), 1)
        take(db.execute("SELECT iri, label, lang FROM labels WHERE norm > ? AND norm < ? LIMIT 2000",
                        (q, q + "\U0010ffff")), 2)
        words = q.split()
        take(self._match(words), 3)
        if len(best) < limit + offset:
            corrected = self._correct(words)
            if corrected != words:
                take(self._match(corrected), 4)
        if not best:
            return [], {}, 0
        type_map = self._types(list(best))
        facets: dict[str, int] = {}
        for iri in best:
            for ty in type_map.get(iri, []):
                facets[ty] = facets.get(ty, 0) + 1
        ordered = sorted(best.items(), key=lambda kv: kv[1])
        if types:
            wanted = set(types)
            ordered = [kv for kv in ordered if wanted & set(type_map.get(kv[0], []))]
        total = len(ordered)
        hits = [Hit(iri, key[3], key[4], key[0], type_map.get(iri, [])) for iri, key in ordered[offset:offset + limit]]
        return hits, facets, total

    def browse(self, types: list[str], *, lang: str = "en", limit: int = 20,
               offset: int = 0) -> tuple[list[Hit], dict[str, int], int]:
        """Every entity of one of ``types`` (no text to match), by name: the "and N more" of the home page."""
        marks = ",".join("?" * len(types))
        iris = [r[0] for r in self.db.execute(f"SELECT DISTINCT iri FROM types WHERE type IN ({marks})", types)]
        labels = self.labels(iris)
        named = sorted(((next((x for x in labels.get(i, []) if (x[1] or "").split("-")[0] == lang),
                               (labels.get(i) or [(i, None)])[0]), i) for i in iris),
                       key=lambda e: fold(e[0][0]))
        type_map = self._types([i for _, i in named])
        facets: dict[str, int] = {}
        for i in iris:
            for ty in type_map.get(i, []):
                facets[ty] = facets.get(ty, 0) + 1
        hits = [Hit(i, label, tag, 0, type_map.get(i, [])) for (label, tag), i in named[offset:offset + limit]]
        return hits, facets, len(named)

    def _match(self, words: list[str]):
        if not words:
            return []
        expr = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
        try:
            return self.db.execute("SELECT l.iri, l.label, l.lang FROM labels_fts f JOIN labels l ON l.rowid = f.rowid "
                                   "WHERE labels_fts MATCH ? ORDER BY bm25(labels_fts) LIMIT 500", (expr,)).fetchall()
        except sqlite3.OperationalError:
            return []

    def _correct(self, words: list[str]) -> list[str]:
        """Each word the index lacks replaced by its closest indexed word (when one is close enough)."""
        out = []
        for w in words:
            if len(w) < 3 or self.db.execute("SELECT 1 FROM words WHERE word = ?", (w,)).fetchone():
                out.append(w)
                continue
            grams = {w[i:i + 3] for i in range(len(w) - 2)}
            expr = " OR ".join(f'"{g}"' for g in sorted(grams))
            try:
                candidates = [r[0] for r in self.db.execute(
                    "SELECT word FROM words_tri WHERE words_tri MATCH ? ORDER BY rank LIMIT 200", (expr,))]
            except sqlite3.OperationalError:
                candidates = []
            close = difflib.get_close_matches(w, candidates, n=1, cutoff=0.75)
            out.append(close[0] if close else w)
        return out

    def _types(self, iris: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for iri, ty in self.db.execute(f"SELECT iri, type FROM types WHERE iri IN ({marks})", chunk):
                out.setdefault(iri, []).append(ty)
        return out

    def labels(self, iris: list[str]) -> dict[str, list[tuple[str, str | None]]]:
        """Every indexed label of each IRI (to show a hit in the reader's language)."""
        found: dict[str, dict[str, list[tuple[str, str | None]]]] = {}
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for iri, label, tag, prop in self.db.execute(
                    f"SELECT iri, label, lang, prop FROM labels WHERE iri IN ({marks})", chunk):
                if prop in NAME_PROPERTIES:
                    found.setdefault(iri, {}).setdefault(prop, []).append((label, tag))
        # The preferred name when there is one (skos:prefLabel, then rdfs:label, dcterms:title…).
        return {iri: next(by[p] for p in LABEL_PROPERTIES if p in by) for iri, by in found.items()}

    def suggest(self, query: str, *, lang: str = "en", limit: int = 8) -> list[Hit]:
        return self.search(query, lang=lang, limit=limit)[0]


def _rows(store, query: str, names: tuple[str, ...]):
    """Each solution of ``query`` as a tuple, per variable of ``names``, of its value when it is a term
    of the kind the index wants (``x``, ``p``, ``type``: an IRI; ``label``: a literal, as ``(value,
    language)``), else None. Answers that can serialise themselves (pyoxigraph's, the embedded store's
    and a backend's once parsed) are read in one serialisation, SPARQL TSV when every cell is an IRI (an IRI
    holds no tab, newline or ``>``), else SPARQL JSON: at 1M triples a Python object per term took 2.7 s
    of the index's 7 s."""
    answer = store.query(query)
    if hasattr(answer, "serialize") and "label" not in names:     # IRIs only: TSV, split at tabs
        lines = answer.serialize(format=ox.QueryResultsFormat.TSV).decode().split("\n")
        columns = [lines[0].split("\t").index("?" + name) for name in names]
        for line in lines[1:]:
            if line:
                cells = line.split("\t")
                yield tuple(cells[i][1:-1] if cells[i].startswith("<") else None for i in columns)
        return
    if hasattr(answer, "serialize"):
        bindings = json.loads(answer.serialize(format=ox.QueryResultsFormat.JSON))["results"]["bindings"]
        for b in bindings:
            out = []
            for name in names:
                term = b.get(name)
                if term is None:
                    out.append(None)
                elif name == "label":
                    out.append((term["value"], term.get("xml:lang")) if term["type"] == "literal" else None)
                else:
                    out.append(term["value"] if term["type"] == "uri" else None)
            yield tuple(out)
        return
    for row in answer:
        out = []
        for name in names:
            term = row[name]
            if name == "label":
                out.append((term.value, term.language) if isinstance(term, ox.Literal) else None)
            else:
                out.append(term.value if isinstance(term, ox.NamedNode) else None)
        yield tuple(out)


def build(store, target: Path) -> float:
    """Write the index of ``store`` to ``target`` (atomically); the seconds it took."""
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    db = sqlite3.connect(tmp)
    db.executescript("""
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE TABLE labels (rowid INTEGER PRIMARY KEY, iri TEXT NOT NULL, label TEXT NOT NULL, lang TEXT,
                             prop TEXT, norm TEXT NOT NULL);
        CREATE TABLE types (iri TEXT NOT NULL, type TEXT NOT NULL);
        CREATE TABLE words (word TEXT PRIMARY KEY) WITHOUT ROWID;
    """)
    seen = set()
    batch = []
    for iri, prop, label in _rows(store, LABELS_QUERY, ("x", "p", "label")):
        if iri is None or prop is None or label is None:
            continue        # a backend that answers other rows than asked (or garbage): nothing to index
        if iri.startswith(NOT_ENTITIES):
            continue
        norm = fold(label[0])
        key = (iri, *label)
        if not norm or key in seen:
            continue
        seen.add(key)
        batch.append((iri, label[0], label[1], prop, norm))
        if len(batch) >= 10_000:
            db.executemany("INSERT INTO labels (iri, label, lang, prop, norm) VALUES (?, ?, ?, ?, ?)", batch)
            batch.clear()
    db.executemany("INSERT INTO labels (iri, label, lang, prop, norm) VALUES (?, ?, ?, ?, ?)", batch)
    labelled = {r[0] for r in db.execute("SELECT DISTINCT iri FROM labels")}
    type_rows = [r for r in _rows(store, TYPES_QUERY, ("x", "type")) if None not in r]
    if not type_rows:                   # data without named graphs: every type
        type_rows = [r for r in _rows(store, TYPES_QUERY_DEFAULT, ("x", "type")) if None not in r]
    db.executemany("INSERT INTO types VALUES (?, ?)", [r for r in type_rows if r[0] in labelled])
    db.executescript("""
        CREATE INDEX labels_norm ON labels (norm);
        CREATE INDEX types_iri ON types (iri);
        CREATE VIRTUAL TABLE labels_fts USING fts5 (norm, content = 'labels', content_rowid = 'rowid',
                                                    tokenize = 'unicode61');
        INSERT INTO labels_fts (labels_fts) VALUES ('rebuild');
    """)
    words = set()
    for (norm,) in db.execute("SELECT norm FROM labels"):
        words.update(w for w in norm.split() if len(w) >= 3)
    db.executemany("INSERT INTO words VALUES (?)", ((w,) for w in sorted(words)))
    db.executescript("""
        CREATE VIRTUAL TABLE words_tri USING fts5 (word, tokenize = 'trigram');
        INSERT INTO words_tri (word) SELECT word FROM words;
        PRAGMA optimize;
    """)
    db.commit()
    db.close()
    tmp.replace(target)
    return time.perf_counter() - started


def open_index(store) -> SearchIndex:
    """The index of ``store``'s content, built now if this content has none yet."""
    target = paths.BUILD_DIR / "search" / f"{store.content_hash() or 'unknown'}.sqlite"
    seconds = None
    if not target.exists():
        seconds = build(store, target)
    return SearchIndex(target, seconds)
