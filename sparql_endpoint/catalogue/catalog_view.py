"""The catalogue as a data portal shows it: datasets, their files, the service, how to harvest.

Read from the published ``catalog.ttl`` triples; the page's words (``catalogue.words``)
make it read the same as a portal's dataset page.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from achat_core.iris import DCT, FOAF, PREFIXES

DCAT = PREFIXES["dcat"]
SPDX = "http://spdx.org/rdf/terms#"

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS_LABEL = PREFIXES["skos"] + "prefLabel"
VCARD = "http://www.w3.org/2006/vcard/ns#"



class _Index:
    """The catalogue's triples by subject and property, with texts in the reader's language."""

    def __init__(self, triples: list[ox.Triple], lang: str):
        self.lang = lang
        self.values: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.values[t.subject.value][t.predicate.value].append(t.object)

    def all(self, node: str, prop: str) -> list:
        return self.values.get(node, {}).get(prop, [])

    def iris(self, node: str, prop: str) -> list[str]:
        return sorted(v.value for v in self.all(node, prop) if isinstance(v, ox.NamedNode))

    def one(self, node: str, prop: str) -> str | None:
        values = self.all(node, prop)
        return values[0].value if values else None

    def text(self, node: str, *props: str) -> str | None:
        for prop in props:
            values = [v for v in self.all(node, prop) if isinstance(v, ox.Literal)]
            chosen = [v for v in values if v.language == self.lang] or values
            if chosen:
                return chosen[0].value
        return None

    def texts(self, node: str, prop: str) -> list[str]:
        values = [v for v in self.all(node, prop) if isinstance(v, ox.Literal)]
        return sorted(v.value for v in values if v.language in (self.lang, None))

    def label(self, iri: str) -> str:
        return self.text(iri, SKOS_LABEL, RDFS_LABEL, FOAF + "name", VCARD + "fn") or iri


def _size(n: int, lang: str) -> str:
    for unit, factor in (("Go" if lang == "fr" else "GB", 1e9), ("Mo" if lang == "fr" else "MB",
                                                                   1e6),
                         ("ko" if lang == "fr" else "kB", 1e3)):
        if n >= factor:
            shown = f"{n / factor:.1f}"
            return (shown.replace(".", ",") if lang == "fr" else shown) + " " + unit
    return f"{n} {'octets' if lang == 'fr' else 'bytes'}"


def catalog_view(triples: list[ox.Triple], lang: str, href, name) -> dict:
    """Return the catalogue as {title, description, datasets, services} for the portal page.

    ``href`` turns an IRI into the link a reader follows (our pages for our IRIs);
    ``name`` gives the label of an IRI the catalogue does not label (EU tables).
    """
    idx = _Index(triples, lang)
    catalogs = [s for s, props in idx.values.items()
                if any(o.value == DCAT + "Catalog" for o in props.get(RDF_TYPE, []))]
    catalog = catalogs[0] if catalogs else ""

    def link(iri: str) -> dict:
        text = idx.label(iri)
        return {"iri": iri, "href": href(iri), "text": name(iri) if text == iri else text}

    datasets = []
    for ds in idx.iris(catalog, DCAT + "dataset"):
        period = idx.one(ds, DCT + "temporal")
        files = []
        for dist in idx.iris(ds, DCAT + "distribution"):
            checksum = idx.one(dist, SPDX + "checksum")
            size = idx.one(dist, DCAT + "byteSize")
            media = idx.one(dist, DCAT + "mediaType") or ""
            files.append({
                "iri": dist, "href": href(dist), "title": idx.text(dist, DCT + "title"),
                "download": href(idx.one(dist, DCAT + "downloadURL") or ""),
                "format": (idx.one(dist, DCT + "format") or "").rsplit("/", 1)[-1],
                "media_type": media.split("/media-types/", 1)[-1],
                "compressed": idx.one(dist, DCAT + "compressFormat") is not None,
                "size": _size(int(size), lang) if size else None,
                "checksum": idx.one(checksum, SPDX + "checksumValue") if checksum else None,
            })
        datasets.append({
            "iri": ds, "href": href(ds), "anchor": ds.rstrip("/").rsplit("/", 1)[-1],
            "title": idx.text(ds, DCT + "title"), "description": idx.text(ds, DCT + "description"),
            "themes": [link(t) for t in idx.iris(ds, DCAT + "theme")],
            "keywords": idx.texts(ds, DCAT + "keyword"),
            "start": idx.one(period, DCAT + "startDate") if period else None,
            "end": idx.one(period, DCAT + "endDate") if period else None,
            "spatial": [link(s) for s in idx.iris(ds, DCT + "spatial")],
            "licence": [link(v) for v in idx.iris(ds, DCT + "license")
                        or idx.iris(catalog, DCT + "license")],
            "publisher": [link(p) for p in idx.iris(ds, DCT + "publisher")],
            "contact": [link(c) for c in idx.iris(ds, DCAT + "contactPoint")],
            "access": [link(a) for a in idx.iris(ds, DCT + "accessRights")],
            "rights": [idx.label(r) for r in idx.iris(ds, DCT + "rights")],
            "issued": idx.one(ds, DCT + "issued"), "modified": idx.one(ds, DCT + "modified"),
            "files": files,
        })
    services = [{
        "iri": s, "href": href(s), "title": idx.text(s, DCT + "title"),
        "description": idx.text(s, DCT + "description"),
        "endpoint": idx.one(s, DCAT + "endpointURL"),
        "serves": [link(d) for d in idx.iris(s, DCAT + "servesDataset")],
    } for s in idx.iris(catalog, DCAT + "service")]
    return {"iri": catalog, "title": idx.text(catalog, DCT + "title"),
            "description": idx.text(catalog, DCT + "description"),
            "modified": idx.one(catalog, DCT + "modified"),
            "datasets": datasets, "services": services}
