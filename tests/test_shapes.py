"""SHACL: the real graph conforms, every broken fixture fails for its stated focus node and shape,
every class used in the data has a shape, and the shapes themselves follow the conventions."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SH

from cec_kg.graph import paths, validate
from cec_kg.graph.namespaces import SH_CEC

FIXTURES = Path(__file__).parent / "fixtures" / "broken"
FIXTURE_FILES = sorted(FIXTURES.glob("*.ttl"))
SHAPE_FILES = [paths.SHAPES_DIR / "core.ttl", paths.SHAPES_DIR / "recommended.ttl"]
HEADER = re.compile(r"^# expect-(focus|shape|severity):\s*(\S+)\s*$", re.M)


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return validate.load_shapes()


@pytest.fixture(scope="session")
def ontology() -> Graph:
    return validate.load_ontology()


@pytest.fixture(scope="session")
def asserted() -> tuple[Graph, Graph]:
    return validate.asserted_data()


@pytest.fixture(scope="session")
def real_findings(asserted, shapes):
    data, ontology = asserted
    return validate.check(data, ontology, shapes)


def expectations(path: Path) -> tuple[URIRef, set[URIRef], URIRef]:
    """The fixture's header: (focus node, shapes it must fail, severity)."""
    fields: dict[str, list[str]] = {}
    for key, value in HEADER.findall(path.read_text(encoding="utf-8")):
        fields.setdefault(key, []).append(value.strip("<>"))
    assert len(fields.get("focus", [])) == 1, f"{path.name}: needs exactly one '# expect-focus: <IRI>' line"
    assert fields.get("shape"), f"{path.name}: needs at least one '# expect-shape: <IRI>' line"
    severity = SH[fields.get("severity", ["Violation"])[0]]
    return URIRef(fields["focus"][0]), {URIRef(s) for s in fields["shape"]}, severity


# -- The real graph ----------------------------------------------------------------------------------

def test_real_graph_has_no_violations(real_findings):
    violations = [f for f in real_findings if f.is_violation]
    assert not violations, validate.format_report(violations, heading="violations in the real graph")


def test_validate_reports_conformance():
    conforms, report = validate.validate()
    assert conforms, report
    assert "Result: CONFORMS" in report, f"the report must state the verdict:\n{report}"


def test_every_class_in_the_data_has_a_shape(asserted, shapes):
    data, _ontology = asserted
    used = set(data.objects(None, RDF.type))
    targeted = set(shapes.objects(None, SH.targetClass))
    missing = sorted(validate.compact(str(c)) for c in used - targeted)
    assert not missing, f"classes instantiated in data/ without a node shape targeting them: {missing}"


def test_shapes_target_only_classes_that_exist(shapes, ontology, asserted):
    data, _ = asserted
    known = set(data.objects(None, RDF.type)) | set(ontology.subjects(RDF.type, OWL.Class))
    stray = sorted(validate.compact(str(c)) for c in set(shapes.objects(None, SH.targetClass)) - known)
    assert not stray, f"shapes target classes neither used in the data nor defined in the vocabulary: {stray}"


# -- Broken fixtures ---------------------------------------------------------------------------------

def test_enough_broken_fixtures():
    assert len(FIXTURE_FILES) >= 10, f"only {len(FIXTURE_FILES)} broken fixtures in {FIXTURES}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_broken_fixture_fails_for_its_focus_and_shape(path, shapes, ontology):
    focus, expected_shapes, severity = expectations(path)
    for shape in expected_shapes:
        assert (shape, None, None) in shapes, f"{path.name}: expected shape {shape} is not in shapes/"
    findings = validate.check(Graph().parse(path, format="turtle"), ontology, shapes)
    report = validate.format_report(findings, heading=path.name)
    got = {(f.focus, f.shape) for f in findings if f.severity == severity}
    for shape in expected_shapes:
        assert (focus, shape) in got, f"{path.name}: no {severity.fragment} for {focus} from {shape}\n{report}"
    # One defect per fixture: nothing else fails at that severity (and a warning fixture has no violation).
    assert got == {(focus, s) for s in expected_shapes}, f"{path.name}: more than the stated defect fails\n{report}"
    if severity != SH.Violation:
        assert not any(f.is_violation for f in findings), f"{path.name}: a warning fixture must not violate\n{report}"


