"""Turning source files (text trees, JSON Lines, CSV/TSV) into records, reporting bad input."""

from minisearch.ingest.records import (
    IngestOptions,
    IngestStats,
    OnSkip,
    Record,
    RecordSource,
    Skipped,
    infer_text_fields,
)
from minisearch.ingest.sources import (
    Format,
    count_inputs,
    detect_format,
    iter_records,
    open_source,
)

__all__ = [
    "Format",
    "IngestOptions",
    "IngestStats",
    "OnSkip",
    "Record",
    "RecordSource",
    "Skipped",
    "count_inputs",
    "detect_format",
    "infer_text_fields",
    "iter_records",
    "open_source",
]
