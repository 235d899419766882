"""Read text from outside: bytes to text, JSON, YAML and CSV, each with one limit and one ``InputError``.

Every file, upload, form field or request body the product parses comes through here, so the CLI, the
pages and the API accept and refuse the same input with the same words:

- **Encodings.** UTF-8, with or without a byte order mark, unless the sender declares GB18030 (Chinese
  agencies export it): :data:`ENCODINGS`. Anything else (a GB18030 file not declared, UTF-16, Latin-1)
  is refused, naming the file and the first byte that is not text in that encoding, never read with
  replacement characters.
- **Nesting.** JSON and YAML nested more than :data:`MAX_DEPTH` arrays or objects deep are refused
  before they are parsed (the parsers recurse once per level, and so do the checks after them): JSON
  text is scanned for brackets, YAML is composed with a depth count. YAML anchors and aliases are
  refused (an alias can make a structure refer to itself, or expand a small file into billions of nodes).
- **CSV cells.** A cell longer than :data:`MAX_CSV_CELL` characters (the ``csv`` module's own limit) is
  refused naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

from planner.errors import InputError
from planner.model.codes import ENCODINGS, Encoding  # noqa: F401  (re-exported: callers may import them from here)

MAX_DEPTH = 64
"""Deepest nesting of JSON or YAML arrays and objects accepted (a GeoJSON MultiPolygon in a feature
collection is 8 deep)."""
MAX_CSV_CELL = csv.field_size_limit()
"""Longest CSV cell accepted, in characters (131,072: the ``csv`` module's limit)."""

_ALIASES = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030"}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def encoding_name(declared: str | None, *, field: str = "encoding") -> str:
    """Return the accepted encoding a sender declared (UTF-8 when none); refuse any other, listing those accepted."""
    if declared is None or not declared.strip():
        return "utf-8"
    name = _ALIASES.get(declared.strip().lower())
    if name is None:
        raise InputError(f"{field}: {declared!r} is not accepted (accepted: {', '.join(ENCODINGS)})", field=field)
    return name


def decode(data: bytes, what: str, encoding: str | None = None, *, field: str = "file") -> str:
    """Return ``data`` as text in the declared encoding (UTF-8 when none), without a byte order mark.

    ``what`` names the data in the message (``teams.csv``, ``body``); ``field`` is the error's field.
    Text that is not valid in the encoding is refused with the line and offset of the first bad byte and
    what to do, never decoded with replacement characters.
    """
    name = encoding_name(encoding)
    if name == "utf-8" and data.startswith(_UTF16_BOMS):
        raise InputError(f"{what}: UTF-16 text is not accepted; save it as UTF-8 (or GB18030, and declare it)",
                         field=field)
    try:
        text = data.decode("utf-8-sig" if name == "utf-8" else name)
    except UnicodeDecodeError as error:
        hint = ("; save it as UTF-8, or declare its encoding as gb18030 if it is GB18030" if name == "utf-8"
                else "; check the declared encoding")
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"{what}: not {name.upper()} text (byte 0x{data[error.start]:02x} at line {line}, offset "
                         f"{error.start}){hint}", field=field) from None
    return text.removeprefix("\ufeff")


def read_text(path: str | Path, encoding: str | None = None, *, field: str = "file") -> str:
    """Return a file's text (see :func:`decode`); a file that cannot be read raises ``InputError`` naming it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path.name}: cannot read ({error.strerror or error})", field=field) from None
    return decode(data, path.name, encoding, field=field)


def check_depth(text: str | bytes, what: str, *, field: str | None = None) -> None:
    """Refuse JSON text nested more than :data:`MAX_DEPTH` deep, before any parser recurses into it.

    Brackets inside JSON strings do not count. Text with fewer opening brackets than the limit is
    passed at once; otherwise the brackets outside strings are counted in one pass over the text.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if brackets and max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise InputError(f"{what}: nested more than {MAX_DEPTH} arrays or objects deep", field=field or what)


