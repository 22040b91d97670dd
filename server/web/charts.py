"""Charts as inline SVG, drawn on the server (readable without JavaScript, no library, no network).

- ``bar_chart``: a label and a number per item, as horizontal bars (long labels stay readable on a
  phone: each label sits above its bar);
- ``timeline``: counts per year, stacked by series (e.g. per Party), every year of the span shown;
- ``choose``: which of the two fits a table of results (label + number → bars; year or date +
  number → timeline), as the results page and the saved queries pick them.

Every chart has a ``<title>`` and ``<desc>`` (``role="img"``, or ``"group"`` when its marks are links;
``aria-labelledby``) and each mark a ``<title>`` with its label and value; the pages add a table of the same numbers as the text
alternative. Marks carry ``class="mark"`` and ``data-value``.
"""
from __future__ import annotations

import re
from itertools import count
from xml.sax.saxutils import escape

from markupsafe import Markup

PALETTE = ["#0b4f6c", "#c0572b", "#3d8b37", "#7b4f9d", "#b08900", "#2a7fa8", "#8a8a8a"]
_ids = count(1)
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBER_TYPES = {XSD + n for n in ("integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
                                  "positiveInteger", "unsignedInt", "unsignedLong")}
YEAR_TYPES = {XSD + "gYear", XSD + "date", XSD + "dateTime", XSD + "gYearMonth"}
_YEAR = re.compile(r"^(\d{4})(?:-\d\d(?:-\d\d)?)?")


def _a(text) -> str:
    return escape(str(text), {'"': "&quot;"})


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000):
        if value <= step * 5:
            return step * ((int(value) + step - 1) // step) if value > step else step
    return value


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:.2f}".rstrip("0").rstrip(".")


def bar_chart(items: list[tuple[str, float]], *, title: str, desc: str, width: int = 420,
              number_format=_fmt) -> Markup:
    """Horizontal bars, one per (label, value), in the given order."""
    uid = f"chart{next(_ids)}"
    top = max((v for _, v in items), default=0) or 1
    row, label_h, bar_h = 42, 16, 16
    height = max(row * len(items) + 10, 40)
    plot = width - 70
    parts = [f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{uid}-t">{_a(title)}</title><desc id="{uid}-d">{_a(desc)}</desc>']
    for i, (label, value) in enumerate(items):
        y = 6 + i * row
        w = max(1.5, plot * (value / top)) if value else 0
        shown = number_format(value)
        parts.append(f'<text x="0" y="{y + label_h - 3}" class="label">{_a(label)}</text>')
        parts.append(f'<rect class="mark" x="0" y="{y + label_h + 2}" width="{w:.1f}" height="{bar_h}" rx="2" '
                     f'fill="{PALETTE[0]}" data-label="{_a(label)}" data-value="{_fmt(value)}">'
                     f'<title>{_a(label)}: {_a(shown)}</title></rect>')
        parts.append(f'<text x="{w + 6:.1f}" y="{y + label_h + bar_h - 1}" class="value">{_a(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def timeline(counts: dict[int, dict[str, float]], *, series: list[tuple[str, str]], title: str, desc: str,
             width: int = 640, height: int = 220, href=None, number_format=_fmt) -> Markup:
    """Columns per year, stacked by series. ``counts``: year -> {series key: value}; ``series``: (key,
    label) in stacking order; ``href(year)`` links each year's column (e.g. to a filtered list);
    ``number_format`` writes the numbers people read (the page language's; data-value stays plain)."""
    uid = f"chart{next(_ids)}"
    if not counts:
        return Markup("")
    first, last = min(counts), max(counts)
    years = list(range(first, last + 1))
    totals = {y: sum(counts.get(y, {}).values()) for y in years}
    top = _nice_max(max(totals.values()) or 1)
    left, right, top_pad, bottom = 28, 6, 8, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / len(years)
    bar = max(2.0, step * 0.72)
    # A picture (role img) cannot hold links: with a link per year it is a group of them (axe:
    # nested-interactive), still named by its title and description.
    role = "group" if href else "img"
    parts = [f'<svg class="chart timeline" viewBox="0 0 {width} {height}" width="100%" role="{role}" '
             f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{uid}-t">{_a(title)}</title><desc id="{uid}-d">{_a(desc)}</desc>']
    ticks = sorted({0, top, top / 2} if top >= 2 else {0, top})
    for tick in ticks:
        y = top_pad + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">{number_format(tick)}</text>')
    colors = {key: PALETTE[i % len(PALETTE)] for i, (key, _) in enumerate(series)}
    names = dict(series)
    label_every = 1 if len(years) <= 12 else 2 if len(years) <= 24 else 5
    for i, y in enumerate(years):
        x = left + i * step + (step - bar) / 2
        base = top_pad + plot_h
        group = []
        for key, _ in series:
            v = counts.get(y, {}).get(key, 0)
            if not v:
                continue
            h = plot_h * v / top
            base -= h
            group.append(f'<rect class="mark" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colors[key]}" data-year="{y}" data-series="{_a(key)}" data-value="{_fmt(v)}">'
                         f'<title>{y} · {_a(names[key])}: {number_format(v)}</title></rect>')
        if group and href:
            parts.append(f'<a href="{_a(href(y))}">' + "".join(group) + "</a>")
        else:
            parts.extend(group)
        if (y - first) % label_every == 0 or y == last:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" class="axis" '
                         f'text-anchor="middle">{y}</text>')
    if len(series) > 1:
        lx = left
        for key, label in series:
            if not any(counts.get(y, {}).get(key) for y in years):
                continue
            parts.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" fill="{colors[key]}"/>'
                         f'<text x="{lx + 14}" y="{height - 3}" class="legend">{_a(label)}</text>')
            lx += 22 + 7 * len(label)
    parts.append("</svg>")
    return Markup("".join(parts))


def year_of(term: dict | None) -> int | None:
    """The year of a SPARQL JSON term that is a year, a date or a 4-digit integer; else None."""
    if not term or term.get("type") not in ("literal", "typed-literal"):
        return None
    dt = term.get("datatype")
    m = _YEAR.match(term["value"])
    four_digits = re.fullmatch(r"\d{4}", term["value"]) is not None     # 1998, as a number or as text
    if m and (dt in YEAR_TYPES or (four_digits and (dt in NUMBER_TYPES or dt in (None, XSD + "string")))):
        return int(m.group(1))
    return None


def number_of(term: dict | None) -> float | None:
    if not term or term.get("datatype") not in NUMBER_TYPES:
        return None
    try:
        return float(term["value"])
    except ValueError:
        return None


def choose(variables: list[str], bindings: list[dict]) -> dict | None:
    """The chart a result's shape calls for: {"kind": "timeline"|"bar", "x": var, "y": var} or None.

    A column of years or dates and a column of numbers → a timeline; a column of labels (or IRIs) and a
    column of numbers → bars. Every row must fit (at most 60 bars)."""
    if not bindings or len(bindings) > 200:
        return None
    numeric = [v for v in variables if all(number_of(b.get(v)) is not None for b in bindings)]
    yearly = [v for v in variables if all(year_of(b.get(v)) is not None for b in bindings)]
    for y in numeric:
        for x in yearly:
            if x != y:
                return {"kind": "timeline", "x": x, "y": y}
    if len(bindings) <= 60:
        for y in numeric:
            for x in variables:
                if x != y and x not in numeric and all(b.get(x) for b in bindings):
                    return {"kind": "bar", "x": x, "y": y}
    return None
