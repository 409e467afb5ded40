"""Generate ``StockUniteLegale`` files in INSEE's layout, streaming, for tests and benchmarks.

Every column of the current layout, in INSEE's order (``COLUMNS``), UTF-8 CSV with a header.
Values look like the register's: mostly active units, sole traders (category 1000) with
first and last names, companies with a denomination, a share of public bodies, staff
bands, company categories, NAF rev. 2 codes.  About 3 % of the units are partially
diffusible (``P``): half carry ``[ND]`` in their name columns as INSEE writes them, half
still carry a name (``NAME_LEAK_MARK`` in it), which a reader must never publish.  The
SIRENs asked for (``sirens``) are spread through the file; the others are random.  The same
seed gives the same file, byte for byte.

    python -m graph_builder.sources.sirene_generator --rows 100000 --out StockUniteLegale.csv
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterable
from pathlib import Path

#: StockUniteLegale's columns in INSEE's order (layout with societeMissionUniteLegale and
#: activitePrincipaleNAF25UniteLegale).
COLUMNS = (
    "siren", "statutDiffusionUniteLegale", "unitePurgeeUniteLegale", "dateCreationUniteLegale",
    "sigleUniteLegale", "sexeUniteLegale", "prenom1UniteLegale", "prenom2UniteLegale",
    "prenom3UniteLegale", "prenom4UniteLegale", "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale", "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale", "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale", "nombrePeriodesUniteLegale", "categorieEntreprise",
    "anneeCategorieEntreprise", "dateDebut", "etatAdministratifUniteLegale", "nomUniteLegale",
    "nomUsageUniteLegale", "denominationUniteLegale", "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale", "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale", "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale", "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale", "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale", "activitePrincipaleNAF25UniteLegale",
)
#: The older layout (before societeMissionUniteLegale and activitePrincipaleNAF25UniteLegale).
OLD_COLUMNS = tuple(c for c in COLUMNS if c not in ("societeMissionUniteLegale",
                                                    "activitePrincipaleNAF25UniteLegale"))
#: Part of every name a partially diffusible unit still carries in a generated file.
NAME_LEAK_MARK = "SECRET"

_CATEGORIES = [("1000", 45), ("5499", 12), ("5710", 10), ("5720", 8), ("6540", 8),
               ("9220", 8), ("5498", 3), ("7210", 2), ("7346", 1), ("7348", 1), ("7220", 1),
               ("7364", 1), ("7389", 1), ("4110", 1), ("7120", 1)]
_BANDS = ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42",
          "51", "52", "53"]
_NAF = ["62.01Z", "43.21A", "41.20A", "71.12B", "84.11Z", "86.10Z", "56.10A", "47.11F",
        "68.20B", "94.99Z", "49.41A", "81.21Z", "70.22Z", "85.59A"]
_FIRST = ["Marie", "Jean", "Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Inès", "Paul"]
_LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Leroy", "Moreau"]
_WORDS = ["Bâtiment", "Conseil", "Services", "Informatique", "Transports", "Études",
          "Ingénierie", "Nettoyage", "Restauration", "Énergie"]


def _date(rng: random.Random, first: int = 1950, last: int = 2025) -> str:
    return f"{rng.randrange(first, last + 1)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def unit_row(rng: random.Random, siren: str, columns: tuple[str, ...] = COLUMNS) -> list[str]:
    """Return one generated StockUniteLegale row (values in ``columns`` order)."""
    category = rng.choices([c for c, _ in _CATEGORIES], [w for _, w in _CATEGORIES])[0]
    person = category == "1000"
    roll = rng.random()
    status = "P" if roll < 0.03 else "O"
    leak = status == "P" and roll < 0.015
    row = dict.fromkeys(columns, "")
    row.update(siren=siren, statutDiffusionUniteLegale=status,
               dateCreationUniteLegale=_date(rng), dateDebut=_date(rng, 2000),
               trancheEffectifsUniteLegale="" if person else rng.choice(_BANDS),
               dateDernierTraitementUniteLegale=f"{_date(rng, 2020)}T0{rng.randrange(10)}:00:00",
               nombrePeriodesUniteLegale=str(rng.randrange(1, 9)),
               etatAdministratifUniteLegale="A" if rng.random() < 0.9 else "C",
               categorieJuridiqueUniteLegale=category,
               activitePrincipaleUniteLegale=rng.choice(_NAF),
               nomenclatureActivitePrincipaleUniteLegale="NAFRev2",
               nicSiegeUniteLegale=f"{rng.randrange(1, 100):05d}",
               economieSocialeSolidaireUniteLegale="O" if category == "9220" else "N",
               caractereEmployeurUniteLegale="N" if person else "O")
    if "societeMissionUniteLegale" in row:
        row["societeMissionUniteLegale"] = "N"
    if row["trancheEffectifsUniteLegale"] not in ("", "NN"):
        row["anneeEffectifsUniteLegale"] = "2023"
    if not person and rng.random() < 0.8:
        row["categorieEntreprise"] = rng.choices(["PME", "ETI", "GE"], [90, 8, 2])[0]
        row["anneeCategorieEntreprise"] = "2023"
    first, last = rng.choice(_FIRST), rng.choice(_LAST).upper()
    words = f"{rng.choice(_WORDS)} {rng.choice(_LAST)}".upper()
    if leak:
        first, last, words = first, f"{last} {NAME_LEAK_MARK}", f"{words} {NAME_LEAK_MARK}"
    if person:
        row.update(sexeUniteLegale="F" if rng.random() < 0.5 else "M", prenom1UniteLegale=first,
                   prenomUsuelUniteLegale=first, nomUniteLegale=last)
        if rng.random() < 0.1:
            row["pseudonymeUniteLegale"] = f"{first} {NAME_LEAK_MARK if leak else 'ART'}"
    else:
        row["denominationUniteLegale"] = words + (", SAS" if rng.random() < 0.05 else "")
        if rng.random() < 0.2:
            row["sigleUniteLegale"] = "".join(w[0] for w in words.split())
    if status == "P" and not leak:  # what INSEE writes in the columns it does not diffuse
        for column in ("sexeUniteLegale", "prenom1UniteLegale", "prenomUsuelUniteLegale",
                       "nomUniteLegale", "pseudonymeUniteLegale", "denominationUniteLegale",
                       "sigleUniteLegale"):
            if row[column]:
                row[column] = "[ND]"
    return [row[c] for c in columns]


def write_stock_unite_legale(path: Path, rows: int, seed: int = 0,
                             sirens: Iterable[str] = (),
                             columns: tuple[str, ...] = COLUMNS) -> None:
    """Write a StockUniteLegale CSV of ``rows`` rows holding ``sirens`` (spread through it)."""
    rng = random.Random(seed)
    given = sorted(set(sirens))[:rows]
    step = rows / len(given) if given else 0
    place = {int(n * step): siren for n, siren in enumerate(given)}
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for n in range(rows):
            siren = place.get(n) or f"{rng.randrange(10**8, 10**9):09d}"
            writer.writerow(unit_row(rng, siren, columns))


def main(argv: list[str] | None = None) -> None:
    """Run the generator from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="number of legal units")
    parser.add_argument("--out", type=Path, required=True, help="output CSV file")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must be 0 or more")
    write_stock_unite_legale(args.out, args.rows, args.seed)


if __name__ == "__main__":
    main()
