"""The user-interface languages (en, es, fr): choosing one, UI strings, and formatting values in it.

The language is chosen by ``?lang=`` (wins) or by ``Accept-Language`` (werkzeug's ``best_match``),
English by default. Labels of the *data* come from the graph (see ``pick_label``); a label missing in
the chosen language falls back to another language and says so (``Label.fallback``), never silently.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel import units as babel_units
from flask import Request

from ..graph.namespaces import DATASET_DESCRIPTION, DATASET_TITLE, LANGS

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
    "size": {"en": "Size", "es": "Tamaño", "fr": "Taille"},
    "checksum": {"en": "SHA-256", "es": "SHA-256", "fr": "SHA-256"},
    "built_from": {"en": "Built from the same graph the SPARQL endpoint serves.",
                   "es": "Generado a partir del mismo grafo que sirve el punto de acceso SPARQL.",
                   "fr": "Produit à partir du même graphe que celui du point d'accès SPARQL."},
    "shape": {"en": "Shape", "es": "Forma", "fr": "Forme"},
    "target": {"en": "Applies to", "es": "Se aplica a", "fr": "S'applique à"},
    "severity": {"en": "Severity", "es": "Gravedad", "fr": "Gravité"},
    "message": {"en": "Message", "es": "Mensaje", "fr": "Message"},
    "path": {"en": "Path", "es": "Ruta", "fr": "Chemin"},
    # The vocabulary page's reuse section.
    "reuse": {"en": "Reusing this vocabulary", "es": "Reutilizar este vocabulario", "fr": "Réutiliser ce vocabulaire"},
    "reuse_import": {
        "en": "Import the version you build on: its version IRI serves an immutable snapshot.",
        "es": "Importe la versión sobre la que trabaja: su IRI de versión sirve una instantánea inmutable.",
        "fr": "Importez la version sur laquelle vous bâtissez : son IRI de version sert un instantané immuable."},
    "reuse_prefix": {"en": "The prefix:", "es": "El prefijo:", "fr": "Le préfixe :"},
    "reuse_context": {"en": "The JSON-LD context, generated from the vocabulary:",
                      "es": "El contexto JSON-LD, generado a partir del vocabulario:",
                      "fr": "Le contexte JSON-LD, produit à partir du vocabulaire :"},
    "reuse_cite": {"en": "How to cite it (CC BY 4.0):", "es": "Cómo citarlo (CC BY 4.0):",
                   "fr": "Comment le citer (CC BY 4.0) :"},
    "reuse_mapping": {
        "en": "Every term refines standard terms, so a consumer who knows only W3C ORG, schema.org, PROV-O, "
              "Dublin Core or SKOS finds the data:",
        "es": "Cada término refina términos estándar, de modo que quien solo conoce W3C ORG, schema.org, PROV-O, "
              "Dublin Core o SKOS encuentra los datos:",
        "fr": "Chaque terme affine des termes standard : qui ne connaît que W3C ORG, schema.org, PROV-O, "
              "Dublin Core ou SKOS trouve les données :"},
    "term": {"en": "Term", "es": "Término", "fr": "Terme"},
    "refines": {"en": "Refines", "es": "Refina", "fr": "Affine"},
    # Query results (web/results.py)
    "results": {"en": "Results", "es": "Resultados", "fr": "Résultats"},
    "n_rows": {"en": "{n} rows", "es": "{n} filas", "fr": "{n} lignes"},
    "showing": {"en": "rows {first}–{last}", "es": "filas {first}–{last}", "fr": "lignes {first} à {last}"},
    "cached": {"en": "already computed", "es": "ya calculado", "fr": "déjà calculé"},
    "truncated": {"en": "Only the first {cap} rows were kept: add LIMIT and OFFSET to page through the rest.",
                  "es": "Solo se conservaron las primeras {cap} filas: añada LIMIT y OFFSET para recorrer el resto.",
                  "fr": "Seules les {cap} premières lignes ont été gardées : ajoutez LIMIT et OFFSET pour parcourir "
                        "la suite."},
    "no_results": {"en": "No rows: nothing in the graph matches this query.",
                   "es": "Ninguna fila: nada en el grafo coincide con esta consulta.",
                   "fr": "Aucune ligne : rien dans le graphe ne correspond à cette requête."},
    "answer_true": {"en": "Yes", "es": "Sí", "fr": "Oui"},
    "answer_false": {"en": "No", "es": "No", "fr": "Non"},
    "subject": {"en": "subject", "es": "sujeto", "fr": "sujet"},
    "predicate": {"en": "predicate", "es": "predicado", "fr": "prédicat"},
    "object": {"en": "object", "es": "objeto", "fr": "objet"},
    "pages": {"en": "Pages", "es": "Páginas", "fr": "Pages"},
    "previous": {"en": "previous", "es": "anterior", "fr": "précédente"},
    "next": {"en": "next", "es": "siguiente", "fr": "suivante"},
    "search": {"en": "Search", "es": "Buscar", "fr": "Rechercher"},
    "search_placeholder": {"en": "Search names, titles, abbreviations…", "es": "Buscar nombres, títulos, siglas…",
                           "fr": "Rechercher noms, titres, sigles…"},
    "search_results": {"en": "{n} results for “{q}”", "es": "{n} resultados para «{q}»",
                       "fr": "{n} résultats pour « {q} »"},
    "n_things": {"en": "{n} things of this type", "es": "{n} cosas de este tipo", "fr": "{n} choses de ce type"},
    "search_result_one": {"en": "1 result for “{q}”", "es": "1 resultado para «{q}»", "fr": "1 résultat pour « {q} »"},
    "search_none": {"en": "Nothing is called “{q}”. Try fewer words, another spelling or another language.",
                    "es": "Nada se llama «{q}». Pruebe con menos palabras, otra ortografía u otro idioma.",
                    "fr": "Rien ne s'appelle « {q} ». Essayez moins de mots, une autre orthographe ou une autre langue."},
    "search_intro": {"en": "Every name, title and abbreviation in the graph, in English, Spanish and French; "
                           "capitals and accents do not matter.",
                     "es": "Todos los nombres, títulos y siglas del grafo, en inglés, español y francés; "
                           "mayúsculas y acentos no importan.",
                     "fr": "Tous les noms, titres et sigles du graphe, en anglais, en espagnol et en français ; "
                           "majuscules et accents sont indifférents."},
    "filter_by_type": {"en": "Filter by type", "es": "Filtrar por tipo", "fr": "Filtrer par type"},
    "matched": {"en": "matched", "es": "coincide con", "fr": "correspond à"},
    "match_exact": {"en": "exact", "es": "exacto", "fr": "exact"},
    "match_prefix": {"en": "starts with", "es": "empieza por", "fr": "commence par"},
    "match_word": {"en": "words", "es": "palabras", "fr": "mots"},
    "match_fuzzy": {"en": "close spelling", "es": "ortografía parecida", "fr": "orthographe proche"},
    "library_intro": {"en": "The factual records and the Article 13 reports of the CEC, with the date each source gives.",
                      "es": "Los expedientes de hechos y los informes del artículo 13 de la CCA, con la fecha que da cada fuente.",
                      "fr": "Les dossiers factuels et les rapports au titre de l'article 13 de la CCE, avec la date que donne "
                            "chaque source."},
    "type_filter": {"en": "Type", "es": "Tipo", "fr": "Type"},
    "party": {"en": "Party", "es": "Parte", "fr": "Partie"},
    "from_year": {"en": "From", "es": "Desde", "fr": "De"},
    "to_year": {"en": "to", "es": "hasta", "fr": "à"},
    "all": {"en": "all", "es": "todos", "fr": "tous"},
    "apply": {"en": "Show", "es": "Mostrar", "fr": "Afficher"},
    "show_all": {"en": "show all", "es": "mostrar todas", "fr": "tout afficher"},
    "n_publications": {"en": "{n} publications", "es": "{n} publicaciones", "fr": "{n} publications"},
    "year": {"en": "Year", "es": "Año", "fr": "Année"},
    "title": {"en": "Title", "es": "Título", "fr": "Titre"},
    "total": {"en": "Total", "es": "Total", "fr": "Total"},
    "dates_sources": {"en": "Dates and sources", "es": "Fechas y fuentes", "fr": "Dates et sources"},
    "sources_disagree": {"en": "The sources give different years:", "es": "Las fuentes dan años distintos:",
                         "fr": "Les sources donnent des années différentes :"},
    "source_seed": {"en": "seed (Wikipedia)", "es": "fuente principal (Wikipedia)", "fr": "source principale (Wikipédia)"},
    "source_factual_records_registry": {"en": "CEC registry", "es": "registro de la CCA", "fr": "registre de la CCE"},
    "source_article_13_reports": {"en": "publication data", "es": "datos de publicación", "fr": "données de publication"},
    "source_identifiers": {"en": "identifiers", "es": "identificadores", "fr": "identifiants"},
    "no_party": {"en": "no Party", "es": "ninguna Parte", "fr": "aucune Partie"},
    "per_year_title": {"en": "Publications per year", "es": "Publicaciones por año", "fr": "Publications par année"},
    "per_year_desc": {"en": "Columns of publications per year, stacked by the Party they concern ({n} publications).",
                      "es": "Columnas de publicaciones por año, apiladas según la Parte a la que se refieren "
                            "({n} publicaciones).",
                      "fr": "Colonnes de publications par année, empilées selon la Partie concernée ({n} publications)."},
    "per_year_caption": {"en": "Publications per year, by the year the seed gives (a publication about two Parties "
                               "counts for each). A column leads to that year's publications.",
                         "es": "Publicaciones por año, según el año que da la fuente principal (una publicación sobre "
                               "dos Partes cuenta para cada una). Cada columna lleva a las publicaciones de ese año.",
                         "fr": "Publications par année, selon l'année que donne la source principale (une publication "
                               "sur deux Parties compte pour chacune). Chaque colonne mène aux publications de l'année."},
    "chart_as_table": {"en": "The same numbers as a table", "es": "Las mismas cifras en una tabla",
                       "fr": "Les mêmes chiffres en tableau"},
    "org_chart": {"en": "Structure", "es": "Estructura", "fr": "Structure"},
    "org_chart_title": {"en": "Organization chart of the {org}", "es": "Organigrama de la {org}",
                        "fr": "Organigramme de la {org}"},
    "org_chart_desc": {"en": "The Parties, members of the organization; the organization, its posts and the people "
                             "holding them; its units, their posts and the bodies reporting to them.",
                       "es": "Las Partes, miembros de la organización; la organización, sus cargos y las personas que "
                             "los ocupan; sus unidades, sus cargos y los órganos que les rinden cuentas.",
                       "fr": "Les Parties, membres de l'organisation ; l'organisation, ses postes et les personnes qui "
                             "les occupent ; ses unités, leurs postes et les organes qui en relèvent."},
    "org_chart_caption": {"en": "Drawn from the graph (org:unitOf, org:reportsTo, org:postIn, org:heldBy, "
                                "org:memberOf). Every box leads to its page.",
                          "es": "Dibujado a partir del grafo (org:unitOf, org:reportsTo, org:postIn, org:heldBy, "
                                "org:memberOf). Cada recuadro lleva a su página.",
                          "fr": "Tiré du graphe (org:unitOf, org:reportsTo, org:postIn, org:heldBy, org:memberOf). "
                                "Chaque case mène à sa page."},
    "org_chart_as_text": {"en": "The chart as text", "es": "El organigrama como texto", "fr": "L'organigramme en texte"},
    "org_members": {"en": "Members:", "es": "Miembros:", "fr": "Membres :"},
    "org_reports_to": {"en": "reporting to it:", "es": "le rinde cuentas:", "fr": "en relève :"},
    "and_n_more": {"en": "and {n} more…", "es": "y {n} más…", "fr": "et {n} de plus…"},
    "queries_blurb": {"en": "the questions above as an API, with parameters", "es": "las preguntas como API, con parámetros",
                      "fr": "les questions sous forme d'API, avec paramètres"},
    "search_blurb": {"en": "names, titles and abbreviations as JSON", "es": "nombres, títulos y siglas en JSON",
                     "fr": "noms, titres et sigles en JSON"},
    "by_year": {"en": "Factual records and submissions by year", "es": "Expedientes de hechos y peticiones por año",
                "fr": "Dossiers factuels et communications par année"},
    "records": {"en": "Factual records", "es": "Expedientes de hechos", "fr": "Dossiers factuels"},
    "submissions": {"en": "Submissions filed", "es": "Peticiones presentadas", "fr": "Communications déposées"},
    "filed": {"en": "filed", "es": "presentada el", "fr": "déposée le"},
    "answered_by": {"en": "factual record", "es": "expediente de hechos", "fr": "dossier factuel"},
    "shacl_status": {"en": "Checked against the shapes", "es": "Comprobado con las formas", "fr": "Vérifié par les formes"},
    "shacl_conforms": {"en": "Conforms: the shapes (SHACL) find nothing to report about it.",
                       "es": "Conforme: las formas (SHACL) no encuentran nada que señalar.",
                       "fr": "Conforme : les formes (SHACL) ne trouvent rien à signaler."},
    "shacl_findings": {"en": "The shapes (SHACL) report:", "es": "Las formas (SHACL) señalan:",
                       "fr": "Les formes (SHACL) signalent :"},
    "severity_violation": {"en": "Violation", "es": "Infracción", "fr": "Violation"},
    "severity_warning": {"en": "Warning", "es": "Advertencia", "fr": "Avertissement"},
    "severity_info": {"en": "Note", "es": "Nota", "fr": "Note"},
    "chart": {"en": "Chart", "es": "Gráfico", "fr": "Graphique"},
    "chart_auto": {"en": "by the result's shape", "es": "según la forma del resultado", "fr": "selon la forme du résultat"},
    "chart_bar": {"en": "bars", "es": "barras", "fr": "barres"},
    "chart_timeline": {"en": "timeline", "es": "cronología", "fr": "chronologie"},
    "chart_none": {"en": "table only", "es": "solo la tabla", "fr": "tableau seul"},
    "chart_title": {"en": "{y} by {x}", "es": "{y} por {x}", "fr": "{y} par {x}"},
    "chart_desc": {"en": "A chart of the {n} rows below; the table gives the same numbers.",
                   "es": "Un gráfico de las {n} filas de abajo; la tabla da las mismas cifras.",
                   "fr": "Un graphique des {n} lignes ci-dessous ; le tableau donne les mêmes chiffres."},
    "chart_caption": {"en": "Drawn from the results; the table below is the same data.",
                      "es": "Dibujado a partir de los resultados; la tabla de abajo da los mismos datos.",
                      "fr": "Tiré des résultats ; le tableau ci-dessous donne les mêmes données."},
    "map_title": {"en": "Map of {n} places in the results", "es": "Mapa de {n} lugares de los resultados",
                  "fr": "Carte de {n} lieux des résultats"},
    "map_desc": {"en": "Each point is a row with coordinates; the table lists them.",
                 "es": "Cada punto es una fila con coordenadas; la tabla las enumera.",
                 "fr": "Chaque point est une ligne avec des coordonnées ; le tableau les énumère."},
    "map_caption": {"en": "Land outline: Natural Earth (public domain), drawn here without any map service. "
                          "Download the places as KML or GeoJSON below.",
                    "es": "Contorno de las tierras: Natural Earth (dominio público), dibujado aquí sin ningún servicio "
                          "de mapas. Descargue los lugares en KML o GeoJSON abajo.",
                    "fr": "Contour des terres : Natural Earth (domaine public), dessiné ici sans service de cartes. "
                          "Téléchargez les lieux en KML ou GeoJSON ci-dessous."},
    "saved_queries": {"en": "Saved queries", "es": "Consultas guardadas", "fr": "Requêtes enregistrées"},
    "saved_queries_intro": {
        "en": "Questions the graph answers, each a SPARQL query you can run here or call as an API "
              "(/queries/{name}, negotiated like /sparql; parameters as URL arguments).",
        "es": "Preguntas que el grafo responde, cada una una consulta SPARQL que puede ejecutar aquí o llamar "
              "como API (/queries/{name}, negociada como /sparql; parámetros como argumentos de la URL).",
        "fr": "Questions auxquelles le graphe répond, chacune une requête SPARQL à exécuter ici ou à appeler "
              "comme API (/queries/{name}, négociée comme /sparql ; paramètres en arguments de l'URL)."},
    "the_query": {"en": "The query", "es": "La consulta", "fr": "La requête"},
    "open_in_editor": {"en": "Open in the editor", "es": "Abrir en el editor", "fr": "Ouvrir dans l'éditeur"},
    "parameters": {"en": "Parameters", "es": "Parámetros", "fr": "Paramètres"},
    "default_value": {"en": "default", "es": "por defecto", "fr": "par défaut"},
    "result_shape": {"en": "Result", "es": "Resultado", "fr": "Résultat"},
    "this_list_as_data": {"en": "This list as data", "es": "Esta lista como datos", "fr": "Cette liste en données"},
    "download": {"en": "Download", "es": "Descargar", "fr": "Télécharger"},
    "colon": {"en": ":", "es": ":", "fr": " :"},
    "run_shortcut": {"en": "Ctrl+Enter runs the query", "es": "Ctrl+Intro ejecuta la consulta",
                     "fr": "Ctrl+Entrée exécute la requête"},
    "undeclared_prefix": {"en": "undeclared prefix", "es": "prefijo no declarado", "fr": "préfixe non déclaré"},
    "hint": {"en": "How to fix it", "es": "Cómo corregirlo", "fr": "Comment corriger"},
    "details": {"en": "The parser's message", "es": "El mensaje del analizador", "fr": "Le message de l'analyseur"},
    "error_at": {"en": "The parser stopped at line {line}, column {column} (marked in the editor).",
                 "es": "El analizador se detuvo en la línea {line}, columna {column} (marcada en el editor).",
                 "fr": "L'analyseur s'est arrêté à la ligne {line}, colonne {column} (marquée dans l'éditeur)."},
    "hint_prefix": {"en": "the prefix {prefix}: is not declared. Add this line at the top of the query:",
                    "es": "el prefijo {prefix}: no está declarado. Añada esta línea al principio de la consulta:",
                    "fr": "le préfixe {prefix}: n'est pas déclaré. Ajoutez cette ligne au début de la requête :"},
    "hint_keyword": {"en": "“{found}” (line {line}, column {column}) is not a SPARQL keyword. Did you mean {suggestion}?",
                     "es": "«{found}» (línea {line}, columna {column}) no es una palabra clave de SPARQL. "
                           "¿Quiso decir {suggestion}?",
                     "fr": "« {found} » (ligne {line}, colonne {column}) n'est pas un mot-clé SPARQL. "
                           "Vouliez-vous dire {suggestion} ?"},
    "hint_word": {"en": "“{found}” (line {line}, column {column}) is not a SPARQL keyword or function: a variable "
                        "starts with ? (?{found}), a prefixed name has a colon (ex:{found}).",
                  "es": "«{found}» (línea {line}, columna {column}) no es una palabra clave ni una función de SPARQL: "
                        "una variable empieza por ? (?{found}), un nombre con prefijo lleva dos puntos (ex:{found}).",
                  "fr": "« {found} » (ligne {line}, colonne {column}) n'est ni un mot-clé ni une fonction SPARQL : "
                        "une variable commence par ? (?{found}), un nom préfixé contient deux-points (ex:{found})."},
    "hint_triple": {"en": "the triple pattern “{pattern}” (line {line}, column {column}) has no {missing}: a triple "
                          "pattern is a subject, a predicate and an object (?s ?p ?o), ended by “.” or “}}”.",
                    "es": "el patrón de tripleta «{pattern}» (línea {line}, columna {column}) no tiene {missing}: "
                          "un patrón es sujeto, predicado y objeto (?s ?p ?o), terminado por «.» o «}}».",
                    "fr": "le motif de triplet « {pattern} » (ligne {line}, colonne {column}) n'a pas {missing} : "
                          "un motif est un sujet, un prédicat et un objet (?s ?p ?o), terminé par « . » ou « }} »."},
    "hint_slash": {"en": "the prefixed name “{found}” (line {line}, column {column}) holds “/”, which a prefixed name "
                         "cannot: escape it ({suggestion}) or write the full IRI between < and >.",
                   "es": "el nombre con prefijo «{found}» (línea {line}, columna {column}) contiene «/», que un nombre "
                         "con prefijo no admite: escápelo ({suggestion}) o escriba el IRI completo entre < y >.",
                   "fr": "le nom préfixé « {found} » (ligne {line}, colonne {column}) contient « / », interdit dans un "
                         "nom préfixé : échappez-le ({suggestion}) ou écrivez l'IRI complet entre < et >."},
    # Titles of the problems a query page shows (protocol/endpoint.py, store/guard.py raise them in English).
    "Query syntax error": {"en": "Query syntax error", "es": "Error de sintaxis en la consulta",
                           "fr": "Erreur de syntaxe dans la requête"},
    "Federated query refused": {"en": "Federated query refused", "es": "Consulta federada rechazada",
                                "fr": "Requête fédérée refusée"},
    "Read-only endpoint": {"en": "Read-only endpoint", "es": "Punto de acceso de solo lectura",
                           "fr": "Point d'accès en lecture seule"},
    "Query timeout": {"en": "Query timeout", "es": "Tiempo de consulta agotado", "fr": "Délai de la requête dépassé"},
    "Query too large": {"en": "Query too large", "es": "Consulta demasiado grande", "fr": "Requête trop longue"},
    "Query nested too deeply": {"en": "Query nested too deeply", "es": "Consulta anidada demasiado",
                                "fr": "Requête trop imbriquée"},
    "Query evaluation failed": {"en": "Query evaluation failed", "es": "La evaluación de la consulta falló",
                                "fr": "L'évaluation de la requête a échoué"},
    "missing_object": {"en": "object", "es": "objeto", "fr": "d'objet"},
    "missing_predicate_object": {"en": "predicate and object", "es": "predicado ni objeto",
                                 "fr": "de prédicat ni d'objet"},
    "hint_brace": {"en": "{n} “{{” not closed: add “}}” at the end of the group.",
                   "es": "{n} «{{» sin cerrar: añada «}}» al final del grupo.",
                   "fr": "{n} « {{ » non fermée(s) : ajoutez « }} » à la fin du groupe."},
    # -- Issue 10, item 4: the vocabulary's documentation (web/vocabdoc.py, templates/vocabulary.html) --
    "vocab_contents": {"en": "Contents", "es": "Contenido", "fr": "Sommaire"},
    "vocab_metadata": {"en": "Metadata", "es": "Metadatos", "fr": "Métadonnées"},
    "vocab_classes": {"en": "Classes", "es": "Clases", "fr": "Classes"},
    "vocab_object_properties": {"en": "Object properties", "es": "Propiedades de objeto", "fr": "Propriétés d'objet"},
    "vocab_datatype_properties": {"en": "Datatype properties", "es": "Propiedades de tipo de dato",
                                  "fr": "Propriétés de type de données"},
    "vocab_annotation_properties": {"en": "Annotation properties", "es": "Propiedades de anotación",
                                    "fr": "Propriétés d'annotation"},
    "vocab_other_terms": {"en": "Terms of other vocabularies", "es": "Términos de otros vocabularios",
                          "fr": "Termes d'autres vocabulaires"},
    "vocab_other_terms_note": {
        "en": "Terms of other vocabularies that this one declares (so that OWL 2 tools know their kind), with the "
              "terms here that refine them; in the order of their prefixed names.",
        "es": "Términos de otros vocabularios que este declara (para que las herramientas OWL 2 conozcan su tipo), "
              "con los términos de aquí que los especializan; por orden de nombre con prefijo.",
        "fr": "Termes d'autres vocabulaires que celui-ci déclare (pour que les outils OWL 2 en connaissent le type), "
              "avec les termes d'ici qui les spécialisent ; par ordre de nom préfixé."},
    "vocab_order_classes": {
        "en": "Classes are listed as their subclass tree; classes at the same level in alphabetical order.",
        "es": "Las clases se presentan según su jerarquía de subclases; las del mismo nivel, por orden alfabético.",
        "fr": "Les classes sont présentées selon leur hiérarchie de sous-classes ; celles de même niveau, par ordre "
              "alphabétique."},
    "vocab_order_properties": {"en": "In alphabetical order.", "es": "Por orden alfabético.",
                               "fr": "Par ordre alphabétique."},
    "vocab_namespaces": {"en": "Namespaces", "es": "Espacios de nombres", "fr": "Espaces de noms"},
    "vocab_prefix": {"en": "Prefix", "es": "Prefijo", "fr": "Préfixe"},
    "vocab_namespace": {"en": "Namespace", "es": "Espacio de nombres", "fr": "Espace de noms"},
    "vocab_description": {"en": "Description", "es": "Descripción", "fr": "Description"},
    "vocab_creator": {"en": "Creator", "es": "Creador", "fr": "Créateur"},
    "vocab_contributor": {"en": "Contributor", "es": "Colaborador", "fr": "Contributeur"},
    "vocab_publisher": {"en": "Publisher", "es": "Editor", "fr": "Éditeur"},
    "vocab_created": {"en": "Created", "es": "Fecha de creación", "fr": "Date de création"},
    "vocab_modified": {"en": "Modified", "es": "Fecha de modificación", "fr": "Date de modification"},
    "vocab_issued": {"en": "Issued", "es": "Fecha de publicación", "fr": "Date de publication"},
    "vocab_version_iri": {"en": "Version IRI", "es": "IRI de la versión", "fr": "IRI de la version"},
    "vocab_version_info": {"en": "Version", "es": "Versión", "fr": "Version"},
    "vocab_prior_version": {"en": "Prior version", "es": "Versión anterior", "fr": "Version précédente"},
    "vocab_backward_compatible": {"en": "Backward compatible with", "es": "Compatible con",
                                  "fr": "Rétrocompatible avec"},
    "vocab_incompatible": {"en": "Incompatible with", "es": "Incompatible con", "fr": "Incompatible avec"},
    "vocab_preferred_prefix": {"en": "Preferred prefix", "es": "Prefijo preferido", "fr": "Préfixe préféré"},
    "vocab_preferred_namespace": {"en": "Preferred namespace", "es": "Espacio de nombres preferido",
                                  "fr": "Espace de noms préféré"},
    "vocab_see_also": {"en": "See also", "es": "Véase también", "fr": "Voir aussi"},
    "vocab_badge_class": {"en": "class", "es": "clase", "fr": "classe"},
    "vocab_badge_object": {"en": "object property", "es": "propiedad de objeto", "fr": "propriété d'objet"},
    "vocab_badge_datatype": {"en": "datatype property", "es": "propiedad de tipo de dato",
                             "fr": "propriété de type de données"},
    "vocab_badge_annotation": {"en": "annotation property", "es": "propiedad de anotación",
                               "fr": "propriété d'annotation"},
    "vocab_badge_property": {"en": "property", "es": "propiedad", "fr": "propriété"},
    "vocab_labels": {"en": "Labels", "es": "Etiquetas", "fr": "Libellés"},
    "vocab_definition": {"en": "Definition", "es": "Definición", "fr": "Définition"},
    "vocab_scope_note": {"en": "Scope note", "es": "Nota de alcance", "fr": "Note d'application"},
    "vocab_example": {"en": "Example", "es": "Ejemplo", "fr": "Exemple"},
    "vocab_change_note": {"en": "Change note", "es": "Nota de cambio", "fr": "Note de modification"},
    "vocab_comment": {"en": "Comment", "es": "Comentario", "fr": "Commentaire"},
    "vocab_subclass_of": {"en": "Subclass of", "es": "Subclase de", "fr": "Sous-classe de"},
    "vocab_subclasses": {"en": "Subclasses", "es": "Subclases", "fr": "Sous-classes"},
    "vocab_equivalent": {"en": "Equivalent to", "es": "Equivalente a", "fr": "Équivalent à"},
    "vocab_disjoint": {"en": "Disjoint with", "es": "Disjunta con", "fr": "Disjointe de"},
    "vocab_in_domain_of": {"en": "In the domain of", "es": "En el dominio de", "fr": "Dans le domaine de"},
    "vocab_in_range_of": {"en": "In the range of", "es": "En el rango de", "fr": "Dans le codomaine de"},
    "vocab_subproperty_of": {"en": "Subproperty of", "es": "Subpropiedad de", "fr": "Sous-propriété de"},
    "vocab_subproperties": {"en": "Subproperties", "es": "Subpropiedades", "fr": "Sous-propriétés"},
    "vocab_inverse_of": {"en": "Inverse of", "es": "Inversa de", "fr": "Inverse de"},
    "vocab_domain": {"en": "Domain", "es": "Dominio", "fr": "Domaine"},
    "vocab_range": {"en": "Range", "es": "Rango", "fr": "Codomaine"},
    "vocab_characteristics": {"en": "Characteristics", "es": "Características", "fr": "Caractéristiques"},
    "vocab_defined_by": {"en": "Defined by", "es": "Definido por", "fr": "Défini par"},
    "vocab_deprecated": {"en": "Deprecated", "es": "Obsoleto", "fr": "Obsolète"},
    "vocab_deprecated_note": {"en": "Kept for existing data; do not use it in new data.",
                              "es": "Se conserva para los datos existentes; no lo use en datos nuevos.",
                              "fr": "Conservé pour les données existantes ; ne l'utilisez pas dans de nouvelles données."},
    # -- end of issue 10, item 4 --
    # -- issue 10, item 1 (h10a): fallback notes that name the language. --
    "lang_en": {"en": "English", "es": "inglés", "fr": "anglais"},
    "lang_es": {"en": "Spanish", "es": "español", "fr": "espagnol"},
    "lang_fr": {"en": "French", "es": "francés", "fr": "français"},
    "fallback_untagged": {"en": "not available in English; shown as the data gives it, without a language tag",
                          "es": "no disponible en español; se muestra tal como figura en los datos, sin etiqueta "
                                "de idioma",
                          "fr": "non disponible en français ; affiché tel que les données le donnent, sans "
                                "étiquette de langue"},
    "fallback_derived": {"en": "no label in English; derived from its identifier",
                         "es": "sin etiqueta en español; derivado de su identificador",
                         "fr": "sans libellé en français ; dérivé de son identifiant"},
    # -- Issue 10, items 5 and 6 (helper 10c): every page localized, pages that read right ------------------
    "limit_queryTimeout": {"en": "default query timeout", "es": "tiempo máximo de una consulta, por defecto",
                           "fr": "délai maximal d'une requête, par défaut"},
    "limit_maxQueryTimeout": {"en": "largest timeout= a request may ask for",
                              "es": "mayor timeout= que puede pedir una solicitud",
                              "fr": "plus grand timeout= qu'une requête peut demander"},
    "limit_maxResultRows": {"en": "rows or triples returned at most (X-SPARQL-Row-Cap)",
                            "es": "filas o tripletas devueltas como máximo (X-SPARQL-Row-Cap)",
                            "fr": "lignes ou triplets renvoyés au plus (X-SPARQL-Row-Cap)"},
    "limit_maxResultBytes": {"en": "largest result document, cut at a row beyond (X-SPARQL-Byte-Cap; 0: none)",
                             "es": "documento de resultado más grande; más allá se corta en una fila "
                                   "(X-SPARQL-Byte-Cap; 0: sin límite)",
                             "fr": "plus gros document de résultat, coupé à une ligne au-delà "
                                   "(X-SPARQL-Byte-Cap ; 0 : aucune limite)"},
    "limit_fairQuerySeconds": {"en": "query seconds per client per minute (429 beyond; 0: none)",
                               "es": "segundos de consulta por cliente y por minuto (429 más allá; 0: sin límite)",
                               "fr": "secondes de requête par client et par minute (429 au-delà ; 0 : aucune limite)"},
    "limit_fairConcurrentQueries": {"en": "queries a client may run at once (429 beyond; 0: no limit)",
                                    "es": "consultas que un cliente puede ejecutar a la vez (429 más allá; 0: sin límite)",
                                    "fr": "requêtes qu'un client peut exécuter à la fois (429 au-delà ; 0 : aucune limite)"},
    "limit_maxQueryBytes": {"en": "largest query accepted", "es": "consulta más grande aceptada",
                            "fr": "plus grande requête acceptée"},
    "limit_maxNestingDepth": {"en": "deepest bracket nesting accepted",
                              "es": "anidamiento más profundo de paréntesis y llaves aceptado",
                              "fr": "imbrication de parenthèses et d'accolades la plus profonde acceptée"},
    "limit_federatedQuery": {"en": "SERVICE is evaluated", "es": "SERVICE se evalúa", "fr": "SERVICE est évalué"},
    "limit_update": {"en": "SPARQL Update is executed", "es": "SPARQL Update se ejecuta",
                     "fr": "SPARQL Update est exécuté"},
    "unit_bytes": {"en": "bytes", "es": "bytes", "fr": "octets"},
    "media_type": {"en": "Media type", "es": "Tipo de medio", "fr": "Type de média"},
    "dataset_sorted": {"en": "In alphabetical order; each term links to its definition.",
                       "es": "En orden alfabético; cada término lleva a su definición.",
                       "fr": "Par ordre alphabétique ; chaque terme mène à sa définition."},
    "status_400": {"en": "Bad Request", "es": "Solicitud incorrecta", "fr": "Requête incorrecte"},
    "status_404": {"en": "Not Found", "es": "No encontrado", "fr": "Introuvable"},
    "status_405": {"en": "Method Not Allowed", "es": "Método no permitido", "fr": "Méthode non autorisée"},
    "status_406": {"en": "Not Acceptable", "es": "Formato no disponible", "fr": "Format non disponible"},
    "status_413": {"en": "Request Entity Too Large", "es": "Solicitud demasiado grande", "fr": "Requête trop volumineuse"},
    "status_414": {"en": "Request URI Too Long", "es": "URI demasiado larga", "fr": "URI trop longue"},
    "status_429": {"en": "Too Many Requests", "es": "Demasiadas solicitudes", "fr": "Trop de requêtes"},
    "status_500": {"en": "Internal Server Error", "es": "Error interno del servidor", "fr": "Erreur interne du serveur"},
    "status_503": {"en": "Service Unavailable", "es": "Servicio no disponible", "fr": "Service indisponible"},
    "error_404": {"en": "nothing is served at {path}.{hint} The home page / lists what is here: /sparql, /id/… "
                        "identifiers, /ontology, /shapes, /dataset, /dumps/, /sitemap.xml.",
                  "es": "no se sirve nada en {path}.{hint} La página de inicio / enumera lo que hay aquí: /sparql, "
                        "los identificadores /id/…, /ontology, /shapes, /dataset, /dumps/, /sitemap.xml.",
                  "fr": "rien n'est servi à l'adresse {path}.{hint} La page d'accueil / énumère ce qui se trouve ici : "
                        "/sparql, les identifiants /id/…, /ontology, /shapes, /dataset, /dumps/, /sitemap.xml."},
    "error_404_slash": {"en": " Try {bare} (without the trailing slash).", "es": " Pruebe {bare} (sin la barra final).",
                        "fr": " Essayez {bare} (sans la barre oblique finale)."},
    "error_404_help": {"en": "The search box above finds names, titles and abbreviations in the three languages.",
                       "es": "El cuadro de búsqueda de arriba encuentra nombres, títulos y siglas en los tres idiomas.",
                       "fr": "La zone de recherche ci-dessus trouve noms, titres et sigles dans les trois langues."},
    "error_405": {"en": "{method} is not allowed on {path}: this service is read-only; use {allowed}",
                  "es": "{method} no está permitido en {path}: este servicio es de solo lectura; use {allowed}",
                  "fr": "{method} n'est pas autorisé sur {path} : ce service est en lecture seule ; utilisez {allowed}"},
    "error_405_post": {"en": " (POST only sends SPARQL queries).", "es": " (POST solo envía consultas SPARQL).",
                       "fr": " (POST n'envoie que des requêtes SPARQL)."},
    "error_detail_english": {"en": "What the service says:", "es": "Lo que dice el servicio (en inglés):",
                             "fr": "Ce que dit le service (en anglais) :"},
    "error_404_entity": {"en": "{what} is not an identifier this graph describes. Identifiers look like "
                               "/id/party/mexico; /sitemap.xml lists every one and /sparql can search them.",
                         "es": "{what} no es un identificador que este grafo describa. Los identificadores tienen la "
                               "forma /id/party/mexico; /sitemap.xml los enumera todos y /sparql permite buscarlos.",
                         "fr": "{what} n'est pas un identifiant que ce graphe décrit. Les identifiants ont la forme "
                               "/id/party/mexico ; /sitemap.xml les énumère tous et /sparql permet de les chercher."},
    "inverse_phrase": {"en": "is {label} of", "es": "es {label} de", "fr": "est {label} de"},
    "same_values": {"en": "The same values are stated with", "es": "Los mismos valores se afirman con",
                    "fr": "Les mêmes valeurs sont affirmées avec"},
    # issue 10, item 7 + browser tests (helper 10d): the header's search names itself (one search
    # landmark per name: the home and search pages have their own form).
    "search_site": {"en": "Search the site", "es": "Buscar en el sitio", "fr": "Rechercher dans le site"},
    # -- Issue 11, item 3 (helper open): /search while the index of a new on-disk store is built --
    "Search unavailable": {"en": "Search unavailable", "es": "Búsqueda no disponible", "fr": "Recherche indisponible"},
    "search_building": {"en": "The search index of this data is being built (for {seconds} s so far); search will "
                              "work as soon as it is ready. The rest of the service, pages and SPARQL, answers "
                              "meanwhile: retry in a moment.",
                        "es": "Se está construyendo el índice de búsqueda de estos datos (desde hace {seconds} s); la "
                              "búsqueda funcionará en cuanto esté listo. El resto del servicio, páginas y SPARQL, "
                              "responde mientras tanto: vuelva a intentarlo en un momento.",
                        "fr": "L'index de recherche de ces données est en cours de construction (depuis {seconds} s) ; "
                              "la recherche fonctionnera dès qu'il sera prêt. Le reste du service, pages et SPARQL, "
                              "répond entre-temps : réessayez dans un instant."},
    "search_failed": {"en": "The search index could not be built from the store ({reason}). The rest of the service, "
                            "pages and SPARQL, answers as usual; restarting the service builds the index again.",
                      "es": "No se pudo construir el índice de búsqueda a partir del almacén ({reason}). El resto del "
                            "servicio, páginas y SPARQL, responde con normalidad; al reiniciar el servicio se vuelve "
                            "a construir el índice.",
                      "fr": "L'index de recherche n'a pas pu être construit à partir de l'entrepôt ({reason}). Le reste "
                            "du service, pages et SPARQL, répond normalement ; redémarrer le service reconstruit "
                            "l'index."},
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
    "http://www.w3.org/ns/prov#wasGeneratedBy": {"en": "generated by", "es": "generado por", "fr": "généré par"},
    "http://www.w3.org/ns/prov#used": {"en": "used", "es": "usó", "fr": "a utilisé"},
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
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": {"en": "Concept Scheme", "es": "Esquema de conceptos",
                                                           "fr": "Schéma de concepts"},
    "http://www.w3.org/2006/time#Instant": {"en": "Instant", "es": "Instante", "fr": "Instant"},
    "http://www.w3.org/2006/time#Interval": {"en": "Interval", "es": "Intervalo", "fr": "Intervalle"},
    "http://www.w3.org/ns/org#Organization": {"en": "Organization", "es": "Organización", "fr": "Organisation"},
    "http://www.w3.org/ns/org#Site": {"en": "Site", "es": "Sede", "fr": "Site"},
    "http://www.w3.org/ns/prov#Entity": {"en": "Entity", "es": "Entidad", "fr": "Entité"},
    "http://www.w3.org/ns/prov#Activity": {"en": "Activity", "es": "Actividad", "fr": "Activité"},
    "http://xmlns.com/foaf/0.1/Person": {"en": "Person", "es": "Persona", "fr": "Personne"},
    "https://schema.org/Person": {"en": "Person", "es": "Persona", "fr": "Personne"},
    "https://schema.org/AdministrativeArea": {"en": "Administrative Area", "es": "División administrativa",
                                              "fr": "Division administrative"},
    "https://schema.org/City": {"en": "City", "es": "Ciudad", "fr": "Ville"},
    "https://schema.org/Collection": {"en": "Collection", "es": "Colección", "fr": "Collection"},
    "https://schema.org/Dataset": {"en": "Dataset", "es": "Conjunto de datos", "fr": "Jeu de données"},
    "https://schema.org/ImageObject": {"en": "Image", "es": "Imagen", "fr": "Image"},
    "https://schema.org/PostalAddress": {"en": "Postal Address", "es": "Dirección postal", "fr": "Adresse postale"},
    "https://schema.org/WebSite": {"en": "Website", "es": "Sitio web", "fr": "Site Web"},
}

# Statements pointing at an entity are named by their inverse (issue 10, item 6). First the vocabulary's
# owl:inverseOf (read from the graph); then, for the standard terms, the inverse their vocabulary
# defines (W3C ORG, SKOS, schema.org), named with its label above; then these wordings, ours, for
# properties whose label cannot take the "is … of" phrasing ("advises" -> "advised by"); every other
# property reads "is <label> of" (STRINGS["inverse_phrase"]).
STANDARD_INVERSES: dict[str, str] = {
    "http://www.w3.org/ns/org#hasUnit": "http://www.w3.org/ns/org#unitOf",
    "http://www.w3.org/ns/org#unitOf": "http://www.w3.org/ns/org#hasUnit",
    "http://www.w3.org/ns/org#holds": "http://www.w3.org/ns/org#heldBy",
    "http://www.w3.org/ns/org#heldBy": "http://www.w3.org/ns/org#holds",
    "http://www.w3.org/ns/org#hasPost": "http://www.w3.org/ns/org#postIn",
    "http://www.w3.org/ns/org#postIn": "http://www.w3.org/ns/org#hasPost",
    "http://www.w3.org/ns/org#originalOrganization": "http://www.w3.org/ns/org#changedBy",
    "http://www.w3.org/ns/org#changedBy": "http://www.w3.org/ns/org#originalOrganization",
    "http://www.w3.org/2004/02/skos/core#hasTopConcept": "http://www.w3.org/2004/02/skos/core#topConceptOf",
    "http://www.w3.org/2004/02/skos/core#topConceptOf": "http://www.w3.org/2004/02/skos/core#hasTopConcept",
    "https://schema.org/hasPart": "https://schema.org/isPartOf",
    "https://schema.org/isPartOf": "https://schema.org/hasPart",
    "http://purl.org/dc/terms/isPartOf": "https://schema.org/hasPart",
    "http://purl.org/dc/terms/relation": "http://purl.org/dc/terms/relation",
}
INVERSE_LABELS: dict[str, dict[str, str]] = {
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": {"en": "cited as “see also” by",
                                                     "es": "citado como «véase también» por",
                                                     "fr": "cité comme « voir aussi » par"},
    "http://www.w3.org/2004/02/skos/core#inScheme": {"en": "contains the concept", "es": "contiene el concepto",
                                                     "fr": "contient le concept"},
    "http://www.w3.org/ns/org#member": {"en": "membership", "es": "pertenencia", "fr": "appartenance"},
    "http://www.w3.org/ns/org#organization": {"en": "membership", "es": "pertenencia", "fr": "appartenance"},
    "http://www.w3.org/ns/org#resultingOrganization": {"en": "resulted from", "es": "resultado de", "fr": "issu de"},
    "http://www.w3.org/ns/org#reportsTo": {"en": "reporting to it", "es": "le rinde cuentas", "fr": "en relève"},
    "http://www.w3.org/ns/prov#used": {"en": "used by", "es": "usado por", "fr": "utilisé par"},
    "http://www.w3.org/ns/prov#wasDerivedFrom": {"en": "source of", "es": "fuente de", "fr": "source de"},
    "http://www.w3.org/ns/prov#wasGeneratedBy": {"en": "generated", "es": "generó", "fr": "a généré"},
    "https://schema.org/containedInPlace": {"en": "contains", "es": "contiene", "fr": "contient"},
    "https://w3id.org/cec-kg/ontology#advises": {"en": "advised by", "es": "asesorado por", "fr": "conseillé par"},
    "https://w3id.org/cec-kg/ontology#announcedBy": {"en": "announced", "es": "anunció", "fr": "a annoncé"},
    "https://w3id.org/cec-kg/ontology#announcedWithdrawalOf": {"en": "withdrawal announced by",
                                                               "es": "retiro anunciado por",
                                                               "fr": "retrait annoncé par"},
    "https://w3id.org/cec-kg/ontology#definesAgendaOf": {"en": "agenda defined by", "es": "agenda definida por",
                                                         "fr": "programme défini par"},
    "https://w3id.org/cec-kg/ontology#guidedBy": {"en": "guides", "es": "orienta", "fr": "guide"},
    "https://w3id.org/cec-kg/ontology#implements": {"en": "implemented by", "es": "aplicado por",
                                                    "fr": "mis en œuvre par"},
    "https://w3id.org/cec-kg/ontology#implementsPlan": {"en": "implemented by", "es": "ejecutado por",
                                                        "fr": "mis en œuvre par"},
    "https://w3id.org/cec-kg/ontology#informs": {"en": "informed by", "es": "informado por", "fr": "informé par"},
    "https://w3id.org/cec-kg/ontology#mayProduce": {"en": "may be produced by", "es": "puede ser producido por",
                                                    "fr": "peut être produit par"},
    "https://w3id.org/cec-kg/ontology#partyConcerned": {"en": "party concerned in", "es": "parte en cuestión en",
                                                        "fr": "partie visée par"},
    "https://w3id.org/cec-kg/ontology#representsParty": {"en": "represented by", "es": "representada por",
                                                         "fr": "représentée par"},
    "https://w3id.org/cec-kg/ontology#sideAccordTo": {"en": "has side accord", "es": "tiene como acuerdo paralelo",
                                                      "fr": "a pour accord parallèle"},
    "https://w3id.org/cec-kg/ontology#withdrawalFrom": {"en": "subject of the withdrawal", "es": "objeto del retiro",
                                                        "fr": "objet du retrait"},
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


def language_name(tag: str | None, lang: str) -> str:
    """The name of the language ``tag`` in ``lang`` ("es" on an English page: "Spanish"); a tag we have
    no name for stays as it is, and a missing one is "?"."""
    if not tag:
        return "?"
    key = "lang_" + tag.split("-")[0].lower()
    return t(key, lang) if key in STRINGS else tag


@dataclass(frozen=True)
class Label:
    """A label to show, in ``lang``; ``fallback`` is true when it is not in the language asked for."""

    text: str
    lang: str | None
    fallback: bool
    derived: bool = False     # made from the IRI, no label at all (``Labeller.prop``)


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


# Babel's locale for each UI language. English dates keep the day first ("25 October 1997"): the site's
# convention since its first page, and unambiguous on both sides of the Atlantic.
LOCALES = {"en": "en", "es": "es", "fr": "fr"}
DATE_PATTERNS = {"en": "d MMMM y", "es": "long", "fr": "long"}


def format_date(value: str, datatype: str, lang: str) -> str:
    """xsd:date, xsd:gYearMonth as people write them in ``lang`` (Babel, CLDR); anything else unchanged."""
    locale = LOCALES.get(lang, DEFAULT_LANG)
    try:
        if datatype == XSD + "date" and (m := _DATE.match(value)):
            day = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            text = babel_dates.format_date(day, DATE_PATTERNS.get(lang, "long"), locale=locale)
            # French writes the first day of a month as an ordinal ("1er octobre"); CLDR does not.
            return "1er" + text[1:] if lang == "fr" and day.day == 1 and text.startswith("1 ") else text
        if datatype == XSD + "gYearMonth" and (m := _YEAR_MONTH.match(value)):
            month = datetime.date(int(m.group(1)), int(m.group(2)), 1)
            return babel_dates.format_skeleton("yMMMM", month, locale=locale)
        if datatype == XSD + "dateTime":
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return babel_dates.format_datetime(moment, "medium", tzinfo=moment.tzinfo, locale=locale)
    except ValueError:      # year 0, month 13, a year before 1 or after 9999: shown as written
        return value
    return value


def format_number(value, lang: str) -> str:
    """The one way a number is written on a page, in ``lang`` (Babel, CLDR): en 35,000 · es 35.000 ·
    fr 35 000; decimals with the language's separator (fr 1,5). Text that is not a number is unchanged."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if re.fullmatch(r"[+-]?\d+", text) else Decimal(text)
        except (InvalidOperation, ValueError):
            return text
        if isinstance(value, Decimal) and not value.is_finite():
            return text
    # Every digit kept (Babel rounds to three decimals by default).
    return babel_numbers.format_decimal(value, locale=LOCALES.get(lang, DEFAULT_LANG), decimal_quantization=False)


