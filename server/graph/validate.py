"""SHACL validation of the CEC graph: ``cec-kg validate`` and a checker for any rdflib graph.

The shapes live in ``shapes/``: ``core.ttl`` holds sh:Violation shapes (the graph is wrong),
``recommended.ttl`` sh:Warning shapes (the graph is incomplete). Only Violations fail validation;
warnings are printed.

The data graph is the union of every asserted source graph (seed, registries, identifiers,
provenance), with the vocabulary as pyshacl's ``ont_graph``: its ``rdfs:subClassOf`` axioms make
``sh:targetClass cec:Report`` reach every ``cec:FactualRecord``, and ``sh:class`` accept subclasses.
No inference is run: RDFS entailment would add, for instance, an ``org:Organization`` type to every
``cec:Body`` and hide the difference between what a source stated and what follows from it. The sources are validated as one union because one entity's facts are spread
over several graphs (its type in the seed, its release date in the registry).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from . import paths
from .namespaces import ONTOLOGY_GRAPH, PREFIXES, SH_CEC

SHAPE_FILES = ("core.ttl", "recommended.ttl")
SEVERITIES = (SH.Violation, SH.Warning, SH.Info)
_PREFIXES = {**PREFIXES, "shapes": str(SH_CEC), "sh": str(SH)}
SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
# The report's own words in each language the shapes' messages are written in (sh:message en/es/fr).
REPORT_TEXT = {
    "en": {"Result": "Result:", "CONFORMS": "CONFORMS", "FAILS": "FAILS", "violation": ("violation", "violations"),
           "warning": ("warning", "warnings"), "info": "info", "node": "(node)", "value": "value",
           SH.Violation: "Violations", SH.Warning: "Warnings", SH.Info: "Info",
           "heading": "SHACL validation of the CEC graph: {data} data triples, {vocabulary} vocabulary triples, "
                      "shapes {files}"},
    "es": {"Result": "Resultado:", "CONFORMS": "CONFORME", "FAILS": "NO CONFORME",
           "violation": ("infracción", "infracciones"), "warning": ("advertencia", "advertencias"),
           "info": "notas", "node": "(nodo)", "value": "valor",
           SH.Violation: "Infracciones", SH.Warning: "Advertencias", SH.Info: "Notas",
           "heading": "Validación SHACL del grafo de la CCA: {data} tripletas de datos, {vocabulary} tripletas del "
                      "vocabulario, formas {files}"},
    "fr": {"Result": "Résultat :", "CONFORMS": "CONFORME", "FAILS": "NON CONFORME",
           "violation": ("violation", "violations"), "warning": ("avertissement", "avertissements"),
           "info": "notes", "node": "(nœud)", "value": "valeur",
           SH.Violation: "Violations", SH.Warning: "Avertissements", SH.Info: "Notes",
           "heading": "Validation SHACL du graphe de la CCE : {data} triplets de données, {vocabulary} triplets du "
                      "vocabulaire, formes {files}"},
}


@dataclass(frozen=True, order=True)
class Finding:
    """One SHACL validation result, flattened for reports and tests."""

    severity: URIRef
    focus: Node
    shape: Node
    path: str | None
    message: str
    value: Node | None
    component: URIRef | None
    messages: tuple[tuple[str, str], ...] = ()     # (language, text) of every sh:resultMessage

    @property
    def is_violation(self) -> bool:
        return self.severity == SH.Violation

    def message_in(self, lang: str) -> str:
        """The shape's message in ``lang``, else in English, else untagged, else any (sh:message en/es/fr)."""
        return pick_message(self.messages, lang) or self.message


def shape_files(directory: Path | None = None) -> list[Path]:
    directory = directory or paths.SHAPES_DIR
    return [directory / name for name in SHAPE_FILES if (directory / name).exists()]


def load_shapes(files: list[Path] | None = None) -> Graph:
    """The shapes graph: core (Violation) plus recommended (Warning)."""
    g = Graph()
    for f in files if files is not None else shape_files():
        g.parse(f, format="turtle")
    return g


