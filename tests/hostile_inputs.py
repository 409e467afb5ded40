"""Hostile inputs that once crashed, hung or exhausted the builder (issue 16), made at test time.

Big cases are generated rather than committed.  Each function returns the bytes of one
file; the fuzz tests and the regression tests share them.
"""

from __future__ import annotations

import json

GOOD_MARCHE = {
    "id": "R1", "acheteur": {"id": "21350238800019"}, "codeCPV": "72000000",
    "marcheInnovant": False, "procedure": "Procédure adaptée", "dateNotification": "2023-01-01",
    "montant": 1000, "objet": "Étude",
    "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "44306184100047"}}],
}


def decp(*records_json: str) -> bytes:
    """Return a DECP file holding a good record then the given records (JSON text)."""
    items = [json.dumps(GOOD_MARCHE, ensure_ascii=False), *records_json]
    return ('{"marches": {"marche": [' + ",\n".join(items) + "]}}").encode("utf-8")


def decp_with(field: str, value_json: str) -> bytes:
    """Return a DECP file whose second record has ``field`` set to raw JSON text."""
    record = dict(GOOD_MARCHE, id="R2")
    text = json.dumps(record, ensure_ascii=False)
    text = text[:-1] + f', "{field}": {value_json}}}' if field not in record else \
        text.replace(f'"{field}": {json.dumps(record[field], ensure_ascii=False)}',
                     f'"{field}": {value_json}')
    return decp(text)


#: name → bytes of a DECP file; each must build (bad records quarantined) or fail cleanly.
DECP_CASES = {
    "huge-integer": lambda: decp_with("montant", "1" * 5000),
    "tiny-exponent": lambda: decp_with("montant", "1e-20000000"),
    "tinier-exponent": lambda: decp_with("montant", "1e-999999999"),
    "huge-exponent": lambda: decp_with("montant", "1e999999999"),
    "deep-nesting": lambda: decp_with("objet", "[" * 100_000 + "]" * 100_000),
    "deep-nesting-in-array": lambda: decp("[" * 50_000 + "]" * 50_000),
    "long-accented-string": lambda: decp_with("objet", '"' + "é" * 4_000_000 + '"'),
    "long-code": lambda: decp_with("codeCPV", '"' + "7" * 3 + "x" * 20_000_000 + '"'),
    "object-for-nature": lambda: decp_with("nature", "{}"),
    "object-for-procedure": lambda: decp_with("procedure", "{}"),
    "list-for-techniques": lambda: decp_with("techniques", '{"technique": [{}]}'),
    "object-for-type-code": lambda: decp_with("lieuExecution", '{"typeCode": {}, "code": "1"}'),
    "object-for-holder-type": lambda: decp_with(
        "titulaires", '[{"titulaire": {"typeIdentifiant": {}, "id": "1"}}]'),
    "object-for-considerations": lambda: decp_with(
        "considerationsSociales", '{"considerationSociale": [[]]}'),
    "list-for-amount": lambda: decp_with("montant", "[1]"),
    "many-holders": lambda: decp_with("titulaires", "[" + ",".join(
        ['{"titulaire": {"typeIdentifiant": "TVA", "id": "' + str(n) + '"}}'
         for n in range(20_000)])
        + "]"),
    "byte-order-mark": lambda: b"\xef\xbb\xbf" + decp(),
    "latin-1-byte": lambda: decp().replace("Étude".encode(), b"\xc9tude"),
    "nul-bytes": lambda: b"\x00" * 1000,
}


def wiki_page(title: str = "Une ressource", **fields: str) -> bytes:
    """Return a wiki page in the seed's text form."""
    lines = [title, "De Communauté de la Fabrique des Mobilités", ""]
    lines += [f"{label} : {value}" for label, value in fields.items()]
    return "\n".join(lines).encode("utf-8")


WIKI_CASES = {
    "huge-title": lambda: wiki_page("T" * 5_000_000),
    "huge-value": lambda: wiki_page(Description="d" * 20_000_000),
    "many-tags": lambda: wiki_page(Tags=", ".join(f"mot {n}" for n in range(80_000))),
    "many-fields": lambda: "\n".join(["Titre"] + ["Tags : v"] * 50_000).encode(),
    "long-spaced-line": lambda: ("Titre\n\na" + " " * 1_000_000 + "b").encode(),
    "spaced-line-below-limit": lambda: ("Titre\n\nDescription : a" + " " * 99_000 + "b").encode(),
    "many-tags-below-limit": lambda: wiki_page(Tags=", ".join(f"m{n}" for n in range(999))),
    "cyrillic-title": lambda: wiki_page("Москва"),
    "greek-title": lambda: wiki_page("Ἀθῆναι"),
}


#: Pieces a mutation may splice in: structure, encodings, and values near or over the limits.
HOSTILE_PIECES = [
    b"{}", b"[]", b"[", b"]", b"{", b"}", b'"', b":", b",", b"\n", b"\r", b"\r\n", b"\x00",
    b"\xef\xbb\xbf", b"\xe9", b"\xff\xfe", "é".encode() * 5_000, b"1" * 1_200, b"1e-99999999",
    b"-0", b"null", b"true", b"1e400", b"&a;", b"*a", b"&a [x]", b"- ", b"  ", b"\t",
    b"[" * 2_000 + b"]" * 2_000, b"a" * 120_000, b" : ", b"Tags : ", b", x" * 1_500,
    "Москва".encode(), b"\\u0000", b"\\ud800",
]


def mutate(data: bytes, rng) -> bytes:
    """Return ``data`` changed by a few random edits (``rng``: a ``random.Random``)."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(out))
        edit = rng.randrange(5)
        if edit == 0 and out:  # replace one byte
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif edit == 1:  # delete a span
            del out[at:at + rng.randint(1, 64)]
        elif edit == 2:  # duplicate a span
            span = out[at:at + rng.randint(1, 256)]
            out[at:at] = span * rng.randint(1, 50)
        else:  # splice a hostile piece
            out[at:at] = rng.choice(HOSTILE_PIECES)
    return bytes(out)
