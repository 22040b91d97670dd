"""Full-text search over every label, name, title and abbreviation: SQLite FTS5 (standard library).

The index is built from the store itself through SPARQL, so it works the same over the embedded store
and a remote ``--backend``. It is written once per content hash and version of ``build``
(``INDEX_VERSION``, bumped when ``build`` changes) to ``build/search/{hash}-v{version}.sqlite``,
atomically (a temporary file renamed into place: several processes may build together; the temporary
files of dead builders are removed), and every serving process reads it through its own connection.

When: over the in-memory graph (``--data``, the CEC graph: small) and a remote backend, when the store is
loaded (``store.init_app``), before the service listens. Over an on-disk store (``--store DIR``: millions
of triples, seconds to minutes) the service listens at once and ``BackgroundIndex`` starts a builder
process (``python -m cec_kg.store.search``: the store opened read-only, at low priority, killed with the
server), one per index however many workers or servers wait for it (a lock it holds while it lives);
each serving process picks the file up when it appears, and until then ``/search`` answers 503 saying
the index is being built, or why it was not (``store.SearchUnavailable``).

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
import logging
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
# The version of what ``build`` writes, part of the index's file name: bump it whenever ``build`` (its
# tables, folding, queries) changes, so that every existing index is built again instead of being read.
INDEX_VERSION = 2
RANKS = {0: "type", 1: "exact", 2: "prefix", 3: "word", 4: "fuzzy"}
_SPACES = re.compile(r"[^\w]+", re.UNICODE)
log = logging.getLogger(__name__)


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


def index_path(content_hash: str | None) -> Path:
    """Where the index of this content, as this version of ``build`` makes it, is kept."""
    return paths.BUILD_DIR / "search" / f"{content_hash or 'unknown'}-v{INDEX_VERSION}.sqlite"


def open_index(store) -> SearchIndex:
    """The index of ``store``'s content, built now (in this process) if this content has none yet."""
    target = index_path(store.content_hash())
    seconds = None
    if not target.exists():
        remove_leftovers(target)
        seconds = build(store, target)
    return SearchIndex(target, seconds)


# -- building in the background (on-disk stores) ---------------------------------------------------------
# The builder holds an exclusive flock(2) on ``.{index}.lock`` for as long as it lives (taken by the
# server that starts it, inherited across exec): the kernel drops it when the builder ends, however it
# ends, so a serving process tells "building" from "ended without the index" by trying the lock.
_TEMP = re.compile(r"^\..+\.sqlite\.(\d+)$")       # build()'s temporary files: .{index}.{pid}
# Test hook only: seconds the background builder waits before it builds, so that a test can see the
# service while the index is being built (a test store builds in milliseconds). Never set in production.
TEST_BUILD_DELAY_ENV = "CEC_KG_TEST_SEARCH_BUILD_DELAY"
# How long the background builder waits for a serving process that is only looking at the lock.
LOCK_TRIES, LOCK_PAUSE = 10, 0.005


def _lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


def _failed_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.failed")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(target: Path) -> list[Path]:
    """Before ``target`` is built, remove what no one will read again, hundreds of MB each at millions
    of triples: the temporary files of builders that died before renaming them into place (a killed
    server, a killed builder), and the indexes of this content that older versions of ``build`` made
    (``{hash}.sqlite`` before versions, then ``{hash}-v{n}.sqlite``; a process of an older version
    still reading one keeps its open file: POSIX unlink). Other contents' indexes stay."""
    content_hash = target.name.removesuffix(f"-v{INDEX_VERSION}.sqlite")
    superseded = {f"{content_hash}.sqlite"} | {f"{content_hash}-v{n}.sqlite" for n in range(1, INDEX_VERSION)}
    removed = []
    try:
        entries = list(target.parent.iterdir())
    except FileNotFoundError:
        return removed
    for f in entries:
        m = _TEMP.match(f.name)
        if f.name in superseded or (m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1)))):
            f.unlink(missing_ok=True)
            removed.append(f)
    return removed


