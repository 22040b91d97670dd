"""The published vocabulary and shapes: ``/ontology``, ``/ontology/{version}``, the JSON-LD ``@context``
and ``/shapes``, each negotiating HTML, Turtle, RDF/XML, JSON-LD and N-Triples.

- The RDF formats are served here; the HTML for people (documentation generated from the vocabulary, a table for the
  shapes) is the web layer's view (``web.documents``), offered only when the app has the web layer.
- ``owl:versionIRI`` ``…/ontology/{version}``: a released snapshot ``ontology/releases/{version}.ttl``
  is served as immutable; the current version (not yet frozen) is served from ``ontology/cec.ttl``.
  ``python -m cec_kg.linkeddata.vocabulary release`` freezes the current version.
- The JSON-LD context is generated from the vocabulary (``python -m cec_kg.linkeddata.vocabulary context`` writes
  the committed copy ``ontology/context.jsonld``; a test checks it is current), served with CORS at
  ``/ontology/context.jsonld`` and used by our own JSON-LD documents.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

from flask import Blueprint, current_app, request
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from ..graph import paths
from ..graph.namespaces import BASE, CEC, ONTOLOGY_IRI, PREFIXES
from ..problems import Problem
from ..protocol.http import document_response, html_view, stable_rdf
from ..protocol.negotiation import negotiate

bp = Blueprint("vocabulary", __name__)

# Server preference: a client that names no format (no Accept, or */*: urllib, owlready2, rdflib's
# loader) gets Turtle, as /id/… answers; browsers ask for text/html by name and get the documentation.
OFFERS = ["text/turtle", "text/html", "application/rdf+xml", "application/ld+json", "application/n-triples"]
SUFFIXES = {"ttl": "text/turtle", "rdf": "application/rdf+xml", "owl": "application/rdf+xml",
            "jsonld": "application/ld+json", "nt": "application/n-triples", "html": "text/html"}
RELEASES_DIR = paths.RELEASES_DIR
CONTEXT_FILE = paths.ONTOLOGY_DIR / "context.jsonld"
CONTEXT_IRI = ONTOLOGY_IRI + "/context.jsonld"
SHAPES_IRI = BASE + "shapes"
_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+-]*$")
ANNOTATIONS = (RDFS.label, RDFS.comment, SKOS.definition, SKOS.scopeNote, SKOS.example, SKOS.changeNote,
               SKOS.prefLabel, SKOS.altLabel, URIRef("http://purl.org/dc/terms/title"),
               URIRef("http://purl.org/dc/terms/description"))


# -- Reading the vocabulary ----------------------------------------------------------------------

def parse_turtle(path: Path) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


def file_cache(path: Path, kind: str, compute):
    """Memoise per file content (and kind), in the app's extensions."""
    memo = current_app.extensions.setdefault("cec_kg.vocab_cache", {})
    key = (kind, str(path), hashlib.sha256(path.read_bytes()).hexdigest())
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def ontology_file() -> Path:
    if not paths.ONTOLOGY_FILE.exists():
        raise Problem(503, "Vocabulary Unavailable", f"{paths.ONTOLOGY_FILE.name} is missing from this deployment")
    return paths.ONTOLOGY_FILE


def version_of(g: Graph) -> str | None:
    for v in g.objects(URIRef(ONTOLOGY_IRI), OWL.versionIRI):
        return str(v).rsplit("/", 1)[-1]
    return None


def terms(g: Graph) -> list[URIRef]:
    """Every cec: term the vocabulary defines (subjects in the namespace with a type)."""
    return sorted({s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(CEC))
                   and len(str(s)) > len(str(CEC))})


def refinements(g: Graph) -> list[tuple[URIRef, list[URIRef]]]:
    """Each cec: term with every standard (non-cec:) term it refines through rdfs:subClassOf /
    rdfs:subPropertyOf, directly or through other cec: terms: what a consumer who knows only ORG,
    schema.org, PROV-O, Dublin Core or SKOS finds our data as."""
    out = []
    for term in terms(g):
        seen, todo, found = {term}, [term], set()
        while todo:
            current = todo.pop()
            for p in (RDFS.subClassOf, RDFS.subPropertyOf):
                for sup in g.objects(current, p):
                    if not isinstance(sup, URIRef) or sup in seen:
                        continue
                    seen.add(sup)
                    if str(sup).startswith(str(CEC)):
                        todo.append(sup)
                    else:
                        found.add(sup)
        out.append((term, sorted(found, key=str)))
    return out


# -- JSON-LD context -----------------------------------------------------------------------------

