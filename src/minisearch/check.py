"""Index verification: every checksum and every structural invariant of the newest commit.

Searching trusts the index (opening verifies small files only, and decoding checks just
enough not to crash), so damage shows up as wrong results, not errors. `check_index` reads
everything: the full CRC of every file against its footer and the manifest's size and CRC,
then the invariants the searcher relies on (sorted unique terms, ascending in-range doc
numbers, df/cf/bounds agreeing with the postings, norms/ids/deletions sized to the segment,
no live duplicate ids). Positions are checked ascending per document with tf <= field length;
they cannot be bounded by the field length because removed stopwords leave gaps. Each
problem names its file; files no commit references are warnings, not errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from . import codec
from .commit import CommitPoint, read_latest
from .errors import MinisearchError
from .lock import LOCK_NAME
from .postings import BLOCK_SIZE
from .schema import FieldKind
from .segment.meta import SEGMENT_FILES, Component, SegmentMeta
from .segment.reader import SegmentReader


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    message: str


@dataclass(slots=True)
class CheckReport:
    """The outcome of `check_index`: `ok` when there are no problems (warnings allowed)."""

    path: str
    generation: int | None = None
    segments: int = 0
    documents: int = 0
    files_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def check_index(path: str | Path) -> CheckReport:
    """Verify the newest commit of the index at `path`; never raises for a damaged index."""
    index_dir = Path(path)
    report = CheckReport(path=str(index_dir))
    try:
        commit = read_latest(index_dir)
    except MinisearchError as exc:
        report.problems.append(Problem(_name_of(exc, "manifest"), str(exc)))
        return report
    report.generation = commit.generation
    report.segments = len(commit.segments)
    report.documents = commit.doc_count
    seen_ids: dict[str, str] = {}
    for meta in commit.segments:
        files_ok = _check_files(index_dir, meta, report)
        if files_ok:
            _check_segment(index_dir, commit, meta, seen_ids, report)
    _check_unreferenced(index_dir, commit, report)
    return report


def _name_of(exc: Exception, default: str) -> str:
    return str(getattr(exc, "path", default))


def _check_files(index_dir: Path, meta: SegmentMeta, report: CheckReport) -> bool:
    """Full CRC of each file against its footer and the manifest; False if any is bad."""
    ok = True
    components = [*SEGMENT_FILES, *([Component.DELETES] if meta.del_file else [])]
    for component in components:
        path = meta.path(index_dir, component)
        info = meta.del_file if component is Component.DELETES else meta.files.get(component.value)
        report.files_checked += 1
        try:
            data = path.read_bytes()
            codec.check_file(data, path, component.value, meta.id_bytes)
        except (OSError, MinisearchError) as exc:
            report.problems.append(Problem(str(path), str(exc)))
            ok = False
            continue
        if info is None:
            report.problems.append(Problem(str(path), "not recorded in the manifest"))
            ok = False
        elif info.size != len(data) or info.crc != codec.file_crc(data):
            report.problems.append(
                Problem(str(path), "size or checksum differs from the manifest's")
            )
            ok = False
    return ok


def _check_segment(
    index_dir: Path,
    commit: CommitPoint,
    meta: SegmentMeta,
    seen_ids: dict[str, str],
    report: CheckReport,
) -> None:
    try:
        reader = SegmentReader(index_dir, meta, commit.schema)
    except MinisearchError as exc:
        report.problems.append(Problem(_name_of(exc, meta.dirname), str(exc)))
        return
    try:
        for problem in _segment_problems(reader, seen_ids):
            report.problems.append(problem)
    except (MinisearchError, ValueError, IndexError, TypeError, KeyError) as exc:
        report.problems.append(Problem(_name_of(exc, meta.dirname), f"undecodable: {exc}"))
    finally:
        reader.close()


def _segment_problems(reader: SegmentReader, seen_ids: dict[str, str]) -> Iterator[Problem]:
    meta, n = reader.meta, reader.doc_count
    file_of = {c: str(meta.path(reader.index_dir, c)) for c in Component}
    if meta.del_gen and (
        len(reader.deleted) != meta.del_count or (reader.deleted and reader.deleted.max() >= n)
    ):
        yield Problem(
            file_of[Component.DELETES], "deletions out of range or not the manifest's del_count"
        )
    lengths: dict[str, Any] = {}
    for f in reader.schema.text_fields:
        lengths[f.name] = reader.field_lengths(f.name)
        if len(lengths[f.name]) != n:
            yield Problem(
                file_of[Component.NORMS],
                f"{f.name}: {len(lengths[f.name])} norms for {n} documents",
            )
        written = meta.length_sum(f.name)
        if written is not None and written != int(lengths[f.name].sum(dtype=np.int64)):
            yield Problem(
                file_of[Component.NORMS], f"{f.name}: the manifest's length sum is not the norms'"
            )
    for f in reader.schema.fields:
        if f.kind in (FieldKind.TEXT, FieldKind.KEYWORD):
            yield from _field_problems(
                reader,
                f.name,
                lengths.get(f.name),
                f.kind is FieldKind.TEXT and f.positions,
                file_of,
            )
    for doc in range(n):
        reader.stored_fields(doc)
        doc_id = reader.external_id(doc)
        if doc in reader.deleted:
            continue
        if doc_id in seen_ids:
            yield Problem(file_of[Component.IDS], f"live id {doc_id!r} also in {seen_ids[doc_id]}")
        seen_ids[doc_id] = meta.dirname


def _field_problems(
    reader: SegmentReader, name: str, lengths: Any, positions: bool, file_of: dict[Component, str]
) -> Iterator[Problem]:
    terms = reader.terms(name)
    if terms is None:
        return
    where = file_of[Component.POSTINGS]
    words = list(terms.terms)
    if any(a >= b for a, b in pairwise(words)):
        yield Problem(file_of[Component.TERMS], f"{name}: terms are not sorted and unique")
    if not terms.prefixes_match():
        yield Problem(file_of[Component.TERMS], f"{name}: term prefixes do not match the terms")
    n = reader.doc_count
    for ordinal, term in enumerate(words):
        p = reader.postings(name, ordinal)
        entry, docs, tfs = p.entry, p.docs.astype(np.int64), p.tfs.astype(np.int64)
        label = f"{name}:{term!r}"
        if len(docs) != entry.doc_freq:
            yield Problem(where, f"{label}: df {entry.doc_freq} but {len(docs)} postings")
            continue
        if len(docs) and (docs[0] < 0 or docs[-1] >= n or np.any(np.diff(docs) <= 0)):
            yield Problem(where, f"{label}: doc numbers not strictly ascending in [0, {n})")
            continue
        if int(tfs.sum()) != entry.total_term_freq or (
            len(tfs) and (tfs.min() < 1 or tfs.max() != entry.max_tf)
        ):
            yield Problem(where, f"{label}: cf or max tf disagrees with the term frequencies")
        doc_lengths = (
            lengths[docs].astype(np.int64)
            if lengths is not None
            else np.ones(len(docs), dtype=np.int64)
        )
        if len(docs) and int(doc_lengths.min()) != entry.min_len:
            yield Problem(where, f"{label}: min length bound disagrees with the norms")
        starts = np.arange(0, len(docs), BLOCK_SIZE)
        block_tf, block_len = p.block_bounds()
        if len(docs) and (
            not np.array_equal(block_tf, np.maximum.reduceat(tfs, starts))
            or not np.array_equal(block_len, np.minimum.reduceat(doc_lengths, starts))
        ):
            yield Problem(where, f"{label}: block bounds disagree with the postings")
        if lengths is not None and np.any(tfs > doc_lengths):
            yield Problem(where, f"{label}: tf exceeds the field length")
        if positions and len(docs):
            flat, run_starts = p.flat_positions()
            steps = np.diff(flat)
            steps[run_starts[1:-1] - 1] = 1  # a new document may restart lower
            if len(flat) and (flat.min() < 0 or np.any(steps <= 0)):
                yield Problem(where, f"{label}: positions not ascending within a document")


def _check_unreferenced(index_dir: Path, commit: CommitPoint, report: CheckReport) -> None:
    keep = commit.referenced_files()
    for entry in sorted(index_dir.iterdir()):
        if entry.name == LOCK_NAME:
            continue
        inner = sorted(entry.iterdir()) if entry.is_dir() else [entry]
        for item in inner:
            rel = item.relative_to(index_dir).as_posix()
            if rel not in keep:
                report.warnings.append(Problem(str(item), "not referenced by the newest commit"))
