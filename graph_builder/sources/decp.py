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
item naming where reading stopped: records before it are kept.  The file is read once;
records come in file order.
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
            for event, value in events:
                yield event, value, read
            del events[:]
        elif read - last > MAX_VALUE_BYTES:
            raise _Stop(f"more than {MAX_VALUE_BYTES} bytes without a complete JSON value "
                        f"from byte {last}")
    try:
        parser.close()
    except ijson.JSONError as error:
        raise _Stop(f"invalid JSON: {_json_message(error)}") from None
    for event, value in events:
        yield event, value, read


def _next(events: Iterator) -> tuple[str, Any, int]:
    for item in events:
        return item
    raise _Stop("invalid JSON: the file ends early")


def _skip(first: str, events: Iterator) -> None:
    """Consume the rest of a value whose first event was ``first``."""
    depth = 1 if first in _OPEN else 0
    while depth:
        event = _next(events)[0]
        depth += 1 if event in _OPEN else -1 if event in _CLOSE else 0


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
        return value, _too_long(value, [], [])
    root = _OPEN[event]()
    stack: list[Any] = [root]
    keys: list[str | None] = [None]  # the key of each open container in its parent
    key = None
    end = start + MAX_RECORD_BYTES
    for event, value, offset in events:
        problem = None
        if offset > end:
            problem = ("", f"the record is longer than {MAX_RECORD_BYTES} bytes of JSON")
        elif event == "map_key":
            key = value
            if len(value) > MAX_FIELD_CHARS:
                problem = _too_long(value, stack, keys)
        elif event == "end_map" or event == "end_array":
            stack.pop()
            if not stack:
                return root, None
            key = keys.pop()
            continue
        elif event == "start_map" or event == "start_array":
            if len(stack) >= MAX_JSON_DEPTH:
                problem = (_path(stack, keys, key),
                           f"nested more than {MAX_JSON_DEPTH} levels deep")
            else:
                child = _OPEN[event]()
                container = stack[-1]
                if type(container) is dict:
                    container[key] = child
                else:
                    container.append(child)
                stack.append(child)
                keys.append(key)
                continue
        else:
            if type(value) is str and len(value) > MAX_FIELD_CHARS:
                problem = _too_long(value, stack, keys, key)
            container = stack[-1]
            if type(container) is dict:
                container[key] = value
            else:
                container.append(value)
        if problem:
            depth = len(stack) + (event in _OPEN)
            while depth:
                event = _next(events)[0]
                depth += 1 if event in _OPEN else -1 if event in _CLOSE else 0
            return None, problem
    raise _Stop("invalid JSON: the file ends inside a record")


def _path(stack: list, keys: list, key: str | None) -> str:
    """Return where the next value of the innermost container goes, as ``a.b.0.c``."""
    parts = []
    for level, container in enumerate(stack):
        child_key = keys[level + 1] if level + 1 < len(stack) else key
        parts.append(str(len(container) - (level + 1 < len(stack)))
                     if type(container) is list else str(child_key))
    return ".".join(parts)


def _too_long(value: Any, stack: list, keys: list, key: str | None = None):
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        return (_path(stack, keys, key) if stack else "",
                f"text longer than {MAX_FIELD_CHARS} characters")
    return None


def _items(events: Iterator, where: list[str]) -> Iterator[tuple[str, Any, Any]]:
    """Yield (kind, record, problem) under ``marches``, in file order; skip everything else.

    ``where[0]`` is kept on the array being read.
    """
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
        for kind in _keys(events):
            array = _next(events)
            if kind not in KINDS or array[0] != "start_array":
                _skip(array[0], events)
                continue
            where[0] = kind
            for item in events:
                if item[0] == "end_array":
                    break
                yield (kind, *_record(item, events))


def read_records(path: Path) -> Iterator[RawRecord | BrokenFile]:
    """Yield the records of a DECP v2 file in file order, in one pass."""
    counts = dict.fromkeys(KINDS, 0)
    where = [MARCHE]
    with _open(path) as stream:
        events = _events(stream)
        try:
            for kind, data, problem in _items(events, where):
                yield RawRecord(str(path), kind, counts[kind], data, problem)
                counts[kind] += 1
            for _ in events:  # the rest of the file must be JSON too
                pass
        except _Stop as stop:
            yield BrokenFile(str(path), where[0], counts[where[0]], str(stop))
        except UnicodeDecodeError as error:
            yield BrokenFile(str(path), where[0], counts[where[0]], f"invalid JSON: {error}")
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            yield BrokenFile(str(path), where[0], counts[where[0]], f"broken gzip data: {error}")