def load_ontology() -> Graph:
    g = Graph(identifier=URIRef(ONTOLOGY_GRAPH))
    if paths.ONTOLOGY_FILE.exists():
        g.parse(paths.ONTOLOGY_FILE, format="turtle")
    return g


def standard_axioms() -> Graph:
    """The reused vocabularies' own hierarchy (``build.STANDARD_AXIOMS``): ``sh:class org:Organization``
    must accept a cec:Body through org:OrganizationalUnit, as a consumer's query does."""
    from .build import STANDARD_AXIOMS

    return Graph().parse(data=STANDARD_AXIOMS, format="turtle")


def asserted_data(progress: Callable[[int], object] | None = None) -> tuple[Graph, Graph]:
    """(union of every asserted source graph, the vocabulary) from ``build.load_asserted``."""
    from .build import load_asserted

    ds = load_asserted(progress)
    data, ontology = Graph(), Graph(identifier=URIRef(ONTOLOGY_GRAPH))
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if isinstance(g, Graph) else g
        (ontology if str(gid) == ONTOLOGY_GRAPH else data).add((s, p, o))
    return data, ontology


def _namespaced(graph: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    graph.bind("shapes", str(SH_CEC), override=True)
    graph.bind("sh", str(SH), override=True)
    return graph


def _path_text(results: Graph, path: Node | None) -> str | None:
    """A SHACL path as SPARQL-ish text (predicate paths compacted, inverse as ^p, sequences as a/b)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return results.namespace_manager.normalizeUri(path)
    inverse = results.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (_path_text(results, inverse) or "?")
    from rdflib.collection import Collection

    if results.value(path, RDF.first) is not None:
        return "/".join(_path_text(results, p) or "?" for p in Collection(results, path))
    alternatives = results.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(results, p) or "?" for p in Collection(results, alternatives))
    for op, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = results.value(path, op)
        if inner is not None:
            return f"({_path_text(results, inner)}){mark}"
    return str(path)


def pick_message(messages, lang: str) -> str | None:
    """Of (language, text) pairs: the one in ``lang``, else English, else untagged, else the first."""
    by_lang: dict[str, str] = {}
    for tag, text in sorted(messages):
        by_lang.setdefault((tag or "").split("-")[0].lower(), text)
    for want in (lang, "en", ""):
        if want in by_lang:
            return by_lang[want]
    return next(iter(by_lang.values()), None)


def findings_of(results: Graph) -> list[Finding]:
    """Every sh:ValidationResult of a pyshacl results graph, sorted (severity, focus, shape). pyshacl
    copies every sh:message of the shape (en, es, fr) into sh:resultMessage: ``message`` is the English
    one, ``messages`` all of them."""
    _namespaced(results)
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        messages = tuple(sorted((getattr(m, "language", None) or "", str(m))
                                for m in results.objects(r, SH.resultMessage)))
        out.append(Finding(
            severity=results.value(r, SH.resultSeverity),
            focus=results.value(r, SH.focusNode),
            shape=results.value(r, SH.sourceShape),
            path=_path_text(results, results.value(r, SH.resultPath)),
            message=pick_message(messages, "en") or "(no message)",
            value=results.value(r, SH.value),
            component=results.value(r, SH.sourceConstraintComponent),
            messages=messages,
        ))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(out, key=lambda f: (order.get(f.severity, 9), str(f.focus), str(f.shape), f.path or "", f.message))


def check(data: Graph, ontology: Graph | None = None, shapes: Graph | None = None) -> list[Finding]:
    """Validate any rdflib graph (the served union, a test fixture) against the project's shapes."""
    import pyshacl      # here, not at the top: pages import this module, and pyshacl took 0.6 s of a start

    shapes = shapes if shapes is not None else load_shapes()
    ontology = (ontology if ontology is not None else load_ontology()) + standard_axioms()
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology if len(ontology) else None,
        inference="none", advanced=True, allow_warnings=True, iterate_rules=False,
    )
    return findings_of(results)


