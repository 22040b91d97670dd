"""Every page localized and pages that read right (issue 10, items 5 and 6), over HTTP against a live server.

Numbers, sizes and sort orders are checked against oracles written here (digit grouping by hand, a
primary-strength key built with ``unicodedata``), not against the functions that produce them.
"""
from __future__ import annotations

import html
import re
import unicodedata

import pytest
import requests

from cec_kg.graph import paths
from cec_kg.graph.queries import saved_queries
from cec_kg.web.i18n import STANDARD_LABELS

pytestmark = pytest.mark.live

GROUPING = {"en": ",", "es": ".", "fr": "\u202f"}     # how each language groups thousands
LANGS = ("en", "es", "fr")


def page(server, path: str, lang: str | None = None, status: int = 200) -> str:
    url = server.url(path) + (("&" if "?" in path else "?") + f"lang={lang}" if lang else "")
    r = requests.get(url, headers={"Accept": "text/html"}, timeout=60)
    assert r.status_code == status, f"{path} ({lang}): {r.status_code}\n{r.text[:500]}"
    assert r.headers["Content-Type"].startswith("text/html")
    if lang:
        assert r.headers["Content-Language"] == lang and f'<html lang="{lang}">' in r.text
    return r.text


def grouped(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", GROUPING[lang])


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def primary_key(text: str, lang: str = "fr") -> str:
    """Letters without accents or case: the order a dictionary gives at the first level (Spanish
    dictionaries put ñ after n, as a letter of its own)."""
    text = text.casefold()
    if lang == "es":
        text = text.replace("ñ", "n{")      # "{" follows "z"
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def table_rows(page_html: str, table_id: str) -> list[str]:
    """The <tbody> rows after the heading ``id`` on /dataset."""
    section = page_html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[1], re.S)


# -- Numbers, sizes, sorting ----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_dataset_counts_are_written_per_locale(live_server, lang):
    r = requests.get(live_server.url("/sparql"), params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                     headers={"Accept": "application/sparql-results+json"}, timeout=30)
    triples = int(r.json()["results"]["bindings"][0]["n"]["value"])
    assert triples >= 1000, "the check needs a count with thousands"
    text = page(live_server, "/dataset", lang)
    assert f"<strong>{grouped(triples, lang)}</strong>" in text, f"{triples} not written as {lang} writes it"
    if lang != "en":
        assert f"<strong>{grouped(triples, 'en')}</strong>" not in text, "English digit grouping on a {lang} page"


@pytest.mark.parametrize("lang", LANGS)
def test_sparql_limits_in_the_page_language(live_server, lang):
    text = page(live_server, "/sparql", lang)
    limits = text.split('<table class="limits">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row" lang="(\w+)">(.*?)</th><td><code>(.*?)</code>', limits)
    assert len(rows) >= 10, limits
    assert all(tag == lang for tag, _, _ in rows), "every limit named in the page language"
    if lang != "en":
        english = requests.get(live_server.url("/sparql?lang=en"), headers={"Accept": "text/html"}, timeout=30).text
        for name in ("default query timeout", "largest query accepted", "SPARQL Update is executed"):
            assert name in english and name not in limits, f"{name!r} left in English on the {lang} page"
    assert f"<code>{grouped(100000, lang)}</code>" in limits, "the row cap written with the language's grouping"


@pytest.mark.parametrize("lang", ("es", "fr"))
def test_sparql_examples_in_the_page_language_without_test_notes(live_server, lang):
    text = page(live_server, "/sparql", lang)
    questions = [html.unescape(q) for q in re.findall(r'\?example=cq-[\w-]+[^"]*" lang="\w+">(.*?)</a>', text)]
    expected = [q.question[lang] for q in saved_queries(paths.QUERIES_DIR).values()]
    assert questions == expected, "the examples are the saved queries' questions in the page language"
    for name in ("cq-01-factual-records-concerning-mexico", "cq-14-atlas-contributing-agencies"):
        form = page(live_server, f"/sparql?example={name}", lang)
        query = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", form, re.S).group(1))
        assert "# expected" not in query and "#   id:" not in query, f"{name}: test notes shown:\n{query}"


@pytest.mark.parametrize("lang,units", [("en", "bytes|kB|MB|GB"), ("es", "bytes|kB|MB|GB"), ("fr", "octets|ko|Mo|Go")])
def test_dump_sizes_are_human_readable(live_server, lang, units):
    text = page(live_server, "/dumps/", lang)
    rows = re.findall(r'<a href="/dumps/([^"]+)">.*?<data value="(\d+)"[^>]*>(.*?)</data>', text)
    assert len(rows) >= 10, text[:2000]
    decimal = "." if lang == "en" else ","
    for name, exact, shown in rows:
        size = requests.head(live_server.url(f"/dumps/{name}"), timeout=30).headers.get("Content-Length")
        if size is not None:
            assert int(exact) == int(size), f"{name}: the page says {exact} bytes, the file has {size}"
        m = re.fullmatch(rf"(\d+(?:\{decimal}\d)?)[\s\u00a0\u202f]({units})", html.unescape(shown))
        assert m, f"{name}: size {shown!r} is not a human size in {lang}"
        number = float(m.group(1).replace(",", "."))
        scale = {"k": 1e3, "M": 1e6, "G": 1e9}.get(m.group(2)[0], 1)
        assert abs(number * scale - int(exact)) <= 0.05 * scale + 0.5, f"{name}: {shown} is not {exact} bytes"