def parse_json(text: str | bytes, what: str, *, field: str | None = None, language: str = "JSON") -> Any:
    """Return parsed JSON text; ``InputError`` names ``what`` and the line of a syntax error, or the nesting.

    ``language`` names the format in the message (``GeoJSON``).
    """
    check_depth(text, what, field=field)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{what}: not valid {language} ({error.msg} at line {error.lineno} column {error.colno})",
                         field=field or what) from None
    except UnicodeDecodeError:
        raise InputError(f"{what}: JSON must be UTF-8 text", field=field or what) from None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses aliases and counts the nesting as it composes."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise yaml.MarkedYAMLError(problem="anchors and aliases (&name, *name) are not accepted",
                                       problem_mark=self.peek_event().start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH and self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
                raise yaml.MarkedYAMLError(problem=f"nested more than {MAX_DEPTH} lists or mappings deep",
                                           problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1


def parse_yaml(text: str, what: str, *, field: str | None = None) -> Any:
    """Return parsed YAML text (safe types only); ``InputError`` names ``what``, the problem and its line."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{what}: not valid YAML ({problem}{where})", field=field or what) from None
    finally:
        loader.dispose()


def csv_lines(text: str) -> Iterator[str]:
    """Return the lines of CSV text as the ``csv`` module reads them: line ends kept, so quoted cells span lines."""
    return iter(io.StringIO(text, newline=""))


def csv_rows(lines: Iterable[str], what: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, cells)`` of each non-empty CSV record, the line being where the record starts.

    A record the ``csv`` module cannot read (a cell over :data:`MAX_CSV_CELL` characters, a stray
    quote) raises ``InputError`` naming ``what``, the line and, for an over-long cell, its column.
    """
    source = _Pending(lines)
    reader = csv.reader(source)
    header: list[str] = []
    while True:
        source.pending.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _csv_error(error, source.pending, reader.line_num, what, header) from None
        line = reader.line_num - len(source.pending) + 1
        if not cells:
            continue
        header = header or cells
        yield line, cells


def csv_dicts(lines: Iterable[str], what: str) -> tuple[list[str], Iterator[tuple[int, dict[str | None, Any]]]]:
    """Return a CSV text's header and its records as ``(line, {column: cell})``, like ``csv.DictReader``.

    Missing cells are None; cells beyond the header are listed under the key None. Problems as in
    :func:`csv_rows`. An empty text has an empty header and no records.
    """
    rows = csv_rows(lines, what)
    first = next(rows, None)
    header = first[1] if first else []

    def records() -> Iterator[tuple[int, dict[str | None, Any]]]:
        for line, cells in rows:
            record: dict[str | None, Any] = {name: (cells[i] if i < len(cells) else None)
                                             for i, name in enumerate(header)}
            if len(cells) > len(header):
                record[None] = cells[len(header):]
            yield line, record

    return header, records()


class _Pending:
    """An iterator of lines that keeps the lines of the record being read (to locate a problem in it)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = iter(lines)
        self.pending: list[str] = []

    def __iter__(self) -> _Pending:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.pending.append(line)
        return line


def _csv_error(error: csv.Error, pending: list[str], line_num: int, what: str, header: list[str]) -> InputError:
    """Return the ``InputError`` of a record the ``csv`` module refused, naming the line and the column."""
    line = line_num - len(pending) + 1
    column = _long_cell(pending)
    if column is None:
        return InputError(f"{what} line {line}: not readable as CSV ({error})", field="file")
    name = header[column] if column < len(header) else f"column {column + 1}"
    return InputError(f"{what} line {line}: {name}: a cell is longer than {MAX_CSV_CELL:,} characters",
                      field=name if header else "header")


def _long_cell(lines: list[str]) -> int | None:
    """Return the index of the first cell longer than :data:`MAX_CSV_CELL` in a record's raw lines, or None."""
    column, length, quoted = 0, 0, False
    for char in "".join(lines):
        if char == '"':
            quoted = not quoted
            continue
        if not quoted and char == ",":
            column, length = column + 1, 0
            continue
        if not quoted and char in "\r\n":
            continue
        length += 1
        if length > MAX_CSV_CELL:
            return column
    return None
