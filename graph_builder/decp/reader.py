"""Streaming reader of DECP v2 JSON files: one record at a time, never the whole file.

A file is ``{"marches": {"marche": [...], "contrat-concession": [...]}}`` (plain or
gzip, with or without a UTF-8 byte-order mark).  The bytes are pushed chunk by chunk into
ijson's C parser and each record is built from its events, so the reader sees every chunk
and every value and enforces ``graph_builder.limits``: a record deeper than
``MAX_JSON_DEPTH``, longer than ``MAX_RECORD_BYTES`` or holding a string over
``MAX_FIELD_CHARS`` comes with a ``problem`` and no data (it is quarantined, the reading
goes on).  A run of more than ``MAX_DIGIT_RUN`` digits (ijson crashes on an integer Python
will not read) or ``MAX_VALUE_BYTES`` without a complete value (a long string is parsed in
quadratic time) stops the file there.  Amounts come as ``Decimal`` (or ``int``), never as
floats.  A file that is not JSON, or breaks off (JSON or gzip), ends with a ``BrokenFile``
item naming where reading stopped: records before it are kept.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson

from graph_builder.limits import (
    MAX_DIGIT_RUN,
    MAX_FIELD_CHARS,
    MAX_JSON_DEPTH,
    MAX_RECORD_BYTES,
    MAX_VALUE_BYTES,
)

MARCHE = "marche"
CONCESSION = "contrat-concession"
KINDS = (MARCHE, CONCESSION)
_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_DIGITS = re.compile(rb"[0-9]{%d}" % (MAX_DIGIT_RUN + 1))
_OPEN = {"start_map": dict, "start_array": list}
_CLOSE = ("end_map", "end_array")


@dataclass(frozen=True)
class RawRecord:
    """One record as read: its file, array, position in that array and JSON value.

    A record over a limit has ``data`` None and ``problem`` (field, message).
    """

    file: str
    kind: str
    index: int
    data: Any
    problem: tuple[str, str] | None = None


@dataclass(frozen=True)
class BrokenFile:
    """A file whose JSON could not be read to the end."""

    file: str
    kind: str
    index: int
    message: str


class _Stop(Exception):
    """Reading a file stops here (the message says why)."""


def _open(path: Path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _json_message(error: Exception) -> str:
    """Return the first line of a parser error as text (yajl gives bytes)."""
    text = error.args[0] if error.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return (str(text).strip().splitlines() or [type(error).__name__])[0].strip()


def _events(stream) -> Iterator[tuple[str, Any, int]]:
    """Yield (event, value, bytes read so far) from a binary stream, enforcing byte limits."""
    events = ijson.sendable_list()
    parser = ijson.basic_parse_coro(events, use_float=False)
    read = last = digits = 0
    first = True
    while True:
        chunk = stream.read(_CHUNK)
        if first and chunk.startswith(_BOM):
            chunk, read = chunk[len(_BOM):], len(_BOM)
        first = False
        if not chunk:
            break
        run = _DIGITS.search(b"0" * digits + chunk)
        if run:
            raise _Stop(f"more than {MAX_DIGIT_RUN} digits in a row from byte "
                        f"{read - digits + run.start()}")
        trailing = len(chunk) - len(chunk.rstrip(b"0123456789"))
        digits = digits + trailing if trailing == len(chunk) else trailing
        try:
            parser.send(chunk)
        except ijson.JSONError as error:
            raise _Stop(f"invalid JSON: {_json_message(error)}") from None
        read += len(chunk)
        if events:
            last = read
            yield from ((event, value, read) for event, value in events)
            del events[:]
        elif read - last > MAX_VALUE_BYTES:
            raise _Stop(f"more than {MAX_VALUE_BYTES} bytes without a complete JSON value "
                        f"from byte {last}")
    try:
        parser.close()
    except ijson.JSONError as error:
        raise _Stop(f"invalid JSON: {_json_message(error)}") from None
    yield from ((event, value, read) for event, value in events)


def _skip(first: str, events: Iterator) -> None:
    """Consume the rest of a value whose first event was ``first``."""
    depth = 1 if first in _OPEN else 0
    while depth:
        event = _next(events)[0]
        depth += 1 if event in _OPEN else -1 if event in _CLOSE else 0


def _next(events: Iterator) -> tuple[str, Any, int]:
    for item in events:
        return item
    raise _Stop("invalid JSON: the file ends early")


def _keys(events: Iterator) -> Iterator[str]:
    """Yield the keys of an object whose start was read; the caller reads each value."""
    for event, value, _ in events:
        if event == "end_map":
            return
        yield value


def _record(first: tuple[str, Any, int], events: Iterator) -> tuple[Any, tuple[str, str] | None]:
    """Build one record from its events; return (value, None) or (None, (field, problem))."""
    event, value, start = first
    if event not in _OPEN:
        return value, _text_problem(value, "")
    root = _OPEN[event]()
    stack: list[Any] = [root]
    path: list[str] = []
    key = ""
    for event, value, offset in events:
        container = stack[-1]
        at = key if isinstance(container, dict) else str(len(container))
        problem = None
        if offset - start > MAX_RECORD_BYTES:
            problem = ("", f"the record is longer than {MAX_RECORD_BYTES} bytes of JSON")
        elif event == "map_key":
            key = value
            problem = _text_problem(value, ".".join(path))
        elif event in _CLOSE:
            stack.pop()
            if not stack:
                return root, None
            key = path.pop()
            continue
        elif event in _OPEN:
            if len(stack) >= MAX_JSON_DEPTH:
                problem = (".".join(path + [at]),
                           f"nested more than {MAX_JSON_DEPTH} levels deep")
            else:
                child = _OPEN[event]()
                _put(container, key, child)
                stack.append(child)
                path.append(at)
                continue
        else:
            problem = _text_problem(value, ".".join(path + [at]))
            _put(container, key, value)
        if problem:
            depth = len(stack) + (1 if event in _OPEN else 0)
            while depth:
                event = _next(events)[0]
                depth += 1 if event in _OPEN else -1 if event in _CLOSE else 0
            return None, problem
    raise _Stop("invalid JSON: the file ends inside a record")


def _put(container, key: str, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
    else:
        container.append(value)


def _text_problem(value: Any, where: str) -> tuple[str, str] | None:
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        return where, f"text longer than {MAX_FIELD_CHARS} characters"
    return None


def _items(events: Iterator, kind: str) -> Iterator[tuple[Any, tuple[str, str] | None]]:
    """Yield the records of ``marches.{kind}``, skipping everything else."""
    first = next(events, None)
    if first is None or first[0] != "start_map":
        if first is not None:
            _skip(first[0], events)
        return
    for key in _keys(events):
        value = _next(events)
        if key != "marches" or value[0] != "start_map":
            _skip(value[0], events)
            continue
        for inner in _keys(events):
            array = _next(events)
            if inner != kind or array[0] != "start_array":
                _skip(array[0], events)
                continue
            for item in events:
                if item[0] == "end_array":
                    break
                yield _record(item, events)


def read_records(path: Path) -> Iterator[RawRecord | BrokenFile]:
    """Yield the records of a DECP v2 file, marchés first, then concessions."""
    for kind in KINDS:
        index = -1
        with _open(path) as stream:
            events = _events(stream)
            try:
                for index, (data, problem) in enumerate(_items(events, kind)):
                    yield RawRecord(str(path), kind, index, data, problem)
                for _ in events:  # the rest of the file must be JSON too
                    pass
            except _Stop as stop:
                yield BrokenFile(str(path), kind, index + 1, str(stop))
                return
            except UnicodeDecodeError as error:
                yield BrokenFile(str(path), kind, index + 1, f"invalid JSON: {error}")
                return
            except (EOFError, gzip.BadGzipFile, zlib.error) as error:
                yield BrokenFile(str(path), kind, index + 1, f"broken gzip data: {error}")
                return
