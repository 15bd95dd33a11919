"""Segment merging: which adjacent segments to merge (the policy) and how (`merge_segments`).

Why adjacent only: hits with equal scores come back in index order (segment order, then doc
number), so a merge must concatenate its inputs in order for results to stay identical.

Policy (`LogMergePolicy`, Lucene's log-size policy restricted to adjacent runs): a segment's
level is ``floor(log_f(max(live docs, min_docs) / min_docs))`` for merge factor ``f``. After
every commit the writer asks `find_merges`; it picks, lowest level first, a maximal run of
adjacent segments whose levels are all <= L that holds at least ``f`` segments of level L,
and merges it. Appending one segment per commit therefore leaves at most ``f - 1`` segments
per level, i.e. O(f · log_f(N)) segments, and every document is rewritten O(log_f N) times.
`forced_merges` (``writer.merge(max_segments=n)``, ``optimize`` = 1) merges the cheapest
adjacent window down to ``n`` segments and rewrites segments that carry deletions.

The merge itself is a pure function of its input segments: it reads the live documents'
postings (not the stored text, which may be absent), renumbers them in input order,
concatenates postings per term (terms sorted), recomputes the block bounds, and copies
norms, numeric values, stored documents and ids. Deleted documents are dropped.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pyroaring import BitMap

from . import codec
from .codec import Buffer
from .postings import TermEntry, encode_term, position_deltas
from .schema import FieldKind, Schema
from .segment.builder import SegmentBodies, write_segment
from .segment.meta import SegmentMeta, new_segment_id
from .segment.reader import SegmentReader
from .segment.short_terms import (
    EncodedTerms,
    TermColumns,
    encode_in_term_order,
    group_by_term,
    run_indices,
)
from .termdict import FieldTermsBuilder

# A text field is merged about this many positions (postings, without positions) at a time,
# in ranges of terms: decoding and encoding a range with array operations peaks at ~65
# bytes per position. Synthetic 100k in 8 segments (15.6M positions): 9.6 s and 0.91 GB
# peak RSS in ranges of 4M, against 69 s and 0.74 GB a term at a time (1.7 GB in one range).
MERGE_CHUNK_POSITIONS = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LogMergePolicy:
    """Merge runs of ``merge_factor`` adjacent segments of the same size level."""

    merge_factor: int = 10
    min_docs: int = 100

    def __post_init__(self) -> None:
        if self.merge_factor < 2:
            raise ValueError(f"merge_factor must be >= 2, got {self.merge_factor}")
        if self.min_docs < 1:
            raise ValueError(f"min_docs must be >= 1, got {self.min_docs}")

    def level(self, segment: SegmentMeta) -> int:
        size = max(segment.live_count, self.min_docs)
        return math.floor(math.log(size / self.min_docs, self.merge_factor) + 1e-9)

    def find_merges(self, segments: Sequence[SegmentMeta]) -> list[range]:
        """At most one run of adjacent segment positions to merge now (cheap: no I/O)."""
        levels = [self.level(s) for s in segments]
        for level in sorted(set(levels)):
            start = 0
            while start < len(levels):
                if levels[start] > level:
                    start += 1
                    continue
                end = start
                while end < len(levels) and levels[end] <= level:
                    end += 1
                if sum(1 for x in levels[start:end] if x == level) >= self.merge_factor:
                    return [range(start, end)]
                start = end
        return []


def forced_merges(segments: Sequence[SegmentMeta], max_segments: int) -> list[range]:
    """Disjoint runs of adjacent positions whose merging leaves <= `max_segments` segments.

    One run: the adjacent window of ``count - max_segments + 1`` segments with the fewest live
    documents. Segments outside it that carry deletions are rewritten on their own.
    """
    if max_segments < 1:
        raise ValueError(f"max_segments must be >= 1, got {max_segments}")
    count = len(segments)
    window = count - max_segments + 1
    chosen: range | None = None
    if window > 1:
        sizes = [s.live_count for s in segments]
        start = min(range(count - window + 1), key=lambda i: (sum(sizes[i : i + window]), i))
        chosen = range(start, start + window)
    runs = [
        range(i, i + 1)
        for i, s in enumerate(segments)
        if s.del_count and (chosen is None or i not in chosen)
    ]
    if chosen is not None:
        runs.append(chosen)
    return sorted(runs, key=lambda r: r.start)


def merge_segments(
    index_dir: Path, readers: Sequence[SegmentReader], schema: Schema
) -> SegmentMeta:
    """Write one new segment holding the live documents of `readers`, in order."""
    for reader in readers:
        reader.verify()
    lives = [_live_docs(r) for r in readers]
    remaps: list[npt.NDArray[np.int64]] = []
    base = 0
    for reader, live in zip(readers, lives, strict=True):
        remap = np.full(reader.doc_count, -1, dtype=np.int64)
        remap[live] = np.arange(base, base + len(live))
        remaps.append(remap)
        base += len(live)
    terms_body: dict[str, Any] = {}
    norms_body: dict[str, Any] = {}
    length_sums: dict[str, int] = {}
    chunks: list[Buffer] = []
    offset = 0
    for field in schema.text_fields:
        lengths = np.concatenate(
            [r.field_lengths(field.name)[live] for r, live in zip(readers, lives, strict=True)]
        ).astype(np.uint32)
        norms_body[field.name] = list(codec.encode_uints(lengths))
        length_sums[field.name] = int(lengths.sum(dtype=np.int64))
        builder, offset = _merge_text_field(
            readers, remaps, field.name, lengths, field.positions, chunks, offset
        )
        terms_body[field.name] = builder.to_body()
    for field in schema.of_kind(FieldKind.KEYWORD):
        builder, offset = _merge_field(readers, remaps, field.name, None, False, chunks, offset)
        terms_body[field.name] = builder.to_body()
    bodies = SegmentBodies(
        terms={"fields": terms_body},
        postings=b"".join(chunks),
        norms=norms_body,
        values=_merge_values(readers, lives, schema),
        docs=_merge_docs(readers, lives),
        ids=[r.external_id(int(d)) for r, live in zip(readers, lives, strict=True) for d in live],
        length_sums=length_sums,
    )
    return write_segment(index_dir, new_segment_id(), bodies)


def _live_docs(reader: SegmentReader) -> npt.NDArray[np.int64]:
    live = reader.live_mask
    return np.arange(reader.doc_count) if live is None else np.flatnonzero(live)


def _merge_text_field(
    readers: Sequence[SegmentReader],
    remaps: Sequence[npt.NDArray[np.int64]],
    name: str,
    lengths: npt.NDArray[np.uint32],
    with_positions: bool,
    chunks: list[Buffer],
    offset: int,
) -> tuple[FieldTermsBuilder, int]:
    """`_merge_field` of a text field, a range of terms at a time: every input's postings of
    the range are decoded at once (`decode_terms`), renumbered, grouped by term and encoded
    at once (`encode_terms`). The bytes are the same, in a fraction of the time that one
    array operation per term and input takes on a large vocabulary."""
    builder = FieldTermsBuilder.empty()
    for ranges in _term_ranges(readers, name):
        merged = _merge_term_range(readers, remaps, name, ranges, lengths, with_positions, offset)
        if merged is not None:
            terms, encoded = merged
            builder.extend(terms, encoded.columns)
            chunks.append(encoded.data.data)
            offset += len(encoded.data)
    return builder, offset


def _term_ranges(readers: Sequence[SegmentReader], name: str) -> list[list[tuple[int, int]]]:
    """Ranges of term ordinals, one per reader, that together cover each reader's terms in
    order and hold about `MERGE_CHUNK_POSITIONS` positions in all (cut at the terms of the
    reader with the most positions)."""
    dictionaries = [reader.terms(name) for reader in readers]
    sizes = [len(d) if d is not None else 0 for d in dictionaries]
    totals = [
        int(d.column("total_term_freq").sum(dtype=np.int64)) if d is not None and len(d) else 0
        for d in dictionaries
    ]
    keys: list[str] = []
    biggest = dictionaries[int(np.argmax(totals))] if sum(totals) else None
    if biggest is not None:
        running = np.cumsum(biggest.column("total_term_freq"), dtype=np.int64)
        share = max(1, MERGE_CHUNK_POSITIONS * max(totals) // sum(totals))
        cuts = np.searchsorted(running, np.arange(share, int(running[-1]), share), "right")
        keys = [biggest.terms[int(cut)] for cut in np.unique(cuts) if 0 < cut < len(biggest)]
    bounds = [
        [0, *(bisect_left(d.terms, key) if d is not None else 0 for key in keys), size]
        for d, size in zip(dictionaries, sizes, strict=True)
    ]
    return [[(b[j], b[j + 1]) for b in bounds] for j in range(len(keys) + 1)]


def _merge_term_range(
    readers: Sequence[SegmentReader],
    remaps: Sequence[npt.NDArray[np.int64]],
    name: str,
    ranges: Sequence[tuple[int, int]],
    lengths: npt.NDArray[np.uint32],
    with_positions: bool,
    offset: int,
) -> tuple[list[str], EncodedTerms] | None:
    """The merged records of the terms in `ranges` (ordinals per reader) starting at
    `offset`, or None if no live document holds any of them."""
    term_number: dict[str, int] = {}
    per_input: list[tuple[npt.NDArray[Any], ...]] = []
    for reader, remap, (lo, hi) in zip(readers, remaps, ranges, strict=True):
        terms = reader.terms(name)
        if terms is None or lo == hi:
            continue
        columns = reader.field_postings(name, with_positions, lo, hi)
        numbers = np.fromiter(
            (term_number.setdefault(terms.terms[o], len(term_number)) for o in range(lo, hi)),
            dtype=np.int64,
            count=hi - lo,
        )
        docs = remap[columns.docs]
        keep = docs >= 0
        term_of = np.repeat(numbers.astype(np.uint32), np.diff(columns.starts))
        parts = [term_of[keep], docs[keep].astype(np.uint32), columns.tfs[keep]]
        if columns.pos_deltas is not None:
            parts.append(columns.pos_deltas[np.repeat(keep, columns.tfs)])
        per_input.append(tuple(parts))
        del columns, docs, keep, term_of
    if not per_input or not sum(len(parts[0]) for parts in per_input):
        return None
    term_of, docs, tfs, *rest = (np.concatenate(column) for column in zip(*per_input, strict=True))
    del per_input
    # Inputs are in order and renumbered in order, so each term's postings stay by doc
    # number when grouped by term in input order.
    order, grouped = group_by_term(term_of)
    starts = np.append(np.flatnonzero(np.diff(grouped, prepend=-1)), len(grouped))
    deltas, pos_starts = None, None
    tfs = tfs.astype(np.int64)
    if rest:
        run_starts = np.cumsum(tfs) - tfs
        deltas = rest[0][run_indices(run_starts[order], tfs[order])]
        pos_starts = np.append(0, np.cumsum(tfs[order]))[starts]
    docs, tfs = docs[order], tfs[order]
    names = list(term_number)
    present = [names[number] for number in grouped[starts[:-1]].tolist()]
    columns = TermColumns(docs.astype(np.uint32), tfs, lengths[docs], starts, deltas, pos_starts)
    return encode_in_term_order(columns, present, offset)


def _merge_field(
    readers: Sequence[SegmentReader],
    remaps: Sequence[npt.NDArray[np.int64]],
    name: str,
    lengths: npt.NDArray[np.uint32] | None,
    with_positions: bool,
    chunks: list[Buffer],
    offset: int,
) -> tuple[FieldTermsBuilder, int]:
    """Concatenate each term's live postings across `readers`; `lengths` is None for keywords."""
    dictionaries = [(i, r.terms(name)) for i, r in enumerate(readers)]
    present = [(i, t) for i, t in dictionaries if t is not None and len(t)]
    builder = FieldTermsBuilder.empty()
    # k-way merge of the sorted term lists: each term's inputs arrive in segment order.
    streams = [_term_stream(i, t.terms) for i, t in present]
    for term, group in itertools.groupby(heapq.merge(*streams), key=lambda entry: entry[0]):
        pending = [(i, ordinal) for _, i, ordinal in group]
        offset = _emit(
            readers, remaps, name, term, pending, lengths, with_positions, builder, chunks, offset
        )
    return builder, offset


