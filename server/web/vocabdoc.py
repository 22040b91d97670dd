"""The vocabulary's documentation for people (``/ontology`` and its versions as HTML), generated from
the vocabulary's graph with the site's own templates (``vocabulary.html`` extends ``base.html``).

What it shows of each term is what pyLODE 3.4 showed, plus what pyLODE left out (inverse, see also,
change notes, equivalents, deprecation): IRI, labels in every language, definition, scope and change
notes, examples, super- and subclasses or -properties, domain, range, inverse, equivalents,
disjoint classes, the properties whose domain or range a class is, ``rdfs:isDefinedBy``,
``owl:versionInfo`` and ``owl:deprecated``; then the ontology's header (title, description,
creator, publisher, dates, licence, version IRI, version info, prior version, preferred prefix and
namespace, see also), the terms of other vocabularies it declares, and the namespaces it uses.

Order (documented on the page): classes as their subclass tree, siblings alphabetically in the page's
language; properties by kind (object, datatype, annotation), alphabetically in the page's language;
anything else by IRI. Nothing depends on set or dict iteration order, so every process renders the
same bytes for the same request (the pyLODE page differed with ``PYTHONHASHSEED``).

Anchors: a ``cec:`` term's section has the id of its local name (``cec:X`` lands on ``/ontology#X``,
in every language); a declared term of another vocabulary has its prefixed name (``schema:member``).
"""
from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..graph.namespaces import CEC, ONTOLOGY_IRI, PREFIXES
from .i18n import LANGS, Label, format_date, pick_label, sort_key

VANN = "http://purl.org/vocab/vann/"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
# Sections of the page, in order: (kind of term, its heading's key in STRINGS, its anchor).
KINDS = [(OWL.Class, "vocab_classes", "classes"),
         (OWL.ObjectProperty, "vocab_object_properties", "object-properties"),
         (OWL.DatatypeProperty, "vocab_datatype_properties", "datatype-properties"),
         (OWL.AnnotationProperty, "vocab_annotation_properties", "annotation-properties")]
KIND_BADGE = {OWL.Class: "vocab_badge_class", OWL.ObjectProperty: "vocab_badge_object",
              OWL.DatatypeProperty: "vocab_badge_datatype", OWL.AnnotationProperty: "vocab_badge_annotation",
              RDFS.Class: "vocab_badge_class", RDF.Property: "vocab_badge_property"}
# Relations shown for a term, in order: (row key in STRINGS, predicate, direction).
CLASS_ROWS = [("vocab_subclass_of", RDFS.subClassOf, "out"), ("vocab_subclasses", RDFS.subClassOf, "in"),
              ("vocab_equivalent", OWL.equivalentClass, "both"), ("vocab_disjoint", OWL.disjointWith, "both"),
              ("vocab_in_domain_of", RDFS.domain, "in"), ("vocab_in_range_of", RDFS.range, "in")]
PROPERTY_ROWS = [("vocab_subproperty_of", RDFS.subPropertyOf, "out"),
                 ("vocab_subproperties", RDFS.subPropertyOf, "in"),
                 ("vocab_equivalent", OWL.equivalentProperty, "both"), ("vocab_inverse_of", OWL.inverseOf, "both"),
                 ("vocab_domain", RDFS.domain, "out"), ("vocab_range", RDFS.range, "out")]
NOTES = [("vocab_scope_note", SKOS.scopeNote), ("vocab_example", SKOS.example), ("vocab_change_note", SKOS.changeNote),
         ("vocab_comment", RDFS.comment)]
# Characteristics a property may have beyond its kind (owl:FunctionalProperty …): shown by local name.
KIND_TYPES = {k for k, _, _ in KINDS} | {RDFS.Class, RDF.Property}


# -- Sorting -------------------------------------------------------------------------------------------

def collation_key(text: str, lang: str) -> tuple:
    """How ``text`` sorts among labels in ``lang``: the site's one collation key (``i18n.sort_key``, ICU
    per language: é with e, before u; Spanish ñ after n), then the text itself to break ties."""
    return (sort_key(text, lang), text)


# -- Reading the graph ---------------------------------------------------------------------------------

def qname(g: Graph, iri: URIRef) -> str:
    s = str(iri)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if s.startswith(ns) and len(s) > len(ns):
            return f"{prefix}:{s[len(ns):]}"
    return s


def is_ours(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(CEC)) and len(str(term)) > len(str(CEC))


def anchor(g: Graph, term: URIRef) -> str:
    return str(term)[len(str(CEC)):] if is_ours(term) else qname(g, term)


