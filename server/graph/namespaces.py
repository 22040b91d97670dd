"""The IRIs the project mints and the vocabularies it reuses (one place, imported everywhere)."""
from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, TIME, VANN, VOID, XSD

BASE = "https://w3id.org/cec-kg/"
CEC = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
SH_CEC = Namespace(BASE + "shapes#")
SOURCE = Namespace(BASE + "source/")
GRAPH = Namespace(BASE + "graph/")

ONTOLOGY_IRI = BASE + "ontology"
DATASET_IRI = BASE + "dataset"
# The dataset's title and description in the three languages (VoID/DCAT and the pages' headers).
DATASET_TITLE = {"en": "CEC Knowledge Graph", "es": "Grafo de conocimiento de la CCA",
                 "fr": "Graphe de connaissances de la CCE"}
DATASET_DESCRIPTION = {
    "en": "Linked open data about the Commission for Environmental Cooperation of Canada, Mexico and the United States.",
    "es": "Datos abiertos enlazados sobre la Comisión para la Cooperación Ambiental de Canadá, México y Estados Unidos.",
    "fr": "Données ouvertes liées sur la Commission de coopération environnementale du Canada, du Mexique et des États-Unis.",
}
# Named graphs of the served dataset (see data/README.md).
SEED_GRAPH = SOURCE["seed"]
PROVENANCE_GRAPH = GRAPH["provenance"]
ONTOLOGY_GRAPH = ONTOLOGY_IRI
ENTAILMENT_GRAPH = GRAPH["entailments"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

PREFIXES = {
    "cec": str(CEC), "id": str(ID), "org": str(ORG), "schema": str(SDO), "skos": str(SKOS),
    "dcterms": str(DCTERMS), "prov": str(PROV), "time": str(TIME), "owl": str(OWL), "rdf": str(RDF),
    "rdfs": str(RDFS), "xsd": str(XSD), "foaf": str(FOAF), "void": str(VOID), "dcat": str(DCAT),
    "vann": str(VANN), "sd": str(SD),
}

# The languages the graph, its vocabulary, shapes and pages are written in (labels, messages, UI).
LANGS = ("en", "es", "fr")