def test_fixture_defects_are_real(shapes, ontology):
    """The fixtures' valid neighbours are valid: removing the focus node's triples leaves no result of
    the stated shapes (so each fixture fails because of its defect, not its scaffolding)."""
    for path in FIXTURE_FILES:
        focus, expected_shapes, _ = expectations(path)
        g = Graph().parse(path, format="turtle")
        g.remove((focus, None, None))
        left = {(f.focus, f.shape) for f in validate.check(g, ontology, shapes)} & {(focus, s) for s in expected_shapes}
        assert not left, f"{path.name}: {left} fail even without the focus node's triples"


# -- The shapes themselves ---------------------------------------------------------------------------

def test_shapes_are_valid_shacl(shapes):
    shacl_shacl = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    conforms, _g, text = pyshacl.validate(shapes, shacl_graph=Graph().parse(shacl_shacl, format="turtle"))
    assert conforms, f"shapes/ does not conform to SHACL-SHACL:\n{text}"


@pytest.mark.parametrize("path", SHAPE_FILES, ids=[p.name for p in SHAPE_FILES])
def test_shape_file_header(path):
    g = Graph().parse(path, format="turtle")
    headers = list(g.subjects(RDF.type, OWL.Ontology))
    assert len(headers) == 1, f"{path.name}: needs exactly one owl:Ontology header, found {headers}"
    h = headers[0]
    assert str(h).startswith(str(SH_CEC)), f"{path.name}: header {h} outside {SH_CEC}"
    version = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert str(g.value(h, OWL.versionInfo)) == version, f"{path.name}: owl:versionInfo must be the project version {version}"
    assert version in str(g.value(h, OWL.versionIRI)), f"{path.name}: owl:versionIRI must name version {version}"
    for p in ("title", "license", "description"):
        assert g.value(h, URIRef("http://purl.org/dc/terms/" + p)) is not None, f"{path.name}: header lacks dcterms:{p}"


@pytest.mark.parametrize("path", SHAPE_FILES, ids=[p.name for p in SHAPE_FILES])
def test_property_shapes_are_named_with_a_message(path):
    g = Graph().parse(path, format="turtle")
    problems = []
    for node_shape in g.subjects(RDF.type, SH.NodeShape):
        if not isinstance(node_shape, URIRef):
            problems.append(f"anonymous node shape {node_shape}")
        for ps in g.objects(node_shape, SH.property):
            name = validate.compact(str(ps)) if isinstance(ps, URIRef) else f"a blank property shape of {node_shape}"
            if not isinstance(ps, URIRef):
                problems.append(f"{name}: property shapes must be named (an IRI)")
                continue
            if g.value(ps, SH.name) is None:
                problems.append(f"{name}: no sh:name")
            messages = [m for m in g.objects(ps, SH.message)] + [
                m for c in g.objects(ps, SH.sparql) for m in g.objects(c, SH.message)]
            if not any(getattr(m, "language", None) == "en" for m in messages):
                problems.append(f"{name}: no sh:message@en saying how to fix the data")
    assert not problems, "\n".join(problems)


def messages_of(g: Graph, node) -> list:
    """A shape's sh:message values, and those of its SPARQL constraints."""
    return list(g.objects(node, SH.message)) + [m for c in g.objects(node, SH.sparql) for m in g.objects(c, SH.message)]


