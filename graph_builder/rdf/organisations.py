"""What the Sirene register says about the organisations of the contract graph, as N-Triples.

The DECP mapper mints one organisation per SIRET (``id/organisation/siret-{siret}``, or the
curated organisation whose SIRET or SIREN matches).  For each of them whose legal unit is
in the Sirene files, this module writes:

- ``apg:legalName`` (the denomination, or a sole trader's first and last name) and, for an
  organisation the curated data does not describe, ``skos:prefLabel`` with that name;
- ``apg:siren``; ``apg:legalCategory`` (a concept of ``ontology/legal-categories.ttl``),
  and for a buyer ``apg:buyerKind`` (commune, département, région, métropole, other EPCI,
  State service, public establishment, hospital, other local authority, other);
- ``apg:staffBand``, ``apg:companyCategory`` (concepts), ``apg:mainActivity`` and
  ``apg:activityNomenclature`` (the NAF code as INSEE gives it, a literal: no NAF table is
  shipped);
- with StockEtablissement, ``dcterms:spatial`` the establishment's commune (a place as the
  mapper mints it, part of its region) and the commune ``dcterms:isPartOf`` its
  département (part of its region).

Privacy: a unit whose diffusion status is not ``O`` is never named.  The reader does not
even keep its name columns; here it gets ``apg:partiallyDiffusible true`` and, unless
curated, a label built from its legal category and SIREN ("Entrepreneur individuel
(données non diffusibles), SIREN …" / "Sole trader (non-public data), SIREN …").  A
partially diffusible establishment gets no commune.  ``[ND]`` is never written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from achat_core.resources import ONTOLOGY_DIR
from graph_builder.namespaces import APG
from graph_builder.rdf.contracts import Mapper
from graph_builder.rdf.ntriples import iri, text, triple, typed
from graph_builder.sources.sirene import BadRow, Establishment, LegalUnit, read_sirene

#: Where the Sirene code lists' concepts live (fixed IRIs of the vocabulary).
CONCEPTS = "https://w3id.org/achat-public/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PREF_LABEL = iri(SKOS + "prefLabel")
SPATIAL = iri("http://purl.org/dc/terms/spatial")
PART_OF = iri("http://purl.org/dc/terms/isPartOf")
LEGAL_NAME, SIREN_P = iri(str(APG.legalName)), iri(str(APG.siren))
CATEGORY, KIND = iri(str(APG.legalCategory)), iri(str(APG.buyerKind))
STAFF, COMPANY = iri(str(APG.staffBand)), iri(str(APG.companyCategory))
ACTIVITY, NOMENCLATURE = iri(str(APG.mainActivity)), iri(str(APG.activityNomenclature))
HIDDEN = iri(str(APG.partiallyDiffusible))
UNKNOWN_CATEGORY = ("Unité légale", "Legal unit")


@dataclass(frozen=True)
class CodeLists:
    """The Sirene code lists of the vocabulary: legal categories (labels, buyer kind)."""

    categories: dict[str, tuple[str, str, str | None]]
    staff_bands: frozenset[str]
    company_categories: frozenset[str]


@lru_cache(maxsize=4)
def code_lists(directory: Path = ONTOLOGY_DIR) -> CodeLists:
    """Read the legal categories, staff bands and company categories of the vocabulary."""
    store = ox.Store()
    with open(Path(directory) / "legal-categories.ttl", "rb") as stream:
        store.load(stream, format=ox.RdfFormat.TURTLE)
    rows = store.query(f"""
        PREFIX skos: <{SKOS}> PREFIX apg: <{APG}>
        SELECT ?scheme ?code ?fr ?en ?kind WHERE {{
          ?c skos:inScheme ?scheme ; skos:notation ?code .
          OPTIONAL {{ ?c skos:prefLabel ?fr FILTER(LANG(?fr) = "fr") }}
          OPTIONAL {{ ?c skos:prefLabel ?en FILTER(LANG(?en) = "en") }}
          OPTIONAL {{ ?c apg:buyerKind ?kind }}
        }}""")
    categories, bands, companies = {}, set(), set()
    for row in rows:
        scheme, code = row["scheme"].value, row["code"].value
        if scheme == str(APG.LegalCategoryScheme):
            kind = row["kind"].value.rsplit("/", 1)[-1] if row["kind"] else None
            categories[code] = (row["fr"].value, row["en"].value, kind)
        elif scheme == str(APG.StaffBandScheme):
            bands.add(code)
        elif scheme == str(APG.CompanyCategoryScheme):
            companies.add(code)
    return CodeLists(categories, frozenset(bands), frozenset(companies))


@dataclass
class SireneReport:
    """What a Sirene join did: rows kept, organisations described, problems met."""

    units: int = 0
    establishments: int = 0
    described: int = 0
    not_found: int = 0
    partially_diffusible: int = 0
    unknown_categories: Counter = field(default_factory=Counter)
    problems: list[BadRow] = field(default_factory=list)

    def summary(self) -> str:
        """Return the join's summary as text (English)."""
        lines = [f"Sirene: {self.units} legal units and {self.establishments} establishments "
                 f"kept; {self.described} organisations described, {self.not_found} not in "
                 f"the files; {self.partially_diffusible} partially diffusible (not named)"]
        if self.unknown_categories:
            codes = ", ".join(f"{c} ({n})" for c, n in sorted(self.unknown_categories.items()))
            lines.append(f"Sirene: legal categories not in the vocabulary: {codes}")
        if self.problems:
            lines.append(f"Sirene: {len(self.problems)} rows or values left out, first: "
                         f"{self.problems[0].problem()}")
        return "\n".join(lines)