def format_size(n_bytes: int, lang: str) -> str:
    """A file size as people read it, in decimal units: en 1.2 MB · es 1,2 MB · fr 1,2 Mo."""
    locale = LOCALES.get(lang, DEFAULT_LANG)
    if n_bytes < 1000:
        return babel_units.format_unit(n_bytes, "digital-byte", length="long", locale=locale)
    for unit, size in (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6), ("digital-kilobyte", 10**3)):
        if n_bytes >= size or unit == "digital-kilobyte":
            return babel_units.format_unit(round(n_bytes / size, 1), unit, length="short", locale=locale,
                                           format="#,##0.#")
    return str(n_bytes)


_COLLATORS: dict[str, object] = {}


def warm() -> None:
    """Load the CLDR data of the three languages now (at start-up, before the serving processes are
    forked: they share it), not on the first page a reader asks for. The collators (``sort_key``) are
    made on first use: PyICU's import alone is 15-100 ms (its data, cold or warm) on the way to the
    first answer, and no SPARQL answer needs it."""
    for lang in LANGS:
        format_number(1234.5, lang)
        format_size(1234, lang)
        format_date("2000-01-01", XSD + "date", lang)


def sort_key(text: str, lang: str) -> bytes:
    """The one key labels are sorted by: the ICU collator of ``lang`` (accents, case and letters such as
    Spanish ñ in their place: French "éditeur" before "unité de", where ``sorted()`` puts every accented
    letter after z). Use it for every list of labels a page shows."""
    collator = _COLLATORS.get(lang)
    if collator is None:
        import icu      # PyICU (the pyicu-wheels distribution): imported by the first page that sorts (see warm)

        collator = _COLLATORS[lang] = icu.Collator.createInstance(icu.Locale(LOCALES.get(lang, DEFAULT_LANG)))
    return collator.getSortKey(text)


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
