"""The record model every reader shares, and the few helpers they all need.

A record is a plain dict whose "id" key holds the external id as a str; every other key is a
field taken from the source as it is. A reader reports input it cannot turn into a record as
a `Skipped` (file, line, reason) through a callback and carries on, so one bad line never
stops a run. Opening (gzip-aware), error wording and id checks live here so that the format
readers stay independent of one another.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

Record = dict[str, object]
"""One document: "id" (a str) plus the source's other fields."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file or line that produced no record, and why."""

    source: str  # the file path as given (or as found under a given directory)
    line: int | None  # 1-based line for JSONL/CSV problems, None for whole-file problems
    reason: str


OnSkip = Callable[[Skipped], None]


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How to read sources. `text_fields` is carried for the caller; readers keep every field."""

    id_field: str = "id"  # the JSONL key / CSV column holding the external id
    text_fields: tuple[str, ...] = ()  # fields to analyze as text; empty = infer_text_fields
    extensions: tuple[str, ...] = (".txt", ".md")  # file names a directory walk picks up
    encoding: str = "utf-8"

    def __post_init__(self) -> None:
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"unknown text encoding {self.encoding!r}") from None


@dataclass(slots=True)
class IngestStats:
    """Counts for one `iter_records` run; a repeated id is kept (the later record wins)."""

    records: int = 0
    skipped: int = 0
    duplicate_ids: int = 0


class RecordSource(Protocol):
    """One SOURCE argument, readable as a stream of records."""

    def records(self, on_skip: OnSkip) -> Iterator[Record]:
        """Yield the records in a deterministic order, reporting bad input to `on_skip`."""
        ...

    def estimate(self) -> int:
        """A cheap estimate of how many records (or files) `records` will yield."""
        ...


class BadRecord(Exception):
    """Internal: one line or row cannot become a record; the message is the `Skipped` reason."""


READ_ERRORS = (OSError, EOFError, zlib.error)
"""What reading a (possibly gzip-compressed) file can raise."""


def open_binary(path: Path) -> io.BufferedIOBase:
    """Open `path` for reading bytes, decompressing it on the fly if its name ends in .gz."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def count_lines(path: Path) -> int:
    """Count the lines of `path` by scanning its bytes; 0 if it cannot be read."""
    count = 0
    last = b"\n"
    try:
        with open_binary(path) as stream:
            while chunk := stream.read(1 << 20):
                count += chunk.count(b"\n")
                last = chunk[-1:]
    except READ_ERRORS:
        return 0
    return count + (last != b"\n")


def read_error_reason(exc: BaseException) -> str:
    """Word a failure to open or read a file for a `Skipped` reason."""
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot read: {detail}"


def decode_error_reason(exc: UnicodeDecodeError, where: str = "") -> str:
    """Word a decoding failure, naming the first bad byte and its offset."""
    name = "UTF-8" if codecs.lookup(exc.encoding).name == "utf-8" else exc.encoding
    return f"not valid {name} (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}{where})"


_JSON_KINDS: dict[type, str] = {
    type(None): "null",
    bool: "a boolean",
    float: "a float",
    list: "an array",
    dict: "an object",
}


def json_kind(value: object) -> str:
    """Name the JSON type of a decoded value, for messages."""
    return _JSON_KINDS.get(type(value), "a string" if isinstance(value, str) else "a number")


def pop_external_id(fields: dict[str, object], id_field: str) -> str:
    """Remove `id_field` from `fields` and return it as the external id (a non-empty str).

    Accepts a str or an int (converted with str()); raises `BadRecord` otherwise.
    """
    try:
        value = fields.pop(id_field)
    except KeyError:
        raise BadRecord(f"record has no {id_field!r}") from None
    if type(value) is str and value:
        return value
    if type(value) is int:
        return str(value)
    if value == "":
        raise BadRecord(f"record has an empty {id_field!r}")
    raise BadRecord(f"{id_field!r} must be a string or an integer, not {json_kind(value)}")


def infer_text_fields(record: Mapping[str, object]) -> tuple[str, ...]:
    """The keys of `record` holding a str, except "id": the default fields to analyze."""
    return tuple(key for key, value in record.items() if key != "id" and isinstance(value, str))
