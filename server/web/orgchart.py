"""The organization chart, generated from the graph (``queries/server/org-chart.rq``) as inline SVG.

An indented tree, top to bottom, narrow enough for a phone: the Parties (members), the organization
with the posts in it and the people holding them, then its units (Council, Secretariat, JPAC), each
with the posts in it (holder and the Party represented) and the bodies reporting to it (the TEK
Expert Group to the Council). Every box links to its page. The same tree is given as a nested list
(the text alternative, and what a screen reader or a browser without SVG reads).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from xml.sax.saxutils import escape

import pyoxigraph as ox
from markupsafe import Markup

from ..linkeddata import describe as d
from .i18n import Label, t
from .pages import Labeller, href_for
from .results import labels_for

CEC = "https://w3id.org/cec-kg/id/organization/cec"
_ids = count(1)
ROLE_ORDER = {"member": 0, "post": 1, "unit": 2, "reports": 3}
UNIT_ORDER = ["council", "secretariat", "jpac"]       # the seed's order: "the Council, the Secretariat and JPAC"


@dataclass
class Node:
    iri: str
    role: str                   # org, member, unit, reports, post
    label: Label | None = None
    holder: str | None = None
    holder_label: Label | None = None
    party: str | None = None
    party_label: Label | None = None
    href: str = ""
    children: list["Node"] = field(default_factory=list)


def structure(org: str = CEC) -> list[tuple[str, str, str, str | None, str | None]]:
    def compute():
        return [(r["role"].value, r["node"].value, r["parent"].value,
                 r["holder"].value if r["holder"] is not None else None,
                 r["party"].value if r["party"] is not None else None)
                for r in d.run("org-chart", org=ox.NamedNode(org))]
    return d.memo(("org-chart", org), compute)


def tree(lang: str, lang_qs: str, org: str = CEC) -> Node | None:
    rows = structure(org)
    if not rows:
        return None
    iris = sorted({org} | {r[1] for r in rows} | {r[3] for r in rows if r[3]} | {r[4] for r in rows if r[4]})
    labeller = Labeller(lang, None)
    labeller.entity_labels = labels_for(iris)

    def node(iri, role, holder=None, party=None):
        return Node(iri, role, labeller.thing(iri), holder, labeller.thing(holder) if holder else None, party,
                    labeller.thing(party) if party else None, href_for(iri, lang_qs))

    root = node(org, "org")
    nodes = {org: root}
    for role, iri, parent, holder, party in sorted(rows, key=lambda r: (ROLE_ORDER.get(r[0], 9), r[1])):
        if role == "member":
            continue
        n = nodes.setdefault(iri, node(iri, role, holder, party))
        nodes.setdefault(parent, node(parent, "unit")).children.append(n)

    def unit_rank(n: Node):
        tail = n.iri.rsplit("/", 1)[-1]
        return (ROLE_ORDER.get(n.role, 9), UNIT_ORDER.index(tail) if tail in UNIT_ORDER else 9, n.label.text)
    for n in nodes.values():
        n.children.sort(key=unit_rank)
    root.members = [node(r[1], "member") for r in rows if r[0] == "member"]      # type: ignore[attr-defined]
    return root


def _a(text) -> str:
    return escape(str(text), {'"': "&quot;"})


def _named(label: Label) -> str:
    """A name as SVG text, in the language it is written in (a name shown in English on a Spanish page
    says so: screen readers pronounce it right, and the page's own text stays in the page's language)."""
    return f'<tspan lang="{_a(label.lang)}">{_a(label.text)}</tspan>' if label.lang else _a(label.text)


def svg(root: Node, lang: str) -> Markup:
    """The tree as SVG: rows of boxes, indented by depth, elbow connectors to the parent."""
    uid = f"org{next(_ids)}"
    width, indent, gap = 440, 22, 8
    rows: list[tuple[Node, int]] = []

    def walk(n: Node, depth: int):
        rows.append((n, depth))
        for c in n.children:
            walk(c, depth + 1)
    walk(root, 0)
    members = getattr(root, "members", [])
    y = 4
    parts = []
    # The Parties: one row of boxes above the organization.
    if members:
        parts.append(f'<text x="0" y="{y + 11}" class="caption">{_a(t("org_members", lang))}</text>')
        y += 18
        w = (width - gap * (len(members) - 1)) / len(members)
        for i, m in enumerate(members):
            x = i * (w + gap)
            parts.append(f'<a href="{_a(m.href)}"><rect class="box member" x="{x:.1f}" y="{y}" width="{w:.1f}" height="26" '
                         f'rx="4"/><text x="{x + w / 2:.1f}" y="{y + 17}" text-anchor="middle" class="name">'
                         f'{_named(m.label)}</text></a>')
            parts.append(f'<line class="link" x1="{x + w / 2:.1f}" y1="{y + 26}" x2="{x + w / 2:.1f}" y2="{y + 38}"/>')
        parts.append(f'<line class="link" x1="{w / 2:.1f}" y1="{y + 38}" x2="{width - w / 2:.1f}" y2="{y + 38}"/>'
                     f'<line class="link" x1="{width / 2:.1f}" y1="{y + 38}" x2="{width / 2:.1f}" y2="{y + 46}"/>')
        y += 46
    anchors: dict[int, tuple[float, float]] = {}    # id(node) -> (x of its connector, bottom y)
    for n, depth in rows:
        x = depth * indent
        two_lines = n.role == "post"
        h = 38 if two_lines else 26
        w = width - x
        klass = {"org": "org", "unit": "unit", "reports": "unit reports", "post": "post"}.get(n.role, "unit")
        parent = next((p for p, _ in rows if n in p.children), None)
        if parent is not None and id(parent) in anchors:
            px, pbottom = anchors[id(parent)]
            parts.append(f'<path class="link" d="M{px:.1f} {pbottom} V{y + h / 2:.1f} H{x}"/>')
        parts.append(f'<a href="{_a(n.href)}"><rect class="box {klass}" x="{x}" y="{y}" width="{w}" height="{h}" rx="4"/>')
        prefix = t("org_reports_to", lang) + " " if n.role == "reports" else ""
        parts.append(f'<text x="{x + 8}" y="{y + 17}" class="name">{_a(prefix)}{_named(n.label)}</text></a>')
        if two_lines:
            who = []
            if n.holder_label:
                who.append(_named(n.holder_label))
            if n.party_label:
                who.append(_named(n.party_label))
            if who:
                link = f'<a href="{_a(href_for(n.holder, ""))}">' if n.holder else "<a>"
                parts.append(f'{link}<text x="{x + 8}" y="{y + 32}" class="holder">{" · ".join(who)}</text></a>')
        anchors[id(n)] = (x + 10, y + h)
        y += h + gap
    height = y
    head = (f'<svg class="org-chart" viewBox="0 0 {width} {height}" width="100%" role="group" '
            f'aria-labelledby="{uid}-t" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{uid}-t">{_a(t("org_chart_title", lang).format(org=root.label.text))}</title>'
            f'<desc>{_a(t("org_chart_desc", lang))}</desc>')
    return Markup(head + "".join(parts) + "</svg>")


def chart(lang: str, lang_qs: str, org: str = CEC) -> dict | None:
    """{"svg": the picture, "root": the tree (for the nested list)} or None when the graph has no structure."""
    root = tree(lang, lang_qs, org)
    if root is None:
        return None
    return {"svg": svg(root, lang), "root": root, "members": getattr(root, "members", [])}