def _term_stream(segment: int, terms: Sequence[str]) -> Iterator[tuple[str, int, int]]:
    for ordinal, term in enumerate(terms):
        yield term, segment, ordinal


def _emit(
    readers: Sequence[SegmentReader],
    remaps: Sequence[npt.NDArray[np.int64]],
    name: str,
    term: str,
    sources: list[tuple[int, int]],
    lengths: npt.NDArray[np.uint32] | None,
    with_positions: bool,
    builder: FieldTermsBuilder,
    chunks: list[Buffer],
    offset: int,
) -> int:
    docs_parts: list[npt.NDArray[np.int64]] = []
    tf_parts: list[npt.NDArray[np.int64]] = []
    pos_parts: list[npt.NDArray[np.int64]] = []
    for i, ordinal in sources:
        postings = readers[i].postings(name, ordinal)
        new_docs = remaps[i][postings.docs]
        keep = new_docs >= 0
        tfs = postings.tfs.astype(np.int64)
        docs_parts.append(new_docs[keep])
        tf_parts.append(tfs[keep])
        if with_positions:
            flat, _ = postings.flat_positions()
            pos_parts.append(flat[np.repeat(keep, tfs)])
    docs = np.concatenate(docs_parts)
    if len(docs) == 0:
        return offset
    tfs = np.concatenate(tf_parts)
    doc_lengths = lengths[docs] if lengths is not None else np.ones(len(docs), dtype=np.uint32)
    deltas = None
    if with_positions:
        run_starts = np.zeros(len(tfs), dtype=np.int64)
        np.cumsum(tfs[:-1], out=run_starts[1:])
        deltas = position_deltas(np.concatenate(pos_parts), run_starts)
    record, docs_len, flags = encode_term(docs.astype(np.uint32), tfs, doc_lengths, deltas)
    entry = TermEntry(
        doc_freq=len(docs),
        total_term_freq=int(tfs.sum()),
        offset=offset,
        docs_len=docs_len,
        flags=flags,
        max_tf=int(tfs.max()),
        min_len=int(doc_lengths.min()),
    )
    builder.append(term, entry)
    chunks.append(record)
    return offset + len(record)