def test_french_labels_sort_as_french_sorts(live_server):
    text = page(live_server, "/dataset", "fr")
    labelled = [re.search(r"<th scope=\"row\">(.*?) <code", row, re.S) for row in table_rows(text, "properties")]
    labels = [text_of(m.group(1)) for m in labelled if m]   # (a term nobody labelled shows its compact IRI only)
    assert "éditeur" in labels and "unité de" in labels, labels
    assert labels.index("éditeur") < labels.index("unité de"), "é sorts with e, before u"
    keys = [primary_key(label) for label in labels]
    assert keys == sorted(keys), f"not in French dictionary order: {labels}"


# -- /dataset: sorted, linked, with prefixes --------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_dataset_tables_are_sorted_linked_and_prefixed(live_server, lang):
    text = page(live_server, "/dataset", lang)
    for table in ("classes", "properties"):
        rows = table_rows(text, table)
        assert len(rows) > 20, f"{table}: {len(rows)} rows"
        labels = []
        for row in rows:
            head = re.search(r'<th scope="row"><a href="([^"]+)">(.*?)</a>', row, re.S)
            assert head, f"{table}: a term without a link: {row}"
            curie = re.search(r'<code(?: class="curie")? title="([^"]+)">([^<]+)</code>', row)
            assert curie, f"{table}: no compact IRI: {row}"
            iri, short = html.unescape(curie.group(1)), curie.group(2)
            # A term nobody labelled is shown by its compact IRI alone (its English local name would pass
            # for the page's language): it sorts by its local name.
            unlabelled = head.group(2).startswith("<code")
            if unlabelled:
                assert STANDARD_LABELS.get(iri) is None, f"{short} has a label in STANDARD_LABELS, not shown"
            prefix, _, local = short.partition(":")
            assert local and iri.endswith(local) and not short.startswith("http"), f"{short} is not compact"
            href = html.unescape(head.group(1))
            if iri.startswith("https://w3id.org/cec-kg/ontology#"):
                assert href == "/ontology#" + local, f"{short} links to {href}, not its entry in /ontology"
            else:
                assert href == iri, f"{short} links to {href}"
            labels.append(short.partition(":")[2] if unlabelled else text_of(head.group(2)))
        keys = [primary_key(label, lang) for label in labels]
        assert keys == sorted(keys), f"{table} not sorted by label ({lang}): {labels}"


# -- Error pages -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,title,phrase", [
    ("en", "Not Found", "nothing is served at"),
    ("es", "No encontrado", "no se sirve nada en"),
    ("fr", "Introuvable", "rien n'est servi à l'adresse"),
])
def test_404_in_the_language_with_the_switcher(live_server, lang, title, phrase):
    text = page(live_server, "/no/such/page", lang, status=404)
    assert re.search(rf"<h1>404 <span lang=\"{lang}\">{re.escape(title)}</span></h1>", text), text[:3000]
    assert phrase in html.unescape(text), "werkzeug's 404 explained in the page language"
    switcher = re.search(r'<nav class="lang"[^>]*>(.*?)</nav>', text, re.S)
    assert switcher, "the error page has the language switcher"
    others = re.findall(r'href="([^"]+)" hreflang="(\w+)"', switcher.group(1))
    assert sorted(code for _, code in others) == sorted(set(LANGS) - {lang})
    for href, code in others:
        assert html.unescape(href) == f"/no/such/page?lang={code}"
    if lang != "en":
        assert "nothing is served at" not in text and "Back to the home page" not in text


@pytest.mark.parametrize("lang,phrase", [("es", "no es un identificador que este grafo describa"),
                                         ("fr", "n'est pas un identifiant que ce graphe décrit")])
def test_an_unknown_entity_page_is_explained_in_the_language(live_server, lang, phrase):
    text = html.unescape(page(live_server, "/page/party/atlantis", lang, status=404))
    assert f'<div class="problem" lang="{lang}"><p class="problem-detail">&lt;https://w3id.org/cec-kg/id/party/atlantis&gt; ' \
           f'{phrase}' in page(live_server, "/page/party/atlantis", lang, status=404).replace("&#39;", "'"), text[:3000]
    assert "Not Found" not in text and "is not an identifier" not in text


