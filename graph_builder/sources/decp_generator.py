"""Generate schema-valid DECP v2 files of any size, streaming, for tests and benchmarks.

Distributions are chosen to look like the national file: mostly "Procédure adaptée",
log-normal amounts, CPV codes written with a check digit half of the time, about 2 %
innovative contracts, social and environmental considerations on a minority (reserved
contracts among them), every technique of the schema, several holders on some contracts,
foreign holders, modifications, and a share of contrats de concession.  The same seed
gives the same file, byte for byte.

Who buys, who holds and what is bought comes from one of two profiles.  ``skewed`` (the
command's default) is fitted to the national file, 1.5 M contracts since 2019
(``NATIONAL``): about 40 000 buyers and 200 000 suppliers at that size (in proportion
below it), drawn with Zipf weights, so a few buyers hold tens of thousands of contracts;
CPV codes concentrated on works, maintenance and services; framework agreements on about
a quarter of the marchés and design contests rare.  The uniform profile (the function's
default, which tests were written against) draws buyers evenly from a few thousand,
holders and CPV codes at random.

    python -m graph_builder.sources.decp_generator --contracts 1500000 --out decp.json \
        --seed 1 --sirene StockUniteLegale.csv
"""

from __future__ import annotations

import argparse
import gzip
import io
import itertools
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from graph_builder.rdf import decp_codes as codes
from graph_builder.sources.sirene_generator import write_stock_unite_legale

_PROCEDURES = [("Procédure adaptée", 70), ("Appel d'offres ouvert", 15),
               ("Marché passé sans publicité ni mise en concurrence préalable", 8),
               ("Procédure avec négociation", 4), ("Appel d'offres restreint", 2),
               ("Dialogue compétitif", 1)]
_CPV_DIVISIONS = ["03", "09", "15", "22", "30", "33", "34", "39", "44", "45", "48", "50", "55",
                  "60", "64", "71", "72", "73", "77", "79", "80", "85", "90", "92"]
_DEPARTEMENTS = sorted(codes.REGION_OF_DEPARTEMENT)
_START = date(2019, 1, 1)
_RARE_TECHNIQUES = ["Système d'acquisition dynamique", "Système de qualification",
                    "Catalogue électronique", "Enchère électronique"]
_TECHNIQUES = ["Sans objet", "Accord-cadre", "Concours"]
#: The national file's size, and its buyers and suppliers at that size.
NATIONAL = 1_500_000
NATIONAL_BUYERS = 40_000
NATIONAL_SUPPLIERS = 200_000
#: CPV divisions by weight (per cent) in the skewed profile: works first.
_CPV_WEIGHTS = {"45": 24, "71": 7, "50": 7, "79": 6, "90": 6, "33": 6, "72": 5, "34": 5,
                "30": 4, "39": 4, "44": 4, "77": 3, "15": 3, "09": 3, "48": 3, "22": 2,
                "55": 2, "60": 2, "80": 2, "85": 2, "64": 1, "73": 1, "92": 1, "03": 1}


def _siret(rng: random.Random) -> str:
    return f"{rng.randrange(10**13, 10**14)}"


def _amount(rng: random.Random) -> float | int:
    value = rng.lognormvariate(10.8, 1.6)
    return int(value) + 1 if rng.random() < 0.6 else round(value + 1, 2)


def _holder(rng: random.Random, inner: str, profile: Uniform | Skewed) -> dict:
    roll = rng.random()
    if roll < 0.95:
        holder = {"typeIdentifiant": "SIRET", "id": profile.supplier(rng)}
    elif roll < 0.98:
        holder = {"typeIdentifiant": "TVA", "id": f"DE{rng.randrange(10**8, 10**9)}"}
    else:
        holder = {"typeIdentifiant": "HORS-UE", "id": f"US-{rng.randrange(10**6, 10**7)}"}
    return {inner: holder}


def _day(rng: random.Random) -> date:
    return _START + timedelta(days=rng.randrange(6 * 365))


def _considerations(rng: random.Random, reserved: str = "Marché réservé") -> tuple[dict, dict]:
    social = rng.choice(["Clause sociale", "Critère social", reserved]) \
        if rng.random() < 0.12 else "Pas de considération sociale"
    green = rng.choice(["Clause environnementale", "Critère environnemental"]) \
        if rng.random() < 0.25 else "Pas de considération environnementale"
    return ({"considerationSociale": [social]},
            {"considerationEnvironnementale": [green]})


def _cpv(rng: random.Random) -> str:
    return _written(rng, f"{rng.choice(_CPV_DIVISIONS)}{rng.randrange(10**6):06d}")