def hidden_label(category: str | None, siren: str, lists: CodeLists) -> tuple[str, str]:
    """Return the French and English label of a unit that must not be named."""
    fr, en = lists.categories.get(category or "", UNKNOWN_CATEGORY)[:2]
    return (f"{fr} (données non diffusibles), SIREN {siren}",
            f"{en} (non-public data), SIREN {siren}")


class OrganisationWriter:
    """Write the Sirene facts of DECP organisations under one base."""

    def __init__(self, base: str, org_lookup: dict[str, str] | None = None,
                 lists: CodeLists | None = None):
        self.base = base
        self.org_lookup = org_lookup or {}
        self.lists = lists or code_lists()
        self.mapper = Mapper(base, {})

    def organisation(self, siret: str) -> tuple[str, bool]:
        """Return the N-Triples IRI of the organisation of ``siret`` and whether it is curated."""
        curated = self.org_lookup.get(siret) or self.org_lookup.get(siret[:9])
        if curated:
            return iri(curated), True
        return iri(f"{self.base}id/organisation/siret-{siret}"), False

    def unit_lines(self, siret: str, unit: LegalUnit, buyer: bool,
                   report: SireneReport) -> list[str]:
        """Return the triples a legal unit gives the organisation of ``siret``."""
        node, curated = self.organisation(siret)
        lists, lines = self.lists, []
        add = lines.append
        if not curated:
            add(triple(node, SIREN_P, text(unit.siren)))
        if unit.public:
            if unit.name:
                add(triple(node, LEGAL_NAME, text(unit.name)))
                if not curated:
                    add(triple(node, PREF_LABEL, text(unit.name)))
        else:
            report.partially_diffusible += 1
            add(triple(node, HIDDEN, typed("true", "boolean")))
            if not curated:
                fr, en = hidden_label(unit.category, unit.siren, lists)
                add(triple(node, PREF_LABEL, text(fr, "fr")))
                add(triple(node, PREF_LABEL, text(en, "en")))
        if unit.category in lists.categories:
            add(triple(node, CATEGORY, iri(f"{CONCEPTS}legal-category/{unit.category}")))
            kind = lists.categories[unit.category][2]
            if buyer and kind:
                add(triple(node, KIND, iri(f"{CONCEPTS}buyer-kind/{kind}")))
        elif unit.category:
            report.unknown_categories[unit.category] += 1
        if unit.staff_band in lists.staff_bands:
            add(triple(node, STAFF, iri(f"{CONCEPTS}staff-band/{unit.staff_band}")))
        if unit.company_category in lists.company_categories:
            add(triple(node, COMPANY, iri(
                f"{CONCEPTS}company-category/{unit.company_category.lower()}")))
        if unit.activity:
            add(triple(node, ACTIVITY, text(unit.activity)))
            if unit.activity_nomenclature:
                add(triple(node, NOMENCLATURE, text(unit.activity_nomenclature)))
        return lines

    def establishment_lines(self, establishment: Establishment,
                            seen: set[str]) -> list[str]:
        """Return the triples of an establishment's commune (none unless it is public)."""
        if not establishment.public or not establishment.commune:
            return []
        node, _ = self.organisation(establishment.siret)
        commune, shared = self.mapper.place("Code commune", establishment.commune)
        lines = [triple(node, SPATIAL, commune)]
        code = establishment.commune
        departement = code[:3] if code.startswith("97") else code[:2]
        if departement in ("2A", "2B") or departement.isdigit():
            dep_node, dep_shared = self.mapper.place("Code département", departement)
            shared = {**shared, **dep_shared, f"{commune} part-of {dep_node}":
                      [triple(commune, PART_OF, dep_node)]}
        for key, node_lines in shared.items():
            if key not in seen:
                seen.add(key)
                lines.extend(node_lines)
        return lines


