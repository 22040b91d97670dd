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
    # issue 10, item 7 + browser tests (helper 10d): the header's search names itself (one search
    # landmark per name: the home and search pages have their own form).
    "search_site": {"en": "Search the site", "es": "Buscar en el sitio", "fr": "Rechercher dans le site"},
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
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": {"en": "Concept Scheme", "es": "Esquema de Conceptos",
                                                           "fr": "Schéma de Concepts"},
    "http://www.w3.org/2006/time#Instant": {"en": "Instant", "es": "Instante", "fr": "Instant"},
    "http://www.w3.org/2006/time#Interval": {"en": "Interval", "es": "Intervalo", "fr": "Intervalle"},
    "http://www.w3.org/ns/org#Organization": {"en": "Organization", "es": "Organización", "fr": "Organisation"},
    "http://www.w3.org/ns/org#Site": {"en": "Site", "es": "Sede", "fr": "Site"},
    "http://www.w3.org/ns/prov#Entity": {"en": "Entity", "es": "Entidad", "fr": "Entité"},
    "http://www.w3.org/ns/prov#Activity": {"en": "Activity", "es": "Actividad", "fr": "Activité"},
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
