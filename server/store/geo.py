"""Results with coordinates as places: KML and GeoJSON, and the points a map draws.

A row is a place when it binds a GeoSPARQL ``geo:wktLiteral`` ``POINT`` (CRS84 by default: longitude
then latitude; with the EPSG:4326 CRS IRI, latitude first) or numeric variables named ``lat``/
``latitude`` and ``long``/``lon``/``lng``/``longitude``. Each such row is one KML ``Placemark`` or one
GeoJSON ``Feature``: its name is the first of the variables ``label``, ``name``, ``title`` (else the
first literal, else the first IRI), every variable is kept (KML ``ExtendedData``, GeoJSON
``properties``). Rows without coordinates are left out; results without any are refused (a 4xx
saying what to bind).
"""
from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

import pyoxigraph as ox

KML = "application/vnd.google-earth.kml+xml"
GEOJSON = "application/geo+json"
GEO_RESULTS = {KML: "kml", GEOJSON: "geojson"}
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
EPSG_4326 = re.compile(r"^\s*<https?://www\.opengis\.net/def/crs/EPSG/0/4326>", re.I)
_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*(?:Z|M|ZM)?\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)", re.I)
LAT_NAMES = ("lat", "latitude")
LONG_NAMES = ("long", "lon", "lng", "longitude")
NAME_VARIABLES = ("label", "name", "title")
NO_COORDINATES = ("the results hold no coordinates: bind a geo:wktLiteral POINT, or numeric variables ?lat and "
                  "?long (or ?latitude and ?longitude), to get KML or GeoJSON; ask for CSV or JSON otherwise")


def wkt_point(value: str) -> tuple[float, float] | None:
    """(longitude, latitude) of a WKT POINT, or None."""
    m = _POINT.match(value)
    if not m:
        return None
    a, b = float(m.group(1)), float(m.group(2))
    lon, lat = (b, a) if EPSG_4326.match(value) else (a, b)
    if -180 <= lon <= 180 and -90 <= lat <= 90:
        return lon, lat
    return None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def point(row: dict[str, tuple[str, str | None] | None]) -> tuple[float, float] | None:
    """(longitude, latitude) of a row given as variable -> (lexical value, datatype) or None."""
    for v, term in row.items():
        if term and term[1] == WKT:
            found = wkt_point(term[0])
            if found:
                return found
    lower = {k.lower(): k for k in row}
    lat_var = next((lower[n] for n in LAT_NAMES if n in lower), None)
    lon_var = next((lower[n] for n in LONG_NAMES if n in lower), None)
    if lat_var and lon_var and row[lat_var] and row[lon_var]:
        lat, lon = _number(row[lat_var][0]), _number(row[lon_var][0])
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            return lon, lat
    return None


def has_coordinates(variables: list[str]) -> bool:
    """Whether a result's variables could carry coordinates by name (lat and long)."""
    lower = {v.lower() for v in variables}
    return bool(lower & set(LAT_NAMES)) and bool(lower & set(LONG_NAMES))


def _plain(term) -> tuple[str, str | None] | None:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return term.value, (term.datatype.value if term.datatype and not term.language else None)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value, None
    return term.value, "iri" if isinstance(term, ox.NamedNode) else None


def name_of(row: dict) -> str:
    lower = {k.lower(): k for k in row}
    for n in NAME_VARIABLES:
        if n in lower and row[lower[n]]:
            return row[lower[n]][0]
    for term in row.values():
        if term and term[1] not in ("iri", WKT):
            return term[0]
    return next((term[0] for term in row.values() if term), "")


def places(variables: list[str], solutions, row_cap: int) -> tuple[list[tuple[dict, tuple[float, float]]], bool]:
    """(rows with a point, truncated) of pyoxigraph solutions."""
    out, truncated, seen = [], False, 0
    for sol in solutions:
        if seen == row_cap:
            truncated = True
            break
        seen += 1
        row = {v: _plain(sol[v]) for v in variables}
        p = point(row)
        if p:
            out.append((row, p))
    return out, truncated


def kml(variables: list[str], rows: list[tuple[dict, tuple[float, float]]]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
             "<name>SPARQL results</name>"]
    for row, (lon, lat) in rows:
        parts.append(f"<Placemark><name>{escape(name_of(row))}</name>")
        lines = [f"{v}: {row[v][0]}" for v in variables if row.get(v) and row[v][1] != WKT]
        if lines:
            parts.append(f"<description>{escape(chr(10).join(lines))}</description>")
        parts.append("<ExtendedData>" + "".join(
            f'<Data name="{escape(v, {chr(34): "&quot;"})}"><value>{escape(row[v][0])}</value></Data>'
            for v in variables if row.get(v)) + "</ExtendedData>")
        parts.append(f"<Point><coordinates>{lon:g},{lat:g}</coordinates></Point></Placemark>")
    parts.append("</Document></kml>\n")
    return "".join(parts).encode("utf-8")


def geojson(variables: list[str], rows: list[tuple[dict, tuple[float, float]]]) -> bytes:
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"name": name_of(row), **{v: row[v][0] for v in variables if row.get(v)}}}
                for row, (lon, lat) in rows]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")