def _written(rng: random.Random, code: str) -> str:
    """Write a CPV code with its check digit half of the time."""
    return f"{code}-{rng.randrange(10)}" if rng.random() < 0.5 else code


class Uniform:
    """The uniform profile: buyers evenly from a few thousand, holders and CPV at random."""

    def __init__(self, rng: random.Random, contracts: int):
        self.buyers = [_siret(rng) for _ in range(max(1, min(20_000, contracts // 20)))]

    def buyer(self, rng: random.Random) -> str:
        return rng.choice(self.buyers)

    def supplier(self, rng: random.Random) -> str:
        return _siret(rng)

    def cpv(self, rng: random.Random) -> str:
        return _cpv(rng)

    def technique(self, rng: random.Random) -> str:
        return rng.choice(_TECHNIQUES)


class _Weighted:
    """Draw from ``items`` by their weights."""

    def __init__(self, items: list[str], weights):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.items, cum_weights=self.cumulative)[0]


def _zipf(items: list[str], exponent: float) -> _Weighted:
    """Weigh ``items`` 1/rank^``exponent``: a few are drawn often, most rarely."""
    return _Weighted(items, ((rank + 1) ** -exponent for rank in range(len(items))))


class Skewed:
    """The skewed profile, fitted to the national file (see the module's docstring)."""

    def __init__(self, rng: random.Random, contracts: int):
        share = contracts / NATIONAL
        self.buyers = _zipf([_siret(rng) for _ in range(max(1, round(NATIONAL_BUYERS * share)))],
                            0.8)
        self.suppliers = _zipf([_siret(rng) for _ in range(
            max(1, round(NATIONAL_SUPPLIERS * share)))], 0.6)
        self.divisions = _Weighted(list(_CPV_WEIGHTS), _CPV_WEIGHTS.values())
        self.codes = {d: _zipf([f"{d}{rng.randrange(10**6):06d}" for _ in range(150)], 1.0)
                      for d in _CPV_WEIGHTS}

    def buyer(self, rng: random.Random) -> str:
        return self.buyers.draw(rng)

    def supplier(self, rng: random.Random) -> str:
        return self.suppliers.draw(rng)

    def cpv(self, rng: random.Random) -> str:
        return _written(rng, self.codes[self.divisions.draw(rng)].draw(rng))

    def technique(self, rng: random.Random) -> str:
        return rng.choices(_TECHNIQUES, [72, 27, 1])[0]


def _place(rng: random.Random) -> dict:
    dep = rng.choice(_DEPARTEMENTS)
    if rng.random() < 0.5:
        return {"code": dep, "typeCode": "Code département"}
    suffix = "000" if len(dep) == 2 else "00"
    return {"code": (dep if dep not in ("2A", "2B") else "20") + suffix, "typeCode": "Code postal"}


def _techniques(rng: random.Random, usual: str, more: random.Random | None) -> list[str]:
    """Return the techniques of a marché: ``usual``, sometimes one of the rarer ones.

    The rarer techniques come from their own random stream (``more``), so that adding them
    left every other generated value as it was.
    """
    if more is None or more.random() >= 0.08:
        return [usual]
    rare = more.choice(_RARE_TECHNIQUES)
    return [rare] if usual == "Sans objet" else [usual, rare]


def marche(rng: random.Random, n: int, profile: Uniform | Skewed,
           more: random.Random | None = None) -> dict:
    """Return one generated marché (``more``: the stream of the rarer techniques)."""
    procedure = rng.choices([p for p, _ in _PROCEDURES], [w for _, w in _PROCEDURES])[0]
    day = _day(rng)
    social, green = _considerations(rng)
    record = {
        "id": f"M{n:08d}",
        "acheteur": {"id": profile.buyer(rng)},
        "nature": "Marché",
        "objet": f"Marché généré n° {n}",
        "codeCPV": profile.cpv(rng),
        "techniques": {"technique": _techniques(rng, profile.technique(rng), more)},
        "modalitesExecution": {"modaliteExecution": ["Sans objet"]},
        "marcheInnovant": rng.random() < 0.02,
        "ccag": "Pas de CCAG",
        "offresRecues": rng.randrange(1, 12),
        "attributionAvance": False,
        "typeGroupementOperateurs": "Pas de groupement",
        "procedure": procedure,
        "lieuExecution": _place(rng),
        "dureeMois": rng.randrange(1, 61),
        "dateNotification": day.isoformat(),
        "datePublicationDonnees": (day + timedelta(days=rng.randrange(1, 60))).isoformat(),
        "montant": _amount(rng),
        "typesPrix": {"typePrix": ["Définitif ferme"]},
        "formePrix": "Forfaitaire",
        "sousTraitanceDeclaree": False,
        "titulaires": [_holder(rng, "titulaire", profile)
                       for _ in range(1 if rng.random() < 0.9 else 3)],
        "considerationsSociales": social,
        "considerationsEnvironnementales": green,
    }
    if rng.random() < 0.1:
        record["modifications"] = [{"modification": {
            "id": 1, "montant": _amount(rng),
            "dateNotificationModification": (day + timedelta(days=90)).isoformat(),
            "datePublicationDonneesModification": (day + timedelta(days=95)).isoformat(),
        }}]
    return record


def concession(rng: random.Random, n: int, profile: Uniform | Skewed) -> dict:
    """Return one generated contrat de concession."""
    day = _day(rng)
    social, green = _considerations(rng, "Concession réservée")
    return {
        "id": f"C{n:08d}",
        "autoriteConcedante": {"id": profile.buyer(rng)},
        "nature": rng.choice(sorted(codes.CONCESSION_NATURES)),
        "objet": f"Concession générée n° {n}",
        "procedure": rng.choice(sorted(codes.CONCESSION_PROCEDURES)),
        "dureeMois": rng.randrange(12, 361),
        "dateSignature": day.isoformat(),
        "datePublicationDonnees": (day + timedelta(days=10)).isoformat(),
        "dateDebutExecution": (day + timedelta(days=30)).isoformat(),
        "valeurGlobale": _amount(rng) * 10,
        "montantSubventionPublique": 0,
        "concessionnaires": [_holder(rng, "concessionnaire", profile)],
        "considerationsSociales": social,
        "considerationsEnvironnementales": green,
    }


@contextmanager
def _text_writer(path: Path) -> Iterator[io.TextIOWrapper]:
    if not path.name.endswith(".gz"):
        with open(path, "w", encoding="utf-8") as out:
            yield out
        return
    with (open(path, "wb") as raw,
          gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
          io.TextIOWrapper(packed, encoding="utf-8") as out):
        yield out


def _sirens(record: dict) -> Iterator[str]:
    """Yield the SIRENs of a record's buyer and French holders."""
    buyer = record.get("acheteur") or record["autoriteConcedante"]
    yield buyer["id"][:9]
    for holder in record.get("titulaires") or record.get("concessionnaires"):
        inner = next(iter(holder.values()))
        if inner["typeIdentifiant"] == "SIRET":
            yield inner["id"][:9]


def write_decp(path: Path, contracts: int, seed: int = 0, concession_share: float = 0.02,
               sirene: Path | None = None, first_id: int = 0, skewed: bool = False) -> None:
    """Write a DECP v2 file of ``contracts`` records (gzip if the name ends in .gz).

    With ``sirene``, also write the matching ``StockUniteLegale`` there: every SIREN of the
    file's buyers and French holders, and as many other units again (about 3 % of them
    partially diffusible).  Records are numbered from ``first_id`` (a later month's file
    after an earlier one).  ``skewed``: the profile fitted to the national file.
    """
    rng = random.Random(seed)
    more = random.Random(f"techniques-{seed}")
    profile = (Skewed if skewed else Uniform)(rng, contracts)
    concessions = int(contracts * concession_share)
    sirens: set[str] = set()
    with _text_writer(path) as out:
        out.write('{"marches": {"marche": [\n')
        for n in range(contracts - concessions):
            record = marche(rng, first_id + n, profile, more)
            sirens.update(_sirens(record))
            out.write((",\n" if n else "") + json.dumps(record, ensure_ascii=False))
        out.write('\n], "contrat-concession": [\n')
        for n in range(concessions):
            record = concession(rng, first_id + n, profile)
            sirens.update(_sirens(record))
            out.write((",\n" if n else "") + json.dumps(record, ensure_ascii=False))
        out.write("\n]}}\n")
    if sirene is not None:
        write_stock_unite_legale(sirene, 2 * len(sirens), seed, sirens)


def main(argv: list[str] | None = None) -> None:
    """Run the generator from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contracts", type=int, required=True, help="number of records")
    parser.add_argument("--out", type=Path, required=True, help="output file (.json or .json.gz)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--concession-share", type=float, default=0.02,
                        help="share of contrats de concession")
    parser.add_argument("--sirene", type=Path, default=None,
                        help="also write the matching StockUniteLegale CSV here")
    parser.add_argument("--uniform", action="store_true",
                        help="the uniform profile instead of the one fitted to the national file")
    args = parser.parse_args(argv)
    if args.contracts < 0:
        parser.error("--contracts must be 0 or more")
    write_decp(args.out, args.contracts, args.seed, args.concession_share, args.sirene,
               skewed=not args.uniform)


if __name__ == "__main__":
    main()
