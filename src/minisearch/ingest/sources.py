"""From SOURCE arguments to one stream of records: format detection and the ingest loop.

A directory is walked for text files; a file's format comes from its name (.jsonl/.ndjson,
.csv/.tsv, each optionally .gz); any other file is read as plain text, since the user named
it. `iter_records` chains the sources in the order given and keeps `IngestStats`, where a
repeated id is counted but still yielded: the later record wins, as an update would.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path, PurePath
from typing import Literal

from minisearch.ingest.csv_files import CsvSource
from minisearch.ingest.jsonl import JsonlSource
from minisearch.ingest.records import (
    IngestOptions,
    IngestStats,
    OnSkip,
    Record,
    RecordSource,
    Skipped,
)
from minisearch.ingest.text_files import TextFileSource, TextTreeSource

Format = Literal["text", "jsonl", "csv", "dir"]

_FORMAT_BY_SUFFIX: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
}


def detect_format(path: Path) -> Format:
    """The format of a SOURCE: "dir" for a directory, else by extension (unknown = "text")."""
    if path.is_dir():
        return "dir"
    suffix = PurePath(path.name.lower().removesuffix(".gz")).suffix
    return _FORMAT_BY_SUFFIX.get(suffix, "text")


def open_source(path: Path, options: IngestOptions) -> RecordSource:
    """The reader for one SOURCE argument."""
    match detect_format(path):
        case "dir":
            return TextTreeSource(path, options)
        case "jsonl":
            return JsonlSource(path, options)
        case "csv":
            return CsvSource(path, options)
        case "text":
            return TextFileSource(path, options)


def iter_records(
    paths: Sequence[Path],
    options: IngestOptions,
    on_skip: OnSkip,
    stats: IngestStats | None = None,
) -> Iterator[Record]:
    """Yield the records of every source in order, reporting bad input to `on_skip`."""
    counts = stats if stats is not None else IngestStats()
    seen: set[object] = set()

    def report(skipped: Skipped) -> None:
        counts.skipped += 1
        on_skip(skipped)

    for path in paths:
        for record in open_source(Path(path), options).records(report):
            record_id = record["id"]
            if record_id in seen:
                counts.duplicate_ids += 1
            else:
                seen.add(record_id)
            counts.records += 1
            yield record


def count_inputs(paths: Sequence[Path], options: IngestOptions) -> int:
    """A cheap estimate of the records (or files) `iter_records` will yield: a progress total."""
    return sum(open_source(Path(path), options).estimate() for path in paths)