def _record_failure(target: Path, reason: str) -> None:
    """Write why the index was not built, once: whoever writes it first (the builder that failed, or
    the first serving process to find a killed builder's lock free) logs it; the others read it."""
    try:
        fd = os.open(_failed_path(target), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(reason)
    log.error("cec-kg: the search index %s was not built: %s; /search answers 503 until the service is "
              "restarted (which builds it again)", target.name, reason)


class BackgroundIndex:
    """The index of an on-disk store, built by a process of its own while the service already answers.

    Every serving process holds one (made before granian forks its workers): ``index()`` is the index
    once its file is there (a stat until then), ``state()`` what ``/search`` and ``/health`` say
    meanwhile. Started by ``start``; the process that started the builder ends it with ``close``.
    """

    def __init__(self, target: Path, process=None, error: str | None = None):
        self.target = target
        self.process = process
        self.error = error          # why no builder could be started (e.g. the build directory is read-only)

    @classmethod
    def start(cls, store_dir: Path, target: Path) -> "BackgroundIndex":
        """Start the builder of ``target`` over the store in ``store_dir``, unless one is at it already
        (another server over the same store, or another worker started from the environment)."""
        import fcntl
        import subprocess
        import sys

        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(_lock_path(target), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            log.error("cec-kg: the search index cannot be built in %s: %s; /search answers 503", target.parent, e)
            return cls(target, error=f"cannot write to {target.parent}: {e.strerror or e}")
        try:
            for _ in range(LOCK_TRIES):     # a serving process may hold it for a moment (``state``)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(LOCK_PAUSE)
            else:
                return cls(target)          # a live builder has it: wait for its file like everyone else
            if target.exists():             # finished between our look and the lock
                return cls(target)
            remove_leftovers(target)
            _failed_path(target).unlink(missing_ok=True)
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"started": time.time()}).encode(), 0)
            process = subprocess.Popen(     # inherits the locked descriptor, and keeps it open while it lives
                [sys.executable, "-m", "cec_kg.store.search", "--store", str(store_dir), "--target", str(target),
                 "--parent", str(os.getpid())],
                pass_fds=(fd,), stdin=subprocess.DEVNULL)
        finally:
            os.close(fd)        # the builder holds the lock now (or nobody does)
        return cls(target, process)

    def index(self) -> SearchIndex | None:
        return SearchIndex(self.target) if self.target.exists() else None

    def state(self) -> tuple[str, float | str | None]:
        """("ready", None), ("building", seconds so far) or ("failed", why)."""
        import fcntl

        if self.target.exists():
            return "ready", None
        if self.error:
            return "failed", self.error
        failed = _failed_path(self.target)
        if failed.exists():
            return "failed", failed.read_text(errors="replace")
        try:
            fd = os.open(_lock_path(self.target), os.O_RDWR)
        except FileNotFoundError:           # removed by a builder that has just finished, or never made
            if self.target.exists():
                return "ready", None
            return "failed", "the index builder was not started"
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:         # held: the builder is alive
                try:
                    started = json.loads(os.pread(fd, 200, 0) or b"{}").get("started")
                except ValueError:
                    started = None
                return "building", max(0.0, time.time() - started) if started else None
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        if self.target.exists():            # it finished and ended since our first look
            return "ready", None
        _record_failure(self.target, "the index builder ended before it finished (killed?)")
        return "failed", _failed_path(self.target).read_text(errors="replace")

    def reap(self) -> None:
        """Collect the exit status of the builder this process started, once it has ended (no zombie)."""
        if self.process is not None and self.process.returncode is None:
            self.process.poll()

    def close(self) -> None:
        """End the builder this process started (the service is stopping)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _builder_main(argv: list[str] | None = None) -> int:
    """``python -m cec_kg.store.search --store DIR --target FILE``: build the index of an on-disk store,
    opened read-only like the query workers do, at low priority, dying with the server that started it."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m cec_kg.store.search", description=_builder_main.__doc__)
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--target", required=True, type=Path)
    parser.add_argument("--parent", type=int, help="the server's pid: end if it is gone")
    args = parser.parse_args(argv)
    if args.parent:
        from .executor import _die_with_parent

        _die_with_parent()
        if os.getppid() != args.parent:     # the server ended before the line above
            return 1
    try:
        os.nice(10)     # the service's requests come first
    except OSError:
        pass
    delay = float(os.environ.get(TEST_BUILD_DELAY_ENV) or 0)
    if delay:
        time.sleep(delay)
    from .embedded import EmbeddedStore

    try:
        store = EmbeddedStore.open_dir(args.store)
        seconds = build(store, args.target)
    except Exception as e:  # noqa: BLE001 - whatever stopped the build is what /search must say
        _record_failure(args.target, f"{type(e).__name__}: {e}")
        return 1
    _lock_path(args.target).unlink(missing_ok=True)     # no longer needed: the index is there
    print(f"cec-kg: search index built in {seconds:.1f} s ({args.target})", file=sys.stderr, flush=True)
    # Then the whole-store figures the first pages need (VoID's and the service description's counts):
    # seconds at scale that no visitor then waits for. A failure here is only a figure computed later.
    from . import figures

    started = time.perf_counter()
    try:
        figures.compute_all(store)
    except Exception as e:  # noqa: BLE001 - the index is built; the pages compute what is missing
        print(f"cec-kg: the store's figures were not computed ahead: {type(e).__name__}: {e}", file=sys.stderr)
        return 0
    print(f"cec-kg: the store's figures computed in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(_builder_main())
