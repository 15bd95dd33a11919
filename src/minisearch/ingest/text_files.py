"""Plain-text sources: one file, or a directory tree walked in sorted order.

Each file becomes {"id", "title", "body"}: the id is the path relative to the directory given
(forward slashes), or the file name for a single file; the title is the first non-empty line.
The walk skips hidden entries, keeps only the configured extensions and never follows a
symbolic link back into a directory it is already inside. A file that does not decode is
reported with the offset of its first bad byte and skipped; a leading BOM is dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from minisearch.ingest.records import (
    READ_ERRORS,
    IngestOptions,
    OnSkip,
    Record,
    Skipped,
    decode_error_reason,
    open_binary,
    read_error_reason,
)

_FIRST_LINE = re.compile(r"\S[^\r\n]*")


def read_text_record(path: Path, record_id: str, encoding: str, on_skip: OnSkip) -> Record | None:
    """Read one text file as a record, or report it and return None."""
    try:
        with open_binary(path) as stream:
            data = stream.read()
    except READ_ERRORS as exc:
        on_skip(Skipped(str(path), None, read_error_reason(exc)))
        return None
    try:
        body = data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        on_skip(Skipped(str(path), None, decode_error_reason(exc)))
        return None
    first = _FIRST_LINE.search(body)
    title = first.group().rstrip() if first else ""
    return {"id": record_id, "title": title, "body": body}


class TextFileSource:
    """A single text file named on the command line; its id is its file name."""

    def __init__(self, path: Path, options: IngestOptions) -> None:
        self.path = path
        self.encoding = options.encoding

    def records(self, on_skip: OnSkip) -> Iterator[Record]:
        record = read_text_record(self.path, self.path.name, self.encoding, on_skip)
        if record is not None:
            yield record

    def estimate(self) -> int:
        return 1


class TextTreeSource:
    """A directory: every non-hidden file under it with one of the configured extensions."""

    def __init__(self, root: Path, options: IngestOptions) -> None:
        self.root = root
        self.encoding = options.encoding
        self.suffixes = tuple(
            ext.lower() if ext.startswith(".") else f".{ext.lower()}" for ext in options.extensions
        )

    def records(self, on_skip: OnSkip) -> Iterator[Record]:
        for relative in self.walk(on_skip):
            record = read_text_record(self.root / relative, relative, self.encoding, on_skip)
            if record is not None:
                yield record

    def estimate(self) -> int:
        return sum(1 for _ in self.walk(lambda skipped: None))

    def walk(self, on_skip: OnSkip) -> Iterator[str]:
        """Yield the matching files' paths relative to the root, with forward slashes."""
        try:
            root_id = _identity(os.stat(self.root))
        except OSError as exc:
            on_skip(Skipped(str(self.root), None, read_error_reason(exc)))
            return
        yield from self._walk(self.root, "", frozenset({root_id}), on_skip)

    def _walk(
        self, directory: Path, prefix: str, ancestors: frozenset[tuple[int, int]], on_skip: OnSkip
    ) -> Iterator[str]:
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as exc:
            on_skip(Skipped(str(directory), None, f"cannot list directory: {exc.strerror}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            relative, path = prefix + entry.name, Path(entry.path)
            try:
                here = _identity(entry.stat()) if entry.is_dir() else None
            except OSError as exc:
                on_skip(Skipped(str(path), None, read_error_reason(exc)))
                continue
            if here in ancestors:
                on_skip(Skipped(str(path), None, "symbolic link loop, not followed"))
            elif here is not None:
                yield from self._walk(path, relative + "/", ancestors | {here}, on_skip)
            elif entry.name.lower().endswith(self.suffixes):
                if entry.is_file():
                    yield relative
                else:
                    on_skip(Skipped(str(path), None, "not a regular file"))


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return (stat.st_dev, stat.st_ino)