def test_a_lower_layer_english_detail_is_marked_english(live_server):
    text = page(live_server, "/dumps/no-such-dump.ttl", "fr", status=404)
    assert re.search(r'<div class="problem" lang="en"><p class="problem-detail">no dump named', text), text[:3000]
    assert "Ce que dit le service (en anglais)" in html.unescape(text)


# -- Entity pages that read right -----------------------------------------------------------------------------

def incoming(page_html: str) -> dict[str, list[str]]:
    """'Referenced by' as {heading: [names of the things listed under it]}."""
    section = page_html.split('<section class="incoming">', 1)[1].split("</section>", 1)[0]
    out = {}
    for head, items in re.findall(r"<h3>(.*?)</h3>\s*<ul class=\"values\">(.*?)</ul>", section, re.S):
        out[text_of(head)] = [text_of(re.sub(r"<sup.*?</sup>|<a class=\"note\".*?</a>", "", li))
                              for li in re.findall(r"<li>(.*?)</li>", items, re.S)]
    return out


FOUNDER_OF = {"en": "is founder of", "es": "es fundador de", "fr": "est fondateur de"}
FOUNDER = {"en": "founder", "es": "fundador", "fr": "fondateur"}
CEC_NAME = {"en": "Commission for Environmental Cooperation", "es": "Comisión para la Cooperación Ambiental",
            "fr": "Commission de coopération environnementale"}


@pytest.mark.parametrize("lang", LANGS)
def test_incoming_links_read_by_their_inverse(live_server, lang):
    mexico = incoming(page(live_server, "/page/party/mexico", lang))
    assert FOUNDER[lang] not in mexico, f"Mexico's page says the CEC is its {FOUNDER[lang]}: {mexico}"
    assert CEC_NAME[lang] in mexico.get(FOUNDER_OF[lang], []), f"Mexico {FOUNDER_OF[lang]} the CEC: {mexico}"
    cec = incoming(page(live_server, "/page/organization/cec", lang))
    assert FOUNDER[lang] not in cec, cec
    assert any("North American Partnership for Environmental Community Action" in name
               for name in cec.get(FOUNDER_OF[lang], [])), f"the CEC {FOUNDER_OF[lang]} NAPECA: {cec}"
    napeca = page(live_server, "/page/program/napeca", lang)
    statements = napeca.split('<section class="statements">', 1)[1].split("</section>", 1)[0]
    assert re.search(rf">{FOUNDER[lang]}</span></a></th>\s*<td>.*?{CEC_NAME[lang]}", statements, re.S), \
        "NAPECA's own statement still reads founder: the CEC"
    # A verb is turned, not prefixed: "represents party" is read "represented by" from the Party's side.
    represented = {"en": "represented by", "es": "representada por", "fr": "représentée par"}[lang]
    assert represented in mexico, mexico


def test_a_person_has_each_type_and_name_once(live_server):
    text = page(live_server, "/page/person/alicia-barcena", "fr")
    types = re.search(r'<p class="types">(.*?)</p>', text, re.S).group(1)
    shown = [text_of(s) for s in re.findall(r'<span class="type"[^>]*>(.*?)</span>(?=<a class="note"|, |$)', types, re.S)]
    assert text_of(types).count("Personne") == 1, f"type repeated: {text_of(types)}"
    assert re.search(r'title="[^"]*foaf:Person[^"]*schema:Person|title="[^"]*schema:Person[^"]*foaf:Person', types), \
        "both classes stay named"
    assert shown, types
    statements = text.split('<section class="statements">', 1)[1].split("</section>", 1)[0]
    heads = [text_of(h) for h in re.findall(r'<th scope="row">(.*?)</th>', statements, re.S)]
    assert not ({"libellé", "nom"} <= set(heads)), f"label and name rows repeat the same value: {heads}"
    assert statements.count("Alicia Bárcena") == 1, "the name is shown once"


def test_sources_are_cited_by_their_title(live_server):
    for path in ("/page/person/alicia-barcena", "/page/party/mexico"):
        for lang in LANGS:
            text = page(live_server, path, lang)
            sources = text.split('<section class="sources">', 1)[1].split("</section>", 1)[0]
            assert "<code>https://" not in sources, f"{path} ({lang}) cites a source by its IRI"
    assert "Procedencia de las fuentes" in page(live_server, "/page/person/alicia-barcena", "es")


@pytest.mark.parametrize("lang,bad,good", [
    ("es", "Programa de Subvenciones", "Programa de subvenciones"),
    ("fr", "Programme de Subventions", "Programme de subventions"),
])
def test_class_names_in_sentence_case(live_server, lang, bad, good):
    text = page(live_server, "/page/program/napeca", lang)
    assert good in text and bad not in text
    dossier = page(live_server, "/page/factual-record/cozumel", lang)
    assert ("Expediente de hechos" if lang == "es" else "Dossier factuel") in dossier
