"""CSV and TSV sources (.csv, .tsv, optionally gzip-compressed), streamed row by row.

The first non-blank row is the header and names the fields; every later row becomes a record
whose id is the id column's value and whose other cells are kept as strings. Lines are
decoded one at a time, so an undecodable line, a row with the wrong number of cells, a
malformed row or a row without an id is reported with its (first) line number and skipped.
A header without the id column or with a repeated column name skips the whole file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from minisearch.ingest.records import (
    READ_ERRORS,
    BadRecord,
    IngestOptions,
    OnSkip,
    Record,
    Skipped,
    count_lines,
    decode_error_reason,
    open_binary,
    pop_external_id,
    read_error_reason,
)


class _LineFeed:
    """Decodes lines for `csv.reader`, reporting and dropping undecodable ones.

    `row_start` is the number of the first line handed out since it was last reset to None,
    which is the line a row read by `csv.reader` starts on.
    """

    def __init__(
        self, raw_lines: Iterable[bytes], encoding: str, source: str, on_skip: OnSkip
    ) -> None:
        self.raw_lines = raw_lines
        self.encoding = encoding
        self.source = source
        self.on_skip = on_skip
        self.row_start: int | None = None
        self.lines_read = 0

    def __iter__(self) -> Iterator[str]:
        for lineno, raw in enumerate(self.raw_lines, 1):
            self.lines_read = lineno
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError as exc:
                reason = decode_error_reason(exc, " in the line")
                self.on_skip(Skipped(self.source, lineno, reason))
                continue
            if self.row_start is None:
                self.row_start = lineno
            yield text.removeprefix("\ufeff") if lineno == 1 else text


class CsvSource:
    """One CSV file (comma-separated) or TSV file (tab-separated, by its name)."""

    def __init__(self, path: Path, options: IngestOptions) -> None:
        self.path = path
        self.id_field = options.id_field
        self.encoding = options.encoding
        name = path.name.lower().removesuffix(".gz")
        self.dialect = "excel-tab" if name.endswith(".tsv") else "excel"

    def estimate(self) -> int:
        return max(count_lines(self.path) - 1, 0)

    def records(self, on_skip: OnSkip) -> Iterator[Record]:
        source = str(self.path)
        feed: _LineFeed | None = None
        try:
            with open_binary(self.path) as stream:
                feed = _LineFeed(stream, self.encoding, source, on_skip)
                yield from self._rows(feed, source, on_skip)
        except READ_ERRORS as exc:
            where = f" (after line {feed.lines_read})" if feed and feed.lines_read else ""
            on_skip(Skipped(source, None, read_error_reason(exc) + where))

    def _rows(self, feed: _LineFeed, source: str, on_skip: OnSkip) -> Iterator[Record]:
        reader = csv.reader(feed, self.dialect)
        header: list[str] | None = None
        while True:
            feed.row_start = None
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                on_skip(Skipped(source, feed.row_start, f"invalid CSV: {exc}"))
                continue
            if not row:
                continue
            if header is None:
                header = [name.strip() for name in row]
                problem = self._header_problem(header)
                if problem:
                    on_skip(Skipped(source, None, problem))
                    return
                continue
            if len(row) != len(header):
                reason = f"row has {len(row)} fields, the header has {len(header)}"
                on_skip(Skipped(source, feed.row_start, reason))
                continue
            fields: Record = dict(zip(header, row, strict=True))
            try:
                fields["id"] = pop_external_id(fields, self.id_field)
            except BadRecord as exc:
                on_skip(Skipped(source, feed.row_start, str(exc)))
                continue
            yield fields

    def _header_problem(self, header: list[str]) -> str | None:
        if self.id_field not in header:
            return f"header has no {self.id_field!r} column"
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            return f"header repeats column {repeated[0]!r}"
        return None
