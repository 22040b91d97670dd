"""Maps of results with coordinates, drawn on the server as SVG over a vendored world outline.

The outline is Natural Earth's land at 1:110m (``static/vendor/world-atlas/land-110m.json``, TopoJSON
from the world-atlas npm package, copied by ``make vendor``): no tile server, nothing from the
network. Points (``store.geo``: a ``geo:wktLiteral`` POINT or ``lat``/``long`` variables) are drawn in
an equirectangular projection zoomed to their extent; each is a ``circle class="mark"`` with a
``<title>`` (its name) and, for an IRI of ours, a link to its page. The results table is the map's
text alternative.
"""
from __future__ import annotations

import json
from functools import lru_cache
from itertools import count
from pathlib import Path
from xml.sax.saxutils import escape

from markupsafe import Markup

ATLAS = Path(__file__).parent / "static" / "vendor" / "world-atlas" / "land-110m.json"
_ids = count(1)


@lru_cache(maxsize=1)
def land_rings() -> list[list[tuple[float, float]]]:
    """Every ring of the land polygons as (longitude, latitude) points (TopoJSON arcs decoded)."""
    topo = json.loads(ATLAS.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes):
        out: list[tuple[float, float]] = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        return out

    rings = []
    for geom in topo["objects"]["land"]["geometries"]:
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        for polygon in polygons:
            rings.extend(ring(r) for r in polygon)
    return rings


def _extent(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    pad_x, pad_y = max(4.0, (east - west) * 0.25), max(3.0, (north - south) * 0.25)
    west, east = max(-180.0, west - pad_x), min(180.0, east + pad_x)
    south, north = max(-85.0, south - pad_y), min(85.0, north + pad_y)
    # Keep the picture at least 3:2 (wide), widening the narrow side around its centre.
    if (east - west) < 1.5 * (north - south):
        grow = (1.5 * (north - south) - (east - west)) / 2
        west, east = max(-180.0, west - grow), min(180.0, east + grow)
    return west, east, south, north


def svg(points: list[dict], *, title: str, desc: str, width: int = 640) -> Markup:
    """``points``: [{"lon", "lat", "name", "href" (optional)}] → an SVG map zoomed to them."""
    uid = f"map{next(_ids)}"
    west, east, south, north = _extent([(p["lon"], p["lat"]) for p in points])
    height = round(width * (north - south) / (east - west))
    kx, ky = width / (east - west), height / (north - south)

    def xy(lon, lat):
        return (lon - west) * kx, (north - lat) * ky

    paths = []
    for ring in land_rings():
        if not any(west - 20 <= lon <= east + 20 and south - 20 <= lat <= north + 20 for lon, lat in ring):
            continue
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(lon, lat) for lon, lat in ring))
        paths.append(f"M{coords}Z")
    parts = [f'<svg class="map" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="{uid}-t {uid}-d" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>',
             f'<rect class="sea" width="{width}" height="{height}"/>',
             f'<path class="land" d="{" ".join(paths)}"/>']
    for p in points:
        x, y = xy(p["lon"], p["lat"])
        mark = (f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="5" data-lon="{p["lon"]:g}" data-lat="{p["lat"]:g}">'
                f'<title>{escape(p["name"])} ({p["lat"]:g}, {p["lon"]:g})</title></circle>')
        if p.get("href"):
            mark = f'<a href="{escape(p["href"], {chr(34): "&quot;"})}">{mark}</a>'
        parts.append(mark)
    parts.append("</svg>")
    return Markup("".join(parts))
