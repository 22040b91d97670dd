"""Synthetic PRTR-shaped benchmark data: facilities and their yearly pollutant releases, at any size.

Shaped like the CEC's North American PRTR data (Taking Stock): facilities in Canada, Mexico and the
United States, each with names in English, Spanish and French, a province or state, coordinates and an
industry (NAICS) code; one release record per facility, reporting year, pollutant and medium, with an
amount in kilograms. 35,000 facilities make about 3 million triples, as the CEC's own data would.

**Synthetic, never CEC data**: every IRI lives under ``https://example.org/cec-kg-bench/prtr/``, every
facility's name starts with "Synthetic", the file opens with comment lines saying so and describes
itself as a synthetic ``void:Dataset``; only the benchmark loads it, into the benchmark's own stores,
never into the CEC graph. Facilities, amounts and names are made up; the pollutants (with CAS numbers),
media, provinces and industry sectors are real lists so that queries read naturally.

``generate(path, triples)`` writes N-Triples (the default graph: a bulk PRTR dump has no named graphs),
stopping at the first facility that reaches ``triples``. The same ``triples`` always gives the same
bytes (a seeded generator, no clock, no hash order). ``python -m bench.prtr 1m out.nt`` writes one.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

BASE = "https://example.org/cec-kg-bench/prtr/"
ID = BASE + "id/"
V = BASE + "vocab#"
SIZES = {"100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "https://schema.org/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"

COUNTRIES = {  # code: (en, es, fr, share of facilities, (lat min, lat max), (long min, long max))
    "ca": ("Canada", "Canadá", "Canada", 0.25, (42.0, 60.0), (-135.0, -53.0)),
    "mx": ("Mexico", "México", "Mexique", 0.15, (15.0, 32.0), (-117.0, -87.0)),
    "us": ("United States", "Estados Unidos", "États-Unis", 0.60, (25.0, 49.0), (-124.0, -67.0)),
}
PROVINCES = {
    "ca": "Alberta,British Columbia,Manitoba,New Brunswick,Newfoundland and Labrador,Nova Scotia,Ontario,"
          "Prince Edward Island,Quebec,Saskatchewan,Northwest Territories,Nunavut,Yukon",
    "mx": "Aguascalientes,Baja California,Baja California Sur,Campeche,Chiapas,Chihuahua,Coahuila,Colima,"
          "Durango,Guanajuato,Guerrero,Hidalgo,Jalisco,México,Michoacán,Morelos,Nayarit,Nuevo León,Oaxaca,"
          "Puebla,Querétaro,Quintana Roo,San Luis Potosí,Sinaloa,Sonora,Tabasco,Tamaulipas,Tlaxcala,"
          "Veracruz,Yucatán,Zacatecas,Ciudad de México",
    "us": "Alabama,Alaska,Arizona,Arkansas,California,Colorado,Connecticut,Delaware,Florida,Georgia,Hawaii,"
          "Idaho,Illinois,Indiana,Iowa,Kansas,Kentucky,Louisiana,Maine,Maryland,Massachusetts,Michigan,"
          "Minnesota,Mississippi,Missouri,Montana,Nebraska,Nevada,New Hampshire,New Jersey,New Mexico,"
          "New York,North Carolina,North Dakota,Ohio,Oklahoma,Oregon,Pennsylvania,Rhode Island,"
          "South Carolina,South Dakota,Tennessee,Texas,Utah,Vermont,Virginia,Washington,West Virginia,"
          "Wisconsin,Wyoming,District of Columbia",
}
INDUSTRIES = {  # NAICS sector: (en, es, fr)
    "211": ("oil and gas extraction", "extracción de petróleo y gas", "extraction de pétrole et de gaz"),
    "212": ("mining", "minería", "extraction minière"),
    "221": ("electric power generation", "generación de energía eléctrica", "production d'électricité"),
    "311": ("food manufacturing", "industria alimentaria", "fabrication d'aliments"),
    "321": ("wood products", "productos de madera", "produits en bois"),
    "322": ("pulp and paper", "celulosa y papel", "pâtes et papiers"),
    "324": ("petroleum refining", "refinación de petróleo", "raffinage du pétrole"),
    "325": ("chemical manufacturing", "industria química", "fabrication de produits chimiques"),
    "326": ("plastics and rubber", "plásticos y hule", "plastiques et caoutchouc"),
    "327": ("cement and minerals", "cemento y minerales", "ciment et minéraux"),
    "331": ("primary metals", "metálicas básicas", "première transformation des métaux"),
    "332": ("fabricated metal products", "productos metálicos", "produits métalliques"),
    "336": ("transportation equipment", "equipo de transporte", "matériel de transport"),
    "486": ("pipeline transportation", "transporte por ductos", "transport par pipeline"),
    "562": ("waste management", "manejo de residuos", "gestion des déchets"),
}
POLLUTANTS = {  # slug: (CAS number, en, es, fr)
    "lead": ("7439-92-1", "Lead", "Plomo", "Plomb"),
    "mercury": ("7439-97-6", "Mercury", "Mercurio", "Mercure"),
    "cadmium": ("7440-43-9", "Cadmium", "Cadmio", "Cadmium"),
    "arsenic": ("7440-38-2", "Arsenic", "Arsénico", "Arsenic"),
    "chromium": ("7440-47-3", "Chromium", "Cromo", "Chrome"),
    "nickel": ("7440-02-0", "Nickel", "Níquel", "Nickel"),
    "zinc": ("7440-66-6", "Zinc", "Zinc", "Zinc"),
    "copper": ("7440-50-8", "Copper", "Cobre", "Cuivre"),
    "manganese": ("7439-96-5", "Manganese", "Manganeso", "Manganèse"),
    "benzene": ("71-43-2", "Benzene", "Benceno", "Benzène"),
    "toluene": ("108-88-3", "Toluene", "Tolueno", "Toluène"),
    "xylene": ("1330-20-7", "Xylene", "Xileno", "Xylène"),
    "styrene": ("100-42-5", "Styrene", "Estireno", "Styrène"),
    "n-hexane": ("110-54-3", "n-Hexane", "n-Hexano", "n-Hexane"),
    "methanol": ("67-56-1", "Methanol", "Metanol", "Méthanol"),
    "formaldehyde": ("50-00-0", "Formaldehyde", "Formaldehído", "Formaldéhyde"),
    "acetaldehyde": ("75-07-0", "Acetaldehyde", "Acetaldehído", "Acétaldéhyde"),
    "ammonia": ("7664-41-7", "Ammonia", "Amoníaco", "Ammoniac"),
    "hydrochloric-acid": ("7647-01-0", "Hydrochloric acid", "Ácido clorhídrico", "Acide chlorhydrique"),
    "sulfuric-acid": ("7664-93-9", "Sulfuric acid", "Ácido sulfúrico", "Acide sulfurique"),
    "nitric-acid": ("7697-37-2", "Nitric acid", "Ácido nítrico", "Acide nitrique"),
    "chlorine": ("7782-50-5", "Chlorine", "Cloro", "Chlore"),
    "hydrogen-sulfide": ("7783-06-4", "Hydrogen sulfide", "Ácido sulfhídrico", "Sulfure d'hydrogène"),
    "carbon-disulfide": ("75-15-0", "Carbon disulfide", "Disulfuro de carbono", "Disulfure de carbone"),
    "dichloromethane": ("75-09-2", "Dichloromethane", "Diclorometano", "Dichlorométhane"),
    "ethylene-glycol": ("107-21-1", "Ethylene glycol", "Etilenglicol", "Éthylène glycol"),
}
MEDIA = {
    "air": ("air", "aire", "air"),
    "water": ("surface water", "agua superficial", "eaux de surface"),
    "land": ("land", "suelo", "sol"),
    "underground-injection": ("underground injection", "inyección subterránea", "injection souterraine"),
    "off-site-transfer": ("off-site transfer", "transferencia fuera del sitio", "transfert hors site"),
}
YEARS = range(2006, 2024)
# Place words in facility names, so a label search has matches at several selectivities.
PLACES = ("Riverside Lakeview Pinecrest Northgate Harbor Summit Valley Prairie Ridge Bayview Cedar Granite "
          "Maple Willow Redwood Canyon Mesa Delta Coastal Highland Ironwood Silver Falcon Eagle").split()


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class _Out:
    def __init__(self, f) -> None:
        self.f = f
        self.count = 0

    def iri(self, s: str, p: str, o: str) -> None:
        self.f.write(f"<{s}> <{p}> <{o}> .\n")
        self.count += 1

    def lit(self, s: str, p: str, value: str, lang: str | None = None, datatype: str | None = None) -> None:
        suffix = f"@{lang}" if lang else (f"^^<{datatype}>" if datatype else "")
        self.f.write(f'<{s}> <{p}> "{_esc(value)}"{suffix} .\n')
        self.count += 1

    def labels(self, s: str, en: str, es: str, fr: str) -> None:
        self.lit(s, RDFS_LABEL, en, "en")
        for text, lang in ((en, "en"), (es, "es"), (fr, "fr")):
            self.lit(s, SKOS_PREF, text, lang)


def _reference_data(out: _Out) -> None:
    """Countries, provinces, industries, pollutants and media: the code lists the facts point to."""
    dataset = BASE + "dataset"
    out.iri(dataset, RDF_TYPE, VOID + "Dataset")
    out.lit(dataset, DCT + "title", "Synthetic PRTR-shaped benchmark data (generated by bench/prtr.py; "
                                    "not CEC data)", "en")
    out.lit(dataset, DCT + "description", "Made-up facilities and release amounts for benchmarking only; "
                                          "never load this into the CEC graph.", "en")
    for code, (en, es, fr, *_rest) in COUNTRIES.items():
        country = ID + f"country/{code}"
        out.iri(country, RDF_TYPE, SCHEMA + "Country")
        out.labels(country, en, es, fr)
        for name in PROVINCES[code].split(","):
            prov = ID + f"province/{code}-{_slug(name)}"
            out.iri(prov, RDF_TYPE, V + "Province")
            out.iri(prov, SCHEMA + "containedInPlace", country)
            out.labels(prov, name, name, name)
    for code, (en, es, fr) in INDUSTRIES.items():
        ind = ID + f"industry/naics-{code}"
        out.iri(ind, RDF_TYPE, V + "Industry")
        out.lit(ind, V + "naicsCode", code)
        out.labels(ind, en.capitalize(), es.capitalize(), fr.capitalize())
    for slug, (cas, en, es, fr) in POLLUTANTS.items():
        pol = ID + f"pollutant/{slug}"
        out.iri(pol, RDF_TYPE, V + "Pollutant")
        out.lit(pol, V + "casNumber", cas)
        out.labels(pol, en, es, fr)
    for slug, (en, es, fr) in MEDIA.items():
        med = ID + f"medium/{slug}"
        out.iri(med, RDF_TYPE, V + "Medium")
        out.labels(med, en, es, fr)


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name.lower()).split())


def generate(path: Path, triples: int, seed: int = 20240611) -> int:
    """Write about ``triples`` triples of synthetic PRTR data to ``path`` (N-Triples); return the count."""
    rnd = random.Random(seed)
    codes = list(COUNTRIES)
    weights = [COUNTRIES[c][3] for c in codes]
    provinces = {c: [ID + f"province/{c}-{_slug(n)}" for n in PROVINCES[c].split(",")] for c in codes}
    pollutants = list(POLLUTANTS)
    media = list(MEDIA)
    industries = list(INDUSTRIES)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as f:
        f.write("# Synthetic PRTR-shaped benchmark data, generated by bench/prtr.py (cec-kg).\n"
                "# NOT CEC data: made-up facilities and amounts. Never load this into the CEC graph.\n")
        out = _Out(f)
        _reference_data(out)
        n = 0
        while out.count < triples:
            n += 1
            code = rnd.choices(codes, weights)[0]
            en_c, es_c, fr_c, _, (lat0, lat1), (lon0, lon1) = COUNTRIES[code]
            naics = rnd.choice(industries)
            ind_en, ind_es, ind_fr = INDUSTRIES[naics]
            place = rnd.choice(PLACES)
            fac = ID + f"facility/f{n:06d}"
            out.iri(fac, RDF_TYPE, V + "Facility")
            out.iri(fac, RDF_TYPE, SCHEMA + "Place")
            out.labels(fac, f"Synthetic {place} {ind_en} facility {n}",
                       f"Instalación sintética {place} de {ind_es} {n}",
                       f"Installation synthétique {place} de {ind_fr} {n}")
            out.lit(fac, DCT + "identifier", f"{code.upper()}-{n:06d}")
            out.iri(fac, SCHEMA + "addressCountry", ID + f"country/{code}")
            out.iri(fac, V + "province", rnd.choice(provinces[code]))
            out.lit(fac, GEO + "lat", f"{rnd.uniform(lat0, lat1):.4f}", datatype=XSD + "decimal")
            out.lit(fac, GEO + "long", f"{rnd.uniform(lon0, lon1):.4f}", datatype=XSD + "decimal")
            out.iri(fac, V + "industry", ID + f"industry/naics-{naics}")
            out.lit(fac, V + "naicsCode", naics)
            # Releases: a few pollutant/medium pairs, each reported over a run of consecutive years.
            pairs = [(rnd.choice(pollutants), rnd.choice(media)) for _ in range(rnd.randint(1, 4))]
            for pol, med in dict.fromkeys(pairs):      # distinct, in drawn order (a set's order is per process)
                first = rnd.choice(YEARS[:-2])
                span = rnd.randint(2, 9)
                scale = rnd.lognormvariate(6, 2)
                for year in range(first, min(first + span, YEARS.stop)):
                    rel = ID + f"release/f{n:06d}-{year}-{pol}-{med}"
                    out.iri(rel, RDF_TYPE, V + "Release")
                    out.iri(rel, V + "facility", fac)
                    out.lit(rel, V + "reportingYear", str(year), datatype=XSD + "gYear")
                    out.iri(rel, V + "pollutant", ID + f"pollutant/{pol}")
                    out.iri(rel, V + "medium", ID + f"medium/{med}")
                    out.lit(rel, V + "amountKg", f"{scale * rnd.uniform(0.5, 1.5):.3f}", datatype=XSD + "decimal")
    tmp.replace(path)
    return out.count


def size_of(name: str) -> int:
    """``100k``, ``1m``, ``5m`` (or any number of triples, e.g. ``250000``)."""
    key = name.lower()
    if key in SIZES:
        return SIZES[key]
    try:
        return int(float(key.rstrip("kmKM")) * {"k": 1_000, "m": 1_000_000}.get(key[-1], 1))
    except ValueError:
        raise ValueError(f"unknown size {name!r}: use 100k, 1m, 5m or a number of triples") from None


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: python -m bench.prtr SIZE OUT.nt   (SIZE: 100k, 1m, 5m or a number of triples)",
              file=sys.stderr)
        sys.exit(2)
    count = generate(Path(sys.argv[2]), size_of(sys.argv[1]))
    print(f"{sys.argv[2]}: {count:,} triples (synthetic PRTR-shaped data)")