def _merge_values(
    readers: Sequence[SegmentReader], lives: Sequence[npt.NDArray[np.int64]], schema: Schema
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in schema.of_kind(FieldKind.NUMERIC):
        columns = [r.numeric_values(field.name) for r in readers]
        dtype = "<f8" if any(c[0].dtype.kind == "f" for c in columns) else "<i8"
        data_parts: list[npt.NDArray[Any]] = []
        present = BitMap()
        base = 0
        for (data, has), live in zip(columns, lives, strict=True):
            data_parts.append(data[live].astype(dtype))
            flags = np.zeros(len(data), dtype=bool)
            if has:
                flags[np.fromiter(has, dtype=np.int64)] = True
            present.update((np.flatnonzero(flags[live]) + base).tolist())
            base += len(live)
        column = np.concatenate(data_parts) if data_parts else np.zeros(0, dtype=dtype)
        body[field.name] = {
            "dtype": dtype,
            "present": present.serialize(),
            "data": column.tobytes(),
        }
    return body


def _merge_docs(
    readers: Sequence[SegmentReader], lives: Sequence[npt.NDArray[np.int64]]
) -> list[bytes]:
    """Stored documents are opaque msgpack blobs: copy the live ones' bytes as they are."""
    blobs: list[bytes] = []
    for reader, live in zip(readers, lives, strict=True):
        blobs.extend(reader.stored_blob(int(d)) for d in live)
    offsets = np.zeros(len(blobs) + 1, dtype="<u8")
    np.cumsum([len(b) for b in blobs], out=offsets[1:])
    return [offsets.tobytes(), b"".join(blobs)]
