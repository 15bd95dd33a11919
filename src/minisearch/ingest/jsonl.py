"""JSON Lines sources (.jsonl, .ndjson, optionally gzip-compressed), streamed line by line.

Every non-blank line must be a JSON object with the id field (a str or an int); its other
keys become the record's fields unchanged. Each line is decoded on its own, so a line that is
not valid UTF-8, not valid JSON, not an object or without a usable id is reported with its
line number and skipped while the rest of the file is still read. Nothing is held in memory
beyond the current line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
    json_kind,
    open_binary,
    pop_external_id,
    read_error_reason,
)


class JsonlSource:
    """One JSON Lines file; records come out in file order."""

    def __init__(self, path: Path, options: IngestOptions) -> None:
        self.path = path
        self.id_field = options.id_field
        self.encoding = options.encoding

    def estimate(self) -> int:
        return count_lines(self.path)

    def records(self, on_skip: OnSkip) -> Iterator[Record]:
        source = str(self.path)
        lineno = 0
        try:
            with open_binary(self.path) as stream:
                for lineno, raw in enumerate(stream, 1):
                    try:
                        record = self._parse(raw, lineno)
                    except BadRecord as exc:
                        on_skip(Skipped(source, lineno, str(exc)))
                        continue
                    if record is not None:
                        yield record
        except READ_ERRORS as exc:
            where = f" (after line {lineno})" if lineno else ""
            on_skip(Skipped(source, None, read_error_reason(exc) + where))

    def _parse(self, raw: bytes, lineno: int) -> Record | None:
        """Turn one line into a record; None for a blank line, `BadRecord` for a bad one."""
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise BadRecord(decode_error_reason(exc, " in the line")) from None
        if lineno == 1:
            text = text.removeprefix("\ufeff")
        try:
            value = json.loads(text)
        except RecursionError:
            raise BadRecord("invalid JSON: nested too deeply") from None
        except json.JSONDecodeError as exc:
            if text.isspace() or not text:
                return None
            raise BadRecord(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        except ValueError as exc:  # e.g. an integer beyond the int-to-str digit limit
            raise BadRecord(f"invalid JSON: {exc}") from None
        if type(value) is not dict:
            raise BadRecord(f"line is {json_kind(value)}, not a JSON object")
        value["id"] = pop_external_id(value, self.id_field)
        return value