def build_context(g: Graph) -> dict:
    """A JSON-LD @context from the vocabulary: our prefixes, then one term per cec: class/property
    (object properties coerce to @id; datatype properties to their XSD range, except strings)."""
    ctx: dict[str, object] = {k: v for k, v in sorted(PREFIXES.items())}
    ctx["id"] = BASE + "id/"
    for term in terms(g):
        name = str(term)[len(str(CEC)):]
        kinds = set(g.objects(term, RDF.type))
        if kinds & {OWL.Class, RDFS.Class}:
            ctx[name] = f"cec:{name}"
            continue
        definition: dict[str, str] = {"@id": f"cec:{name}"}
        if OWL.ObjectProperty in kinds:
            definition["@type"] = "@id"
        elif OWL.DatatypeProperty in kinds:
            ranges = [r for r in g.objects(term, RDFS.range) if str(r).startswith(str(XSD))]
            if len(ranges) == 1 and ranges[0] not in (XSD.string,):
                definition["@type"] = "xsd:" + str(ranges[0])[len(str(XSD)):]
        ctx[name] = definition
    return {"@context": ctx}


def context_text(ctx: dict) -> str:
    return json.dumps(ctx, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def jsonld_context() -> dict:
    """The context generated from the current vocabulary (cached per vocabulary file content)."""
    if not paths.ONTOLOGY_FILE.exists():
        return {"@context": {k: v for k, v in sorted(PREFIXES.items())}}
    return file_cache(paths.ONTOLOGY_FILE, "context", lambda: build_context(parse_turtle(paths.ONTOLOGY_FILE)))


# -- Responses -------------------------------------------------------------------------------------

def offers(view) -> list[str]:
    """The formats of a vocabulary or shapes document: HTML first (for browsers) when the web layer
    gives a view for it."""
    return OFFERS if view else [m for m in OFFERS if m != "text/html"]


def alternates(base_path: str, current: str = "text/html", *, html: bool = False) -> list[tuple[str, str, str]]:
    """Signposting: every other representation of the document (its HTML page too, when there is one)."""
    return [(f"{base_path}.{s}" if m != "text/html" else base_path, "alternate", m) for s, m in SUFFIXES.items()
            if m != current and s != "owl" and (m != "text/html" or html)]


def serve_vocabulary(path: Path, base_path: str, override: str | None, immutable: bool):
    view = html_view("vocabulary")
    mt = negotiate(request, offers(view), override=override)
    if mt == "text/html":
        return view(path, base_path, immutable)
    body = file_cache(path, mt, lambda: stable_rdf(parse_turtle(path), mt)
                       if mt != "application/ld+json" else
                       stable_rdf(parse_turtle(path), mt, context=jsonld_context()["@context"], auto_compact=True))
    suffix = {v: k for k, v in SUFFIXES.items() if k != "owl"}[mt]
    return document_response(body, mt, content_location=f"{base_path}.{suffix}", immutable=immutable, cors=True,
                             links=alternates(base_path, mt, html=view is not None))


def split(name: str) -> tuple[str, str | None]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, suffix) if dot and suffix in SUFFIXES else (name, None)


@bp.get("/ontology")
@bp.get("/ontology.<suffix>")
def ontology(suffix: str | None = None):
    if suffix is not None and suffix not in SUFFIXES:
        raise Problem(404, "Not Found", f"no format '.{suffix}'; use one of: " + ", ".join(SUFFIXES))
    return serve_vocabulary(ontology_file(), "/ontology", suffix or request.args.get("format"), immutable=False)


@bp.get("/ontology/context.jsonld")
def context():
    return document_response(context_text(jsonld_context()), "application/ld+json", vary="", cors=True)


@bp.get("/ontology/<name>")
def version(name: str):
    v, suffix = split(name)
    if not _VERSION.match(v):
        raise Problem(404, "Not Found", f"'{v}' is not a version of the vocabulary; versions look like 0.1.0")
    snapshot = RELEASES_DIR / f"{v}.ttl"
    if snapshot.exists():
        path, immutable = snapshot, True
    elif v == version_of(file_cache(ontology_file(), "graph", lambda: parse_turtle(ontology_file()))):
        path, immutable = ontology_file(), False
    else:
        known = sorted(p.stem for p in RELEASES_DIR.glob("*.ttl")) if RELEASES_DIR.exists() else []
        raise Problem(404, "Not Found", f"version {v} of the vocabulary was never released; released: "
                      + (", ".join(known) or "none yet") + "; the current one is at /ontology")
    return serve_vocabulary(path, f"/ontology/{v}", suffix or request.args.get("format"), immutable)


# -- Shapes ----------------------------------------------------------------------------------------
# /shapes serves every current shapes file; each file's owl:versionIRI …/shapes/{version}/{name} is
# served from its released snapshot (ontology/releases/shapes/{version}/{name}.ttl, immutable) or,
# while that version is current and not yet frozen, from shapes/{name}.ttl.

SHAPES_RELEASES = RELEASES_DIR / "shapes"


def shape_files() -> list[Path]:
    return sorted(paths.SHAPES_DIR.glob("*.ttl"))