def texts(g: Graph, s, p) -> list[tuple[str, str | None]]:
    return sorted((str(o), o.language) for o in g.objects(s, p) if isinstance(o, Literal))


def label_of(g: Graph, term, lang: str) -> Label:
    """The term's label in ``lang``; else English, marked as a fallback; else its prefixed name."""
    for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
        found = pick_label(texts(g, term, p), lang)
        if found:
            return found
    return Label(qname(g, term) if isinstance(term, URIRef) else str(term), None, False)


def notes_in(g: Graph, term, p, lang: str) -> list[Label]:
    """Every value of ``p`` in ``lang``; where there is none, every English (or untagged) one, marked."""
    values = texts(g, term, p)
    mine = [Label(v, tag, False) for v, tag in values if (tag or "").split("-")[0] == lang]
    if mine:
        return mine
    fallback = [Label(v, tag, True) for v, tag in values if (tag or "en").split("-")[0] == "en"]
    return fallback or [Label(v, tag, True) for v, tag in values]


def ref(g: Graph, term, lang: str, defined: set) -> dict:
    """A link to a term: in-page when this document defines it, else out to its IRI."""
    if isinstance(term, BNode):
        return {"label": Label(anonymous(g, term), None, False), "href": None, "code": True, "external": False}
    if isinstance(term, Literal):
        return {"label": Label(str(term), term.language, False), "href": None, "code": False, "external": False}
    if (term, RDF.type, OWL.Ontology) in g:     # this document: its title, linking to its metadata
        return {"label": label_of(g, term, lang), "href": "#metadata", "code": False, "external": False}
    if term in defined:
        if is_ours(term):
            return {"label": label_of(g, term, lang), "href": "#" + anchor(g, term), "code": False,
                    "external": False, "qname": qname(g, term)}
        return {"label": Label(qname(g, term), None, False), "href": "#" + anchor(g, term), "code": True,
                "external": False}
    return {"label": Label(qname(g, term), None, False), "href": str(term), "code": True,
            "external": str(term).startswith(("http://", "https://"))}