def read_register(files: Iterable[Path], sirens: Collection[str], sirets: Collection[str],
                  report: SireneReport) -> tuple[dict[str, LegalUnit],
                                                 dict[str, Establishment]]:
    """Read the Sirene files, keeping the units of ``sirens`` and establishments of ``sirets``."""
    units: dict[str, LegalUnit] = {}
    establishments: dict[str, Establishment] = {}
    for path in files:
        for item in read_sirene(Path(path), sirens=sirens, sirets=sirets):
            if isinstance(item, LegalUnit):
                units.setdefault(item.siren, item)
            elif isinstance(item, Establishment):
                establishments.setdefault(item.siret, item)
            else:
                report.problems.append(item)
    report.units, report.establishments = len(units), len(establishments)
    return units, establishments


def sirene_triples(files: Iterable[Path], base: str, sirets: Collection[str],
                   buyers: Collection[str] = (), org_lookup: dict[str, str] | None = None,
                   seen: set[str] | None = None,
                   report: SireneReport | None = None,
                   names: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the N-Triples lines Sirene gives the organisations of ``sirets``, in SIRET order.

    ``buyers`` are the SIRETs that buy (they get a buyer kind); ``seen`` the keys of the
    shared nodes (places) already written, updated as new ones are written; ``names``, when
    given, gets each SIRET's legal name (or, for a unit that must not be named, its French
    anonymous label), for the contracts table and the labels of the unnamed.
    """
    report = report if report is not None else SireneReport()
    seen = seen if seen is not None else set()
    units, establishments = read_register(files, {s[:9] for s in sirets}, sirets, report)
    writer = OrganisationWriter(base, org_lookup)
    buyers = set(buyers)
    described_units: set[str] = set()
    curated_lines: set[str] = set()  # several SIRETs may lead to one curated organisation
    for siret in sorted(sirets):
        unit = units.get(siret[:9])
        establishment = establishments.get(siret)
        if unit is None and establishment is None:
            report.not_found += 1
            continue
        report.described += 1
        lines: list[str] = []
        node, curated = writer.organisation(siret)
        if unit is not None:
            if names is not None and (unit.name or not unit.public):
                names[siret] = (unit.name if unit.public
                                else hidden_label(unit.category, unit.siren, writer.lists)[0])
            unit_lines = writer.unit_lines(siret, unit, siret in buyers, report)
            if curated and node in described_units:
                unit_lines = []
            described_units.add(node)
            lines += unit_lines
        if establishment is not None:
            lines += writer.establishment_lines(establishment, seen)
        if curated:
            lines = [line for line in lines if line not in curated_lines]
            curated_lines.update(lines)
        yield from lines