def shapes_graph(files: list[Path] | None = None) -> Graph:
    g = Graph()
    for f in files if files is not None else shape_files():
        g.parse(f, format="turtle")
    return g


def files_key(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(str(f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def serve_shapes(files: list[Path], base_path: str, override: str | None, immutable: bool = False):
    if not files:
        raise Problem(503, "Shapes Unavailable", "no SHACL shapes in this deployment")
    view = html_view("shapes")
    mt = negotiate(request, offers(view), override=override)
    if mt == "text/html":
        return view(files, base_path, immutable)
    memo = current_app.extensions.setdefault("cec_kg.vocab_cache", {})
    key = ("shapes", mt, base_path, files_key(files))
    if key not in memo:
        memo[key] = stable_rdf(shapes_graph(files), mt)
    suffix = {v: k for k, v in SUFFIXES.items() if k != "owl"}[mt]
    return document_response(memo[key], mt, content_location=f"{base_path}.{suffix}", cors=True,
                             immutable=immutable, links=alternates(base_path, mt, html=view is not None))


@bp.get("/shapes")
@bp.get("/shapes.<suffix>")
def shapes(suffix: str | None = None):
    if suffix is not None and suffix not in SUFFIXES:
        raise Problem(404, "Not Found", f"no format '.{suffix}'; use one of: " + ", ".join(SUFFIXES))
    return serve_shapes(shape_files(), "/shapes", suffix or request.args.get("format"))


@bp.get("/shapes/<version>/<name>")
def shapes_version(version: str, name: str):
    name, suffix = split(name)
    if not _VERSION.match(version) or not re.match(r"^[a-z][a-z0-9-]*$", name):
        raise Problem(404, "Not Found", "shapes versions look like /shapes/0.1.0/core")
    snapshot = SHAPES_RELEASES / version / f"{name}.ttl"
    current = paths.SHAPES_DIR / f"{name}.ttl"
    if snapshot.exists():
        path, immutable = snapshot, True
    elif current.exists() and f"{SHAPES_IRI}/{version}/{name}" in map(str, file_cache(
            current, "graph", lambda: parse_turtle(current)).objects(None, OWL.versionIRI)):
        path, immutable = current, False
    else:
        raise Problem(404, "Not Found", f"no shapes '{name}' in version {version}; the current shapes are at /shapes")
    return serve_shapes([path], f"/shapes/{version}/{name}", suffix or request.args.get("format"), immutable)


# -- Command line: regenerate the committed artefacts ----------------------------------------------

def write_context() -> Path:
    CONTEXT_FILE.write_text(context_text(build_context(parse_turtle(paths.ONTOLOGY_FILE))), encoding="utf-8")
    return CONTEXT_FILE


def release(what: str = "all") -> Path:
    """Freeze the current vocabulary as ``ontology/releases/{version}.ttl`` and (``all``/``shapes``)
    each shapes file as ``ontology/releases/shapes/{version}/{name}.ttl``; never overwrites a different
    snapshot (a released version is immutable: bump the version instead)."""
    g = parse_turtle(paths.ONTOLOGY_FILE)
    v = version_of(g)
    if not v:
        raise SystemExit("ontology/cec.ttl has no owl:versionIRI: nothing to release")
    target = RELEASES_DIR / f"{v}.ttl"
    if target.exists() and target.read_bytes() != paths.ONTOLOGY_FILE.read_bytes():
        raise SystemExit(f"{target} exists and differs: released versions are immutable, bump owl:versionIRI")
    RELEASES_DIR.mkdir(parents=True, exist_ok=True)
    if what in ("all", "ontology"):
        target.write_bytes(paths.ONTOLOGY_FILE.read_bytes())
    for f in shape_files() if what in ("all", "shapes") else []:         # each shapes file under its own owl:versionIRI …/shapes/{v}/{name}
        version_iri = next(parse_turtle(f).objects(None, OWL.versionIRI), None)
        if not version_iri or not str(version_iri).startswith(SHAPES_IRI + "/"):
            continue
        v_shapes, name = str(version_iri)[len(SHAPES_IRI) + 1:].split("/", 1)
        snap = SHAPES_RELEASES / v_shapes / f"{name}.ttl"
        if snap.exists() and snap.read_bytes() != f.read_bytes():
            raise SystemExit(f"{snap} exists and differs: bump the owl:versionIRI of {f.name}")
        snap.parent.mkdir(parents=True, exist_ok=True)
        snap.write_bytes(f.read_bytes())
    return target


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "context"
    if what == "context":
        print(write_context())
    elif what == "release":
        print(release(sys.argv[2] if len(sys.argv) > 2 else "all"))
    else:
        raise SystemExit("usage: python -m cec_kg.linkeddata.vocabulary [context | release [all|ontology|shapes]]")