RESTRICTIONS = [(OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value"),
                (OWL.minCardinality, "min"), (OWL.maxCardinality, "max"), (OWL.cardinality, "exactly"),
                (OWL.minQualifiedCardinality, "min"), (OWL.maxQualifiedCardinality, "max"),
                (OWL.qualifiedCardinality, "exactly")]


def anonymous(g: Graph, node, depth: int = 0) -> str:
    """An anonymous class in OWL's Manchester syntax (``cec:p some cec:X``, ``A or B``), never its blank
    node label (random per process)."""
    from rdflib.collection import Collection

    def name(n):
        if isinstance(n, BNode):
            return f"({anonymous(g, n, depth + 1)})" if depth < 5 else "…"
        return qname(g, n) if isinstance(n, URIRef) else str(n)

    on = g.value(node, OWL.onProperty)
    if on is not None:
        for p, word in RESTRICTIONS:
            value = g.value(node, p)
            if value is not None:
                qualified = g.value(node, OWL.onClass)
                return f"{name(on)} {word} {name(value)}" + (f" {name(qualified)}" if qualified is not None else "")
    for p, word in ((OWL.unionOf, " or "), (OWL.intersectionOf, " and ")):
        members = g.value(node, p)
        if members is not None:
            return word.join(sorted(name(m) for m in Collection(g, members)))
    if g.value(node, OWL.complementOf) is not None:
        return "not " + name(g.value(node, OWL.complementOf))
    if g.value(node, OWL.oneOf) is not None:
        return "{" + ", ".join(sorted(name(m) for m in Collection(g, g.value(node, OWL.oneOf)))) + "}"
    return "[ " + " ; ".join(sorted(f"{name(p)} {name(o)}" for p, o in g.predicate_objects(node)
                                    if not isinstance(o, BNode) or depth < 5)) + " ]"


def related(g: Graph, term, p, direction: str) -> list:
    out = set()
    if direction in ("out", "both"):
        out |= {o for o in g.objects(term, p) if o != term}
    if direction in ("in", "both"):
        out |= {s for s in g.subjects(p, term) if s != term}
    return list(out)


def sort_refs(refs: list[dict], lang: str) -> list[dict]:
    """Our terms first, by label in the page's language; then other vocabularies' by prefixed name."""
    return sorted(refs, key=lambda r: (r["code"], collation_key(r["label"].text, lang), r["href"] or ""))


def term_kind(g: Graph, term) -> URIRef | None:
    kinds = set(g.objects(term, RDF.type))
    for k, _, _ in KINDS:
        if k in kinds:
            return k
    return RDFS.Class if RDFS.Class in kinds else RDF.Property if RDF.Property in kinds else None


def term_view(g: Graph, term: URIRef, lang: str, defined: set) -> dict:
    kind = term_kind(g, term)
    rows = CLASS_ROWS if kind in (OWL.Class, RDFS.Class) else PROPERTY_ROWS
    relations = []
    for key, p, direction in rows:
        refs = [ref(g, o, lang, defined) for o in related(g, term, p, direction)]
        if refs:
            relations.append({"key": key, "refs": sort_refs(refs, lang)})
    labels = {tag.split("-")[0]: v for v, tag in texts(g, term, RDFS.label) if tag}
    deprecated = [str(v) for v in g.objects(term, OWL.deprecated)]
    return {
        "id": anchor(g, term), "iri": str(term), "qname": qname(g, term), "ours": is_ours(term),
        "kind": KIND_BADGE.get(kind, "vocab_badge_property"),
        "characteristics": sorted(qname(g, k) for k in g.objects(term, RDF.type)
                                  if isinstance(k, URIRef) and k not in KIND_TYPES),
        "label": label_of(g, term, lang),
        "labels": [(code, labels[code]) for code in LANGS if code in labels]
                  + sorted((code, v) for code, v in labels.items() if code not in LANGS),
        "definitions": notes_in(g, term, SKOS.definition, lang),
        "notes": [{"key": key, "values": notes_in(g, term, p, lang)} for key, p in NOTES if (term, p, None) in g],
        "relations": relations,
        "see_also": sorted(str(o) for o in g.objects(term, RDFS.seeAlso)),
        "defined_by": [ref(g, o, lang, defined) for o in sorted(g.objects(term, RDFS.isDefinedBy), key=str)],
        "version_info": sorted(str(o) for o in g.objects(term, OWL.versionInfo)),
        "deprecated": any(v.lower() in ("true", "1") for v in deprecated),
    }


# -- The order of the page -----------------------------------------------------------------------------

def class_tree(g: Graph, classes: list[URIRef], lang: str) -> list[dict]:
    """The subclass tree of our classes: roots are those with no superclass among them; siblings
    alphabetically by label in ``lang``. A class with two parents appears under both (in the
    contents); a cycle is cut where it closes."""
    ours = set(classes)
    parents = {c: {p for p in g.objects(c, RDFS.subClassOf) if p in ours and p != c} for c in classes}
    children: dict[URIRef, list[URIRef]] = {c: [] for c in classes}
    for c, ps in parents.items():
        for p in ps:
            children[p].append(c)

    def key(c):
        return collation_key(label_of(g, c, lang).text, lang) + (str(c),)

    def node(c, path):
        kids = [node(k, path | {c}) for k in sorted(children[c], key=key) if k not in path | {c}]
        return {"term": c, "id": anchor(g, c), "label": label_of(g, c, lang), "children": kids}

    roots = [c for c in classes if not parents[c]]
    placed = set()

    def walk(n):
        placed.add(n["term"])
        for k in n["children"]:
            walk(k)
    tree = [node(c, set()) for c in sorted(roots, key=key)]
    for n in tree:
        walk(n)
    # Classes only on a cycle of subclasses have no root: list them at the top level too.
    tree += [node(c, set()) for c in sorted((c for c in classes if c not in placed), key=key)]
    return tree


def preorder(tree: list[dict]) -> list[URIRef]:
    out, seen = [], set()

    def visit(n):
        if n["term"] not in seen:
            seen.add(n["term"])
            out.append(n["term"])
        for k in n["children"]:
            visit(k)
    for n in tree:
        visit(n)
    return out


# -- The page's content --------------------------------------------------------------------------------

def documented_terms(g: Graph) -> list[URIRef]:
    """Every IRI the document types as a class or property (ours and other vocabularies' declared here)."""
    kinds = {k for k, _, _ in KINDS} | {RDFS.Class, RDF.Property}
    return sorted({s for k in kinds for s in g.subjects(RDF.type, k) if isinstance(s, URIRef)}, key=str)


def header(g: Graph, ontology: URIRef, lang: str, defined: set) -> dict:
    def links(p):
        return [ref(g, o, lang, defined) if isinstance(o, URIRef) and o in defined else
                {"label": label_of(g, o, lang) if (o, RDFS.label, None) in g else Label(str(o), None, False),
                 "href": str(o) if isinstance(o, URIRef) and (o, RDFS.label, None) not in g else None,
                 "code": False, "external": False, "iri": str(o)}
                for o in sorted(g.objects(ontology, p), key=str)]

    def dates(p):
        return [{"raw": str(o), "text": format_date(str(o), XSD_DATE, lang)} for o in sorted(g.objects(ontology, p), key=str)]

    def local(iri: str) -> str:
        return iri[len("https://w3id.org/cec-kg"):] if iri.startswith("https://w3id.org/cec-kg/") else iri

    versions = {p: [{"iri": str(o), "href": local(str(o))} for o in sorted(g.objects(ontology, p), key=str)]
                for p in (OWL.versionIRI, OWL.priorVersion, OWL.backwardCompatibleWith, OWL.incompatibleWith)}
    return {
        "iri": str(ontology),
        "title": label_of(g, ontology, lang),
        "descriptions": notes_in(g, ontology, DCTERMS.description, lang),
        "rows": [r for r in [
            ("vocab_creator", "agents", links(DCTERMS.creator)),
            ("vocab_contributor", "agents", links(DCTERMS.contributor)),
            ("vocab_publisher", "agents", links(DCTERMS.publisher)),
            ("vocab_created", "dates", dates(DCTERMS.created)),
            ("vocab_modified", "dates", dates(DCTERMS.modified)),
            ("vocab_issued", "dates", dates(DCTERMS.issued)),
            ("licence", "iris", [{"iri": str(o), "href": str(o)} for o in sorted(g.objects(ontology, DCTERMS.license), key=str)]),
            ("vocab_version_iri", "iris", versions[OWL.versionIRI]),
            ("vocab_version_info", "texts", sorted(str(o) for o in g.objects(ontology, OWL.versionInfo))),
            ("vocab_prior_version", "iris", versions[OWL.priorVersion]),
            ("vocab_backward_compatible", "iris", versions[OWL.backwardCompatibleWith]),
            ("vocab_incompatible", "iris", versions[OWL.incompatibleWith]),
            ("vocab_preferred_prefix", "codes", sorted(str(o) for o in g.objects(ontology, URIRef(VANN + "preferredNamespacePrefix")))),
            ("vocab_preferred_namespace", "codes", sorted(str(o) for o in g.objects(ontology, URIRef(VANN + "preferredNamespaceUri")))),
            ("vocab_see_also", "iris", [{"iri": str(o), "href": str(o)} for o in sorted(g.objects(ontology, RDFS.seeAlso), key=str)]),
        ] if r[2]],
        "license": str(g.value(ontology, DCTERMS.license) or "") or None,
    }


def namespaces(g: Graph) -> list[tuple[str, str]]:
    """The prefixes of the namespaces the document uses, by prefix."""
    used = set()
    for triple in g:
        for term in triple:
            if isinstance(term, URIRef):
                name = qname(g, term)
                if name != str(term):
                    used.add(name.split(":", 1)[0])
            elif isinstance(term, Literal) and term.datatype:
                name = qname(g, term.datatype)
                if name != str(term.datatype):
                    used.add(name.split(":", 1)[0])
    return sorted((p, PREFIXES[p]) for p in used)


def documentation(g: Graph, lang: str) -> dict:
    """Everything the page shows, in the page's order."""
    onto = next(iter(sorted(g.subjects(RDF.type, OWL.Ontology), key=str)), URIRef(ONTOLOGY_IRI))
    everything = documented_terms(g)
    defined = set(everything)
    ours = [t for t in everything if is_ours(t)]
    by_kind: dict = {k: [] for k, _, _ in KINDS}
    for t in ours:
        kind = term_kind(g, t)
        by_kind[kind if kind in by_kind else (OWL.Class if kind == RDFS.Class else OWL.ObjectProperty)].append(t)
    tree = class_tree(g, by_kind[OWL.Class], lang)
    sections = []
    for kind, key, section_id in KINDS:
        members = (preorder(tree) if kind == OWL.Class else
                   sorted(by_kind[kind], key=lambda t: collation_key(label_of(g, t, lang).text, lang) + (str(t),)))
        if members:
            sections.append({"id": section_id, "key": key, "terms": [term_view(g, t, lang, defined) for t in members],
                             "tree": tree if kind == OWL.Class else None})
    others = [term_view(g, t, lang, defined) for t in sorted((t for t in everything if not is_ours(t)),
                                                               key=lambda t: qname(g, t))]
    return {"header": header(g, onto, lang, defined), "sections": sections, "others": others,
            "namespaces": namespaces(g)}
