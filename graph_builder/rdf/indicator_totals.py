"""The contracts' indicator figures, summed while the contracts are mapped.

Grouping a million contracts in the store per instrument, buyer, year and region is most
of a national build's indicator time, and a monthly update would pay it again for the
whole store.  The mapper knows each contract's instruments, amount, date, buyer, region
and considerations (:class:`ContractFacts`), so :class:`Totals` adds them up in one pass,
and an update adds only its month to the totals kept in the build's state.

The totals answer what these queries of ``achat_core/queries/indicators/`` answer over
the store, row for row and in their order: ``instrument-usage``, ``instrument-per-year``,
``instrument-per-buyer``, ``instrument-per-region`` and ``considerations-share``
(``tests/test_indicator_totals.py`` compares both on built graphs).  That rests on what
the mapper writes: one amount, one date, one buyer role played by one organisation, and
one place per contract.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

#: The largest sum the store's ``xsd:decimal`` holds (an i128 with 18 decimals): beyond
#: it the store leaves a sum unbound, and the indicator is left out; so are these.
_DECIMAL_LIMIT = Decimal(2**127 - 1).scaleb(-18)
#: The query names the totals answer.
STREAMED = ("instrument-usage", "instrument-per-year", "instrument-per-buyer",
            "instrument-per-region", "considerations-share")


@dataclass(frozen=True)
class ContractFacts:
    """What the indicators need of one mapped contract (IRIs without angle brackets)."""

    contract: str
    day: str
    amount: Decimal | int
    buyer: str
    organisation: str
    #: Instruments declared (``apg:usesInstrument``) and inferred (``apg:inferredInstrument``).
    uses: tuple[str, ...]
    inferred: tuple[str, ...]
    #: The region of the place of performance and its French label, if it has one.
    region: tuple[str, str] | None
    social: bool
    green: bool


class _Sum:
    """Contracts, their amount, first and last dates: a group of a query, mergeable."""

    __slots__ = ("contracts", "total", "first", "last")

    def __init__(self, contracts: int = 0, total: Decimal = Decimal(0), first: str = "",
                 last: str = "") -> None:
        self.contracts, self.total, self.first, self.last = contracts, Decimal(total), first, last

    def add(self, amount: Decimal | int, day: str) -> None:
        self.contracts += 1
        self.total += amount
        self.first = min(self.first, day) if self.first else day
        self.last = max(self.last, day)

    def row(self) -> dict:
        total = self.total if abs(self.total) <= _DECIMAL_LIMIT else None
        return {"contracts": self.contracts, "total": total, "first": self.first,
                "last": self.last}

    def json(self) -> list:
        return [self.contracts, str(self.total), self.first, self.last]


class Totals:
    """The streamed groups of the contracts' indicator queries."""

    def __init__(self) -> None:
        #: (instrument, inferred) -> sums, and the buyer roles counted once each.
        self.usage: dict[tuple[str, bool], _Sum] = defaultdict(_Sum)
        self.buyers: dict[tuple[str, bool], set[str]] = defaultdict(set)
        self.per_year: dict[tuple[str, bool, int], _Sum] = defaultdict(_Sum)
        self.per_buyer: dict[tuple[str, str], _Sum] = defaultdict(_Sum)
        self.per_region: dict[tuple[str, str, str], _Sum] = defaultdict(_Sum)
        #: contracts, social, green, either; first and last dates.
        self.considerations = [0, 0, 0, 0, "", ""]
        #: (instrument, day) -> contracts, declared or inferred: which predate a legal basis.
        self.per_day: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, facts: ContractFacts) -> None:
        """Count one contract in every group it belongs to."""
        amount, day, year = facts.amount, facts.day, int(facts.day[:4])
        used = [(i, False) for i in facts.uses] + [(i, True) for i in facts.inferred]
        for key in used:
            self.usage[key].add(amount, day)
            self.buyers[key].add(facts.buyer)
            self.per_year[(*key, year)].add(amount, day)
            self.per_buyer[key[0], facts.organisation].add(amount, day)
            if facts.region:
                self.per_region[(key[0], *facts.region)].add(amount, day)
            self.per_day[key[0], day] += 1
        shares = self.considerations
        shares[0] += 1
        shares[1] += facts.social
        shares[2] += facts.green
        shares[3] += facts.social or facts.green
        shares[4] = min(shares[4], day) if shares[4] else day
        shares[5] = max(shares[5], day)

    def rows(self, name: str) -> list[dict]:
        """Return the rows the query ``indicators/{name}`` gives over the mapped contracts."""
        if name == "instrument-usage":
            return [{"instrument": i, "inferred": _bool(inf), **s.row(),
                     "buyers": len(self.buyers[i, inf])}
                    for (i, inf), s in sorted(self.usage.items())]
        if name == "instrument-per-year":
            return [{"instrument": i, "inferred": _bool(inf), "year": str(year),
                     "contracts": s.contracts, "total": s.row()["total"]}
                    for (i, inf, year), s in sorted(self.per_year.items())]
        if name == "instrument-per-buyer":
            return [{"instrument": i, "organisation": org, **s.row()}
                    for (i, org), s in sorted(self.per_buyer.items(),
                                              key=lambda kv: (kv[0][0], -kv[1].contracts,
                                                              kv[0][1]))]
        if name == "instrument-per-region":
            return [{"instrument": i, "region": region, "name": label, **s.row()}
                    for (i, region, label), s in sorted(self.per_region.items())]
        if name == "considerations-share":
            contracts, social, green, either, first, last = self.considerations
            if not contracts:
                return []
            counts = {"social": social, "green": green, "either": either}
            return [{"contracts": contracts, **counts,
                     **{f"{k}Percent": Decimal(100 * n) / contracts for k, n in counts.items()},
                     "first": first, "last": last}]
        raise KeyError(name)

    def before(self, since: dict[str, str]) -> list[tuple[str, int, str]]:
        """Return, per instrument of ``since`` (instrument -> day), the contracts that use it
        before that day and the first one's date, as ``contracts.predating`` asks the store."""
        found: dict[str, list] = {}
        for (instrument, day), n in self.per_day.items():
            if instrument in since and day < since[instrument]:
                count = found.setdefault(instrument, [0, day])
                count[0] += n
                count[1] = min(count[1], day)
        return [(i, n, first) for i, (n, first) in sorted(found.items())]

    def to_json(self) -> dict:
        """Return the totals as JSON values, sorted: the same totals give the same text."""
        return {
            "usage": sorted([i, inf, *s.json(), sorted(self.buyers[i, inf])]
                            for (i, inf), s in self.usage.items()),
            "per_year": sorted([*k, *s.json()] for k, s in self.per_year.items()),
            "per_buyer": sorted([*k, *s.json()] for k, s in self.per_buyer.items()),
            "per_region": sorted([*k, *s.json()] for k, s in self.per_region.items()),
            "considerations": list(self.considerations),
            "per_day": sorted([*k, n] for k, n in self.per_day.items()),
        }

    @classmethod
    def from_json(cls, data: dict) -> Totals:
        """Read totals written by :meth:`to_json`."""
        totals = cls()
        for i, inf, contracts, total, first, last, buyers in data["usage"]:
            totals.usage[i, inf] = _Sum(contracts, Decimal(total), first, last)
            totals.buyers[i, inf] = set(buyers)
        for name, width in (("per_year", 3), ("per_buyer", 2), ("per_region", 3)):
            groups = getattr(totals, name)
            for item in data[name]:
                contracts, total, first, last = item[width:]
                groups[tuple(item[:width])] = _Sum(contracts, Decimal(total), first, last)
        totals.considerations = list(data["considerations"])
        totals.per_day.update({(i, day): n for i, day, n in data["per_day"]})
        return totals


def _bool(value: bool) -> str:
    return "true" if value else "false"