@pytest.mark.parametrize("path", SHAPE_FILES, ids=[p.name for p in SHAPE_FILES])
def test_every_message_in_english_spanish_and_french(path):
    """Every shape that has a message has exactly one in English, one in Spanish and one in French (pyshacl
    copies them all into sh:resultMessage; reports and /shapes pick the reader's)."""
    g = Graph().parse(path, format="turtle")
    holders = set(g.subjects(SH.message, None))
    assert len(holders) >= 10, f"{path.name}: only {len(holders)} shapes with a message"
    problems = []
    for node in sorted(holders, key=str):
        langs = sorted(getattr(m, "language", None) or "untagged" for m in g.objects(node, SH.message))
        if langs != ["en", "es", "fr"]:
            name = validate.compact(str(node)) if isinstance(node, URIRef) else f"a constraint of {validate.compact(str(next(g.subjects(SH.sparql, node), node)))}"
            problems.append(f"{name}: messages in {langs}, need exactly en, es, fr")
        texts = [str(m) for m in g.objects(node, SH.message)]
        if len(set(texts)) != len(texts):
            problems.append(f"{node}: two languages share the same text (untranslated?)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SHAPE_FILES, ids=[p.name for p in SHAPE_FILES])
def test_every_name_in_english_spanish_and_french(path):
    """Shapes' sh:names (the /shapes page's "Shape" column) are in the three languages too."""
    g = Graph().parse(path, format="turtle")
    named = set(g.subjects(SH.name, None))
    problems = [f"{validate.compact(str(n)) if isinstance(n, URIRef) else n}: names in {langs}"
                for n in sorted(named, key=str)
                if (langs := sorted(getattr(m, "language", None) or "untagged" for m in g.objects(n, SH.name)))
                != ["en", "es", "fr"]]
    assert named and not problems, "\n".join(problems)


@pytest.mark.parametrize("lang, words, message", [
    ("en", ("Result: FAILS", "== Violations (1) =="), "A factual record needs exactly one dcterms:issued year"),
    ("es", ("Resultado: NO CONFORME", "== Infracciones (1) =="), "Un expediente de hechos necesita exactamente un año"),
    ("fr", ("Résultat : NON CONFORME", "== Violations (1) =="), "Un dossier factuel a besoin d’exactement une année"),
])
def test_report_of_a_broken_graph_speaks_the_language_asked(shapes, ontology, lang, words, message):
    findings = validate.check(Graph().parse(FIXTURES / "factual-record-two-issued-years.ttl", format="turtle"),
                              ontology, shapes)
    report = validate.format_report(findings, lang=lang)
    for text in (*words, message):
        assert text in report, f"{lang}: the report lacks {text!r}:\n{report}"
    others = {"en": "A factual record needs", "es": "Un expediente de hechos", "fr": "Un dossier factuel"}
    for other, text in others.items():
        if other != lang:
            assert text not in report, f"{lang}: the report also gives the {other} message:\n{report}"


def test_severity_split():
    core = Graph().parse(SHAPE_FILES[0], format="turtle")
    recommended = Graph().parse(SHAPE_FILES[1], format="turtle")
    assert not set(core.objects(None, SH.severity)) - {SH.Violation}, "core.ttl holds Violations only"
    shapes_in_rec = set(recommended.subjects(RDF.type, SH.NodeShape)) | set(recommended.objects(None, SH.property))
    lax = sorted(str(s) for s in shapes_in_rec if recommended.value(s, SH.severity) != SH.Warning)
    assert not lax, f"recommended.ttl: every shape needs its own sh:severity sh:Warning: {lax}"
    clash = set(core.subjects(SH.path, None)) & set(recommended.subjects(SH.path, None))
    assert not clash, f"shape IRIs defined in both files: {clash}"


# -- The command -------------------------------------------------------------------------------------

def test_cli_validate_exits_zero_on_the_real_graph():
    # --lang en: whatever the locale of the machine running the tests (a fr_CA locale means French).
    run = subprocess.run([sys.executable, "-m", "cec_kg", "validate", "--lang", "en"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, f"cec-kg validate failed:\n{run.stdout}\n{run.stderr}"
    assert "Result: CONFORMS" in run.stdout, run.stdout


def test_cli_validate_exits_non_zero_on_a_violation(tmp_path):
    """A copy of the repository with one broken data file: the command fails and names the defect."""
    root = tmp_path / "repo"
    for d in ("ontology", "data", "shapes"):
        shutil.copytree(paths.ROOT / d, root / d, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    broken = FIXTURES / "factual-record-two-issued-years.ttl"
    shutil.copy(broken, root / "data" / "seed" / "zz-broken.ttl")
    # The locale picks the report's language (the shapes' messages are in en, es and fr).
    env = {"CEC_KG_ROOT": str(root), "CEC_KG_BUILD": str(tmp_path / "build"), "PATH": "/usr/bin:/bin",
           "LANG": "es_MX.UTF-8"}
    run = subprocess.run([sys.executable, "-m", "cec_kg", "validate"], capture_output=True, text=True,
                         timeout=300, env=env)
    assert run.returncode == 1, f"expected exit 1 on a violation, got {run.returncode}:\n{run.stdout}\n{run.stderr}"
    assert "Resultado: NO CONFORME" in run.stdout and "shapes:FactualRecord-issued-year" in run.stdout, run.stdout
    assert "Un expediente de hechos necesita exactamente un año dcterms:issued" in run.stdout, run.stdout
