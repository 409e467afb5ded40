"""Content negotiation over the project's format table, with q-values."""

from __future__ import annotations

from collections.abc import Sequence

from achat_core.formats import FORMATS, Format


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Parse an Accept header into (media range, q) pairs, most preferred first."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for position, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media_range = parts[0].lower()
        if not media_range:
            continue
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media_range, q, position))
    # Stable: by q, then specificity, then the client's own order.
    ranges.sort(key=lambda r: (-r[1], r[0].count("*"), r[2]))
    return [(r, q) for r, q, _ in ranges]


def _matches(media_range: str, fmt: Format) -> bool:
    if media_range in ("*/*", "*"):
        return True
    for media_type in (fmt.media_type, *fmt.aliases):
        if media_range == media_type:
            return True
        if media_range.endswith("/*") and media_type.startswith(media_range[:-1]):
            return True
    return False


def negotiate(header: str | None, offered: Sequence[Format]) -> Format | None:
    """Pick the offered format the client prefers; None when nothing is acceptable.

    Each offered format gets the q of the most specific range that matches it;
    ties go to the order of ``offered`` (the server's preference).
    """
    best: tuple[float, int, Format] | None = None
    ranges = parse_accept(header)
    for index, fmt in enumerate(offered):
        q = None
        specificity = -1
        for media_range, range_q in ranges:
            if _matches(media_range, fmt):
                s = 2 - media_range.count("*")
                if s > specificity:
                    specificity, q = s, range_q
        if q and q > 0 and (best is None or q > best[0]):
            best = (q, index, fmt)
    return best[2] if best else None


def describe(offered: Sequence[Format]) -> str:
    """List offered media types, for 406 messages."""
    return ", ".join(f.media_type for f in offered)


__all__ = ["FORMATS", "negotiate", "parse_accept", "describe"]
