"""The user-interface languages (en, es, fr): choosing one, UI strings, and formatting values in it.

The language is chosen by ``?lang=`` (wins) or by ``Accept-Language`` (werkzeug's ``best_match``),
English by default. Labels of the *data* come from the graph (see ``pick_label``); a label missing in
the chosen language falls back to another language and says so (``Label.fallback``), never silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Request

from ..graph.namespaces import DATASET_DESCRIPTION, DATASET_TITLE

LANGS = ("en", "es", "fr")
DEFAULT_LANG = "en"
LANG_NAMES = {"en": "English", "es": "Español", "fr": "Français"}

# UI strings. Keys are English-ish identifiers; every key has all three languages (tested).
STRINGS: dict[str, dict[str, str]] = {
    "site_title": DATASET_TITLE,
    "tagline": DATASET_DESCRIPTION,
    "home": {"en": "Home", "es": "Inicio", "fr": "Accueil"},
    "vocabulary": {"en": "Vocabulary", "es": "Vocabulario", "fr": "Vocabulaire"},
    "shapes": {"en": "Shapes", "es": "Formas (SHACL)", "fr": "Formes (SHACL)"},
    "sparql": {"en": "SPARQL endpoint", "es": "Punto de acceso SPARQL", "fr": "Point d'accès SPARQL"},
    "dataset": {"en": "Dataset", "es": "Conjunto de datos", "fr": "Jeu de données"},
    "sparql_intro": {"en": "Ask the graph your own questions in SPARQL 1.1. Read-only: GET or POST a query to",
                     "es": "Haga sus propias preguntas al grafo en SPARQL 1.1. Solo lectura: envíe una consulta "
                           "por GET o POST a",
                     "fr": "Posez vos propres questions au graphe en SPARQL 1.1. Lecture seule : envoyez une "
                           "requête par GET ou POST à"},
    "query": {"en": "Query", "es": "Consulta", "fr": "Requête"},
    "result_format": {"en": "Result format", "es": "Formato del resultado", "fr": "Format du résultat"},
    "run_query": {"en": "Run", "es": "Ejecutar", "fr": "Exécuter"},
    "examples": {"en": "Example questions", "es": "Preguntas de ejemplo", "fr": "Questions d'exemple"},
    "limits": {"en": "Limits", "es": "Límites", "fr": "Limites"},
    "service_description": {"en": "Service description", "es": "Descripción del servicio",
                            "fr": "Description du service"},
    "dumps": {"en": "Downloads", "es": "Descargas", "fr": "Téléchargements"},
    "language": {"en": "Language", "es": "Idioma", "fr": "Langue"},
    "types": {"en": "Type", "es": "Tipo", "fr": "Type"},
    "statements": {"en": "Statements", "es": "Afirmaciones", "fr": "Énoncés"},
    "property": {"en": "Property", "es": "Propiedad", "fr": "Propriété"},
    "value": {"en": "Value", "es": "Valor", "fr": "Valeur"},
    "incoming": {"en": "Referenced by", "es": "Referenciado por", "fr": "Référencé par"},
    "sources": {"en": "Sources", "es": "Fuentes", "fr": "Sources"},
    "source_states": {"en": "stated by source", "es": "afirmado por la fuente", "fr": "affirmé par la source"},
    "cite_this": {"en": "Cite this", "es": "Cómo citar", "fr": "Citer cette page"},
    "dataset_version": {"en": "dataset version", "es": "versión del conjunto de datos",
                        "fr": "version du jeu de données"},
    "formats": {"en": "This description as data", "es": "Esta descripción como datos",
                "fr": "Cette description en données"},
    "canonical_iri": {"en": "Identifier", "es": "Identificador", "fr": "Identifiant"},
    "fallback_note": {"en": "not available in English; shown in", "es": "no disponible en español; se muestra en",
                      "fr": "non disponible en français ; affiché en"},
    "no_label": {"en": "no label", "es": "sin etiqueta", "fr": "sans libellé"},
    "entailed_note": {
        "en": "Only statements asserted by a source are shown. The SPARQL endpoint also answers with their RDFS "
              "consequences (graph {graph}).",
        "es": "Solo se muestran las afirmaciones de una fuente. El punto de acceso SPARQL también responde con "
              "sus consecuencias RDFS (grafo {graph}).",
        "fr": "Seuls les énoncés affirmés par une source sont affichés. Le point d'accès SPARQL répond aussi avec "
              "leurs conséquences RDFS (graphe {graph}).",
    },
    "entry_points": {"en": "Start here", "es": "Para empezar", "fr": "Pour commencer"},
    "organization": {"en": "The organization", "es": "La organización", "fr": "L'organisation"},
    "bodies": {"en": "Its bodies", "es": "Sus órganos", "fr": "Ses organes"},
    "parties": {"en": "The Parties", "es": "Las Partes", "fr": "Les Parties"},
    "publications": {"en": "Publications", "es": "Publicaciones", "fr": "Publications"},
    "in_numbers": {"en": "The graph in numbers", "es": "El grafo en cifras", "fr": "Le graphe en chiffres"},
    "n_triples": {"en": "statements (triples)", "es": "afirmaciones (tripletas)", "fr": "énoncés (triplets)"},
    "n_entities": {"en": "described things", "es": "cosas descritas", "fr": "choses décrites"},
    "n_classes": {"en": "classes in use", "es": "clases en uso", "fr": "classes utilisées"},
    "n_properties": {"en": "properties in use", "es": "propiedades en uso", "fr": "propriétés utilisées"},
    "n_sources": {"en": "cited sources", "es": "fuentes citadas", "fr": "sources citées"},
    "for_machines": {"en": "For machines", "es": "Para máquinas", "fr": "Pour les machines"},
    "vocabulary_blurb": {"en": "the OWL vocabulary, its documentation and JSON-LD context",
                         "es": "el vocabulario OWL, su documentación y su contexto JSON-LD",
                         "fr": "le vocabulaire OWL, sa documentation et son contexte JSON-LD"},
    "sparql_blurb": {"en": "ask your own questions in SPARQL 1.1", "es": "haga sus propias preguntas en SPARQL 1.1",
                     "fr": "posez vos propres questions en SPARQL 1.1"},
    "dumps_blurb": {"en": "the whole graph in Turtle, N-Triples, TriG, N-Quads and JSON-LD",
                    "es": "el grafo completo en Turtle, N-Triples, TriG, N-Quads y JSON-LD",
                    "fr": "le graphe complet en Turtle, N-Triples, TriG, N-Quads et JSON-LD"},
    "dataset_blurb": {"en": "its VoID and DCAT description", "es": "su descripción VoID y DCAT",
                      "fr": "sa description VoID et DCAT"},
    "licence": {"en": "Licence", "es": "Licencia", "fr": "Licence"},
    "error": {"en": "Error", "es": "Error", "fr": "Erreur"},
    "api": {"en": "HTTP interface", "es": "Interfaz HTTP", "fr": "Interface HTTP"},
    "api_blurb": {"en": "Every route of this service, its parameters, formats and problems; for programs:",
                  "es": "Cada ruta de este servicio, sus parámetros, formatos y problemas; para programas:",
                  "fr": "Chaque route de ce service, ses paramètres, formats et problèmes ; pour les programmes :"},
    "parameter": {"en": "Parameter", "es": "Parámetro", "fr": "Paramètre"},
    "meaning": {"en": "Meaning", "es": "Significado", "fr": "Signification"},
    "request_body": {"en": "Request body", "es": "Cuerpo de la solicitud", "fr": "Corps de la requête"},
    "request_id": {"en": "Request id (quote it when reporting the problem)",
                   "es": "Identificador de la solicitud (cítelo al informar del problema)",
                   "fr": "Identifiant de la requête (citez-le en signalant le problème)"},
    "back_home": {"en": "Back to the home page", "es": "Volver a la página de inicio",
                  "fr": "Retour à la page d'accueil"},
    "class_partitions": {"en": "Things per class", "es": "Cosas por clase", "fr": "Choses par classe"},
    "property_partitions": {"en": "Statements per property", "es": "Afirmaciones por propiedad",
                            "fr": "Énoncés par propriété"},
    "count": {"en": "count", "es": "número", "fr": "nombre"},
    "file": {"en": "File", "es": "Archivo", "fr": "Fichier"},
    "size": {"en": "Size (bytes)", "es": "Tamaño (bytes)", "fr": "Taille (octets)"},
    "checksum": {"en": "SHA-256", "es": "SHA-256", "fr": "SHA-256"},
    "built_from": {"en": "Built from the same graph the SPARQL endpoint serves.",
                   "es": "Generado a partir del mismo grafo que sirve el punto de acceso SPARQL.",
                   "fr": "Produit à partir du même graphe que celui du point d'accès SPARQL."},
    "shape": {"en": "Shape", "es": "Forma", "fr": "Forme"},
    "target": {"en": "Applies to", "es": "Se aplica a", "fr": "S'applique à"},
    "severity": {"en": "Severity", "es": "Gravedad", "fr": "Gravité"},
    "message": {"en": "Message", "es": "Mensaje", "fr": "Message"},
    "path": {"en": "Path", "es": "Ruta", "fr": "Chemin"},
}

# Labels of the reused standard terms the pages show, for when the vocabulary itself does not label
# them (it labels every cec: term). These are UI strings, not facts about the CEC.
STANDARD_LABELS: dict[str, dict[str, str]] = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": {"en": "type", "es": "tipo", "fr": "type"},
    "http://www.w3.org/2000/01/rdf-schema#label": {"en": "label", "es": "etiqueta", "fr": "libellé"},
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": {"en": "see also", "es": "véase también", "fr": "voir aussi"},
    "http://www.w3.org/2004/02/skos/core#prefLabel": {"en": "name", "es": "nombre", "fr": "nom"},
    "http://www.w3.org/2004/02/skos/core#altLabel": {"en": "other name", "es": "otro nombre", "fr": "autre nom"},
    "http://www.w3.org/2004/02/skos/core#definition": {"en": "definition", "es": "definición", "fr": "définition"},
    "http://www.w3.org/2004/02/skos/core#scopeNote": {"en": "note", "es": "nota", "fr": "note"},
    "http://www.w3.org/2004/02/skos/core#inScheme": {"en": "in scheme", "es": "en el esquema", "fr": "dans le schéma"},
    "http://purl.org/dc/terms/title": {"en": "title", "es": "título", "fr": "titre"},
    "http://purl.org/dc/terms/description": {"en": "description", "es": "descripción", "fr": "description"},
    "http://purl.org/dc/terms/identifier": {"en": "identifier", "es": "identificador", "fr": "identifiant"},
    "http://purl.org/dc/terms/issued": {"en": "issued", "es": "publicado", "fr": "publié"},
    "http://purl.org/dc/terms/date": {"en": "date", "es": "fecha", "fr": "date"},
    "http://purl.org/dc/terms/isPartOf": {"en": "part of", "es": "parte de", "fr": "fait partie de"},
    "http://purl.org/dc/terms/accrualPeriodicity": {"en": "frequency", "es": "frecuencia", "fr": "fréquence"},
    "http://purl.org/dc/terms/bibliographicCitation": {"en": "citation", "es": "cita", "fr": "citation"},
    "http://www.w3.org/2002/07/owl#sameAs": {"en": "same as", "es": "igual a", "fr": "identique à"},
    "http://www.w3.org/ns/org#hasUnit": {"en": "has unit", "es": "tiene la unidad", "fr": "a pour unité"},
    "http://www.w3.org/ns/org#unitOf": {"en": "unit of", "es": "unidad de", "fr": "unité de"},
    "http://www.w3.org/ns/org#reportsTo": {"en": "reports to", "es": "rinde cuentas a", "fr": "relève de"},
    "http://www.w3.org/ns/org#hasPrimarySite": {"en": "primary site", "es": "sede principal", "fr": "site principal"},
    "http://www.w3.org/ns/org#siteAddress": {"en": "address", "es": "dirección", "fr": "adresse"},
    "http://www.w3.org/ns/org#heldBy": {"en": "held by", "es": "ocupado por", "fr": "occupé par"},
    "http://www.w3.org/ns/org#holds": {"en": "holds", "es": "ocupa", "fr": "occupe"},
    "http://www.w3.org/ns/org#postIn": {"en": "post in", "es": "cargo en", "fr": "poste dans"},
    "http://www.w3.org/ns/org#member": {"en": "member", "es": "miembro", "fr": "membre"},
    "http://www.w3.org/ns/org#organization": {"en": "organization", "es": "organización", "fr": "organisation"},
    "http://www.w3.org/ns/org#role": {"en": "role", "es": "función", "fr": "rôle"},
    "http://www.w3.org/ns/org#memberDuring": {"en": "member during", "es": "miembro durante", "fr": "membre pendant"},
    "https://schema.org/foundingDate": {"en": "founded", "es": "fundación", "fr": "fondation"},
    "https://schema.org/founder": {"en": "founder", "es": "fundador", "fr": "fondateur"},
    "https://schema.org/isbn": {"en": "ISBN", "es": "ISBN", "fr": "ISBN"},
    "https://schema.org/location": {"en": "location", "es": "ubicación", "fr": "lieu"},
    "https://schema.org/streetAddress": {"en": "street address", "es": "dirección", "fr": "adresse"},
    "https://schema.org/addressLocality": {"en": "city", "es": "ciudad", "fr": "ville"},
    "https://schema.org/addressRegion": {"en": "region", "es": "región", "fr": "région"},
    "https://schema.org/addressCountry": {"en": "country", "es": "país", "fr": "pays"},
    "https://schema.org/isPartOf": {"en": "part of", "es": "parte de", "fr": "fait partie de"},
    "https://schema.org/hasPart": {"en": "has part", "es": "tiene como parte", "fr": "comprend"},
    "http://www.w3.org/ns/prov#wasDerivedFrom": {"en": "derived from", "es": "derivado de", "fr": "dérivé de"},
    "http://www.w3.org/ns/prov#wasAttributedTo": {"en": "attributed to", "es": "atribuido a", "fr": "attribué à"},
    "http://purl.org/dc/terms/language": {"en": "language", "es": "idioma", "fr": "langue"},
    "http://purl.org/dc/terms/publisher": {"en": "publisher", "es": "editor", "fr": "éditeur"},
    "http://purl.org/dc/terms/relation": {"en": "related to", "es": "relacionado con", "fr": "lié à"},
    "http://purl.org/dc/terms/subject": {"en": "subject", "es": "tema", "fr": "sujet"},
    "http://purl.org/dc/terms/source": {"en": "source", "es": "fuente", "fr": "source"},
    "http://purl.org/dc/terms/temporal": {"en": "period", "es": "período", "fr": "période"},
    "http://purl.org/dc/terms/dateSubmitted": {"en": "date submitted", "es": "fecha de presentación",
                                              "fr": "date de dépôt"},
    "http://www.w3.org/2004/02/skos/core#hasTopConcept": {"en": "top concept", "es": "concepto principal",
                                                          "fr": "concept de tête"},
    "http://www.w3.org/2004/02/skos/core#topConceptOf": {"en": "top concept of", "es": "concepto principal de",
                                                         "fr": "concept de tête de"},
    "http://www.w3.org/ns/org#changedBy": {"en": "changed by", "es": "modificado por", "fr": "modifié par"},
    "http://www.w3.org/ns/org#hasPost": {"en": "has post", "es": "tiene el cargo", "fr": "a pour poste"},
    "http://www.w3.org/ns/org#originalOrganization": {"en": "original organization", "es": "organización original",
                                                      "fr": "organisation d'origine"},
    "http://www.w3.org/ns/org#resultingOrganization": {"en": "resulting organization",
                                                       "es": "organización resultante",
                                                       "fr": "organisation résultante"},
    "https://schema.org/containedInPlace": {"en": "located in", "es": "situado en", "fr": "situé dans"},
    "https://schema.org/isAccessibleForFree": {"en": "free of charge", "es": "gratuito", "fr": "gratuit"},
    "https://schema.org/jobTitle": {"en": "job title", "es": "cargo", "fr": "titre du poste"},
    "https://schema.org/publisher": {"en": "publisher", "es": "editor", "fr": "éditeur"},
    "https://schema.org/member": {"en": "member", "es": "miembro", "fr": "membre"},
    "http://www.w3.org/ns/prov#wasAssociatedWith": {"en": "associated with", "es": "asociado con",
                                                    "fr": "associé à"},
    "http://www.w3.org/2006/time#hasBeginning": {"en": "beginning", "es": "inicio", "fr": "début"},
    "http://www.w3.org/2006/time#hasEnd": {"en": "end", "es": "fin", "fr": "fin"},
    "http://www.w3.org/2006/time#inXSDgYear": {"en": "year", "es": "año", "fr": "année"},
    "https://schema.org/logo": {"en": "logo", "es": "logotipo", "fr": "logo"},
    "https://schema.org/name": {"en": "name", "es": "nombre", "fr": "nom"},
    # Classes the data uses directly (the "Type" line of a page).
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": {"en": "Concept Scheme", "es": "Esquema de Conceptos",
                                                           "fr": "Schéma de Concepts"},
    "http://www.w3.org/2006/time#Instant": {"en": "Instant", "es": "Instante", "fr": "Instant"},
    "http://www.w3.org/2006/time#Interval": {"en": "Interval", "es": "Intervalo", "fr": "Intervalle"},
    "http://www.w3.org/ns/org#Organization": {"en": "Organization", "es": "Organización", "fr": "Organisation"},
    "http://www.w3.org/ns/org#Site": {"en": "Site", "es": "Sede", "fr": "Site"},
    "http://www.w3.org/ns/prov#Entity": {"en": "Entity", "es": "Entidad", "fr": "Entité"},
    "http://xmlns.com/foaf/0.1/Person": {"en": "Person", "es": "Persona", "fr": "Personne"},
    "https://schema.org/Person": {"en": "Person", "es": "Persona", "fr": "Personne"},
    "https://schema.org/AdministrativeArea": {"en": "Administrative Area", "es": "División Administrativa",
                                              "fr": "Division Administrative"},
    "https://schema.org/City": {"en": "City", "es": "Ciudad", "fr": "Ville"},
    "https://schema.org/Collection": {"en": "Collection", "es": "Colección", "fr": "Collection"},
    "https://schema.org/Dataset": {"en": "Dataset", "es": "Conjunto de Datos", "fr": "Jeu de Données"},
    "https://schema.org/ImageObject": {"en": "Image", "es": "Imagen", "fr": "Image"},
    "https://schema.org/PostalAddress": {"en": "Postal Address", "es": "Dirección Postal", "fr": "Adresse Postale"},
    "https://schema.org/WebSite": {"en": "Website", "es": "Sitio Web", "fr": "Site Web"},
}

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
}
DURATION_UNITS = {  # ISO 8601 designator -> (singular, plural) per language
    "Y": {"en": ("year", "years"), "es": ("año", "años"), "fr": ("an", "ans")},
    "M": {"en": ("month", "months"), "es": ("mes", "meses"), "fr": ("mois", "mois")},
    "D": {"en": ("day", "days"), "es": ("día", "días"), "fr": ("jour", "jours")},
}


def choose_lang(request: Request) -> tuple[str, bool]:
    """The page language and whether it was chosen explicitly with ``?lang=``."""
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in LANGS:
        return asked, True
    return request.accept_languages.best_match(LANGS, default=DEFAULT_LANG) or DEFAULT_LANG, False


def t(key: str, lang: str) -> str:
    return STRINGS[key].get(lang) or STRINGS[key][DEFAULT_LANG]


@dataclass(frozen=True)
class Label:
    """A label to show, in ``lang``; ``fallback`` is true when it is not in the language asked for."""

    text: str
    lang: str | None
    fallback: bool


def pick_label(candidates: list[tuple[str, str | None]], lang: str) -> Label | None:
    """Best of (text, language tag) pairs for ``lang``: exact language, then English, then untagged, then any."""
    if not candidates:
        return None
    by_lang: dict[str | None, str] = {}
    for text, tag in sorted(candidates):
        base = tag.split("-")[0].lower() if tag else None
        by_lang.setdefault(base, text)
    if lang in by_lang:
        return Label(by_lang[lang], lang, False)
    for other in (DEFAULT_LANG, None, *sorted(k for k in by_lang if k)):
        if other in by_lang:
            return Label(by_lang[other], other, True)
    return None


_DATE = re.compile(r"^(-?\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$")
_YEAR_MONTH = re.compile(r"^(-?\d{4})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")
XSD = "http://www.w3.org/2001/XMLSchema#"


def format_date(value: str, datatype: str, lang: str) -> str:
    """xsd:date, xsd:gYearMonth, xsd:gYear as people write them in ``lang``; anything else unchanged."""
    if datatype == XSD + "date" and (m := _DATE.match(value)):
        y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
        month = MONTHS[lang][mo - 1]
        if lang == "en":
            return f"{d} {month} {y}"
        if lang == "es":
            return f"{d} de {month} de {y}"
        return f"{'1er' if d == 1 else d} {month} {y}"
    if datatype == XSD + "gYearMonth" and (m := _YEAR_MONTH.match(value)):
        y, mo = m.group(1), int(m.group(2))
        month = MONTHS[lang][mo - 1]
        return f"{month} de {y}" if lang == "es" else f"{month.capitalize() if lang == 'en' else month} {y}"
    return value


def format_number(value: str, lang: str) -> str:
    """Integers with the language's digit grouping (en 35,000 · es 35.000 · fr 35 000)."""
    try:
        n = int(value)
    except ValueError:
        return value
    grouped = f"{n:,}"
    if lang == "es":
        return grouped.replace(",", ".") if abs(n) >= 10_000 else str(n)
    if lang == "fr":
        return grouped.replace(",", "\u202f")
    return grouped


def format_duration(value: str, lang: str) -> str:
    m = _DURATION.match(value)
    if not m or not any(m.groups()):
        return value
    parts = []
    for amount, unit in zip(m.groups(), "YMD"):
        if amount:
            one, many = DURATION_UNITS[unit][lang]
            parts.append(f"{int(amount)} {one if int(amount) == 1 else many}")
    return ", ".join(parts)


DATE_TYPES = {XSD + "date", XSD + "gYearMonth", XSD + "gYear", XSD + "dateTime"}
INTEGER_TYPES = {XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "int", "long")}


def format_literal(value: str, datatype: str | None, lang: str) -> str:
    if not datatype:
        return value
    if datatype in DATE_TYPES:
        return format_date(value, datatype, lang)
    if datatype in INTEGER_TYPES:
        return format_number(value, lang)
    if datatype == XSD + "duration":
        return format_duration(value, lang)
    return value