def compact(iri: str) -> str:
    """``id:party/mexico`` style short form (rdflib's own refuses local parts with '/')."""
    best = max(((p, ns) for p, ns in _PREFIXES.items() if iri.startswith(ns)), key=lambda x: len(x[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else f"<{iri}>"


def _term(g: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return compact(str(node))
    if isinstance(node, BNode):
        return "[blank node]"
    if isinstance(node, Literal):
        text = " ".join(str(node).split())
        text = text if len(text) <= 60 else text[:57] + "..."
        suffix = f"@{node.language}" if node.language else (
            f"^^{compact(str(node.datatype))}" if node.datatype else "")
        return f'"{text}"{suffix}'
    return str(node)


def format_report(findings: list[Finding], *, heading: str = "SHACL validation", lang: str = "en") -> str:
    """A readable report grouped by severity, then focus node (one line per result), with the shapes'
    messages and the report's words in ``lang`` (en, es or fr; English for any other)."""
    g = _namespaced(Graph())
    words = REPORT_TEXT.get(lang, REPORT_TEXT["en"])
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    violations, warnings = counts[SH.Violation], counts[SH.Warning]
    verdict = words["FAILS"] if violations else words["CONFORMS"]
    lines = [heading, f"{words['Result']} {verdict} ({violations} {words['violation'][violations != 1]}, "
                      f"{warnings} {words['warning'][warnings != 1]}, {counts[SH.Info]} {words['info']})"]
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines += ["", f"== {words[severity]} ({len(group)}) =="]
        by_focus: dict[Node, list[Finding]] = defaultdict(list)
        for f in group:
            by_focus[f.focus].append(f)
        for focus, items in by_focus.items():
            lines.append(f"{_term(g, focus)}")
            for f in items:
                where = f.path or words["node"]
                value = f"  {words['value']} {_term(g, f.value)}" if f.value is not None and f.value != f.focus else ""
                lines.append(f"  - {where}{value}  [{_term(g, f.shape)}]")
                lines.append(f"      {f.message_in(lang)}")
    return "\n".join(lines)


def validation_key() -> str:
    """A hash of what validation reads: the graph's inputs and the shapes (names the stored results)."""
    import hashlib

    from .build import inputs_hash

    digest = hashlib.sha256(inputs_hash().encode())
    for f in sorted(paths.SHAPES_DIR.glob("*.ttl")):
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def findings_path() -> Path:
    return paths.BUILD_DIR / f"shacl-findings-{validation_key()}.json"


def save_findings(findings: list[Finding]) -> None:
    """Keep the results (focus, severity, shape, path, message) for the pages' SHACL status."""
    import json

    rows = [{"focus": str(f.focus), "severity": SEVERITY_NAMES.get(f.severity, str(f.severity)),
             "shape": str(f.shape) if isinstance(f.shape, URIRef) else None, "path": f.path, "message": f.message,
             "messages": {tag: text for tag, text in f.messages if tag}}
            for f in findings if isinstance(f.focus, URIRef)]
    paths.write_atomically(findings_path(), json.dumps(rows, ensure_ascii=False, indent=0))


def stored_findings() -> list[dict] | None:
    """The results saved by the last validation of these inputs (``cec-kg serve`` validates first), or None."""
    import json

    path = findings_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def validate(progress: Callable[[int], object] | None = None, lang: str = "en") -> tuple[bool, str]:
    """Validate the asserted CEC graph; (no Violations, the printed report, in ``lang``). ``progress(n)``
    hears of the triples read, and once more (n=0) when they are checked."""
    files = shape_files()
    if not files:
        return False, f"no shapes found in {paths.SHAPES_DIR} (expected {', '.join(SHAPE_FILES)})"
    data, ontology = asserted_data(progress)
    findings = check(data, ontology, load_shapes(files))
    save_findings(findings)
    if progress:
        progress(0)
    heading = REPORT_TEXT.get(lang, REPORT_TEXT["en"])["heading"].format(
        data=len(data), vocabulary=len(ontology), files=", ".join(str(f.relative_to(paths.ROOT)) for f in files))
    conforms = not any(f.is_violation for f in findings)
    return conforms, format_report(findings, heading=heading, lang=lang)
