"""The postings records of all a field's terms at once, byte for byte what `encode_term` writes.

A vocabulary follows Zipf's law: most of its terms occur in a handful of documents (60% of
a synthetic 10k-document segment's terms occur once). Encoding them one `encode_term` call
at a time cost ~15 µs of Python per term, most of a commit. A term whose postings fit one
block (`BLOCK_SIZE`) has a record whose every part (raw or gap-coded doc ids, tf - 1 and
positions bit-packed, the block's max tf and min length) is fixed by a few numbers per term:
its document frequency, widths and extremes. So the records of all such *short* terms are
laid out with array operations: sizes and offsets first, then the bits of every value are
written at their place in one buffer.

Roaring is the one doc-id form whose size takes more than that to know. A term is left to
`encode_term` when roaring could beat its raw and gap forms: a run-optimised roaring bitmap
takes at least 9 bytes plus 2 per run of consecutive doc numbers (a cookie, the run flags
and a container header; a container stores its values or its runs in at least 2 bytes per
run), so below that bound `encode_term` never picks it. Longer terms are few and go to
`encode_term` too.

`decode_terms` reads a whole field back the same way, for merges, which otherwise decoded
and re-encoded every term of every input one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..bitpack import packed_size
from ..codec import WIDTH_DTYPES, Buffer
from ..postings import (
    _BITS_MASK,
    _POS_BITS_SHIFT,
    _POS_SHIFT,
    _TF_BITS_SHIFT,
    _TF_MASK,
    BLOCK_SIZE,
    GAP_DOCS,
    PACKED,
    RAW_DOCS,
    TermEntry,
    TermPostings,
    encode_term,
    position_deltas,
)

Int64Array = npt.NDArray[np.int64]

_ROARING_MIN_BYTES = 9
# Largest value of each width code (codec.width_code).
_WIDTH_LIMITS = np.array([np.iinfo(dtype).max for dtype in WIDTH_DTYPES[:3]], dtype=np.int64)
# The dictionary columns `decode_terms` reads, in this order.
DECODE_COLUMNS = ("offset", "doc_freq", "total_term_freq", "docs_len", "flags")
# Short terms are written this many positions at a time (bounds the temporary index arrays).
_CHUNK_VALUES = 1 << 21


@dataclass(frozen=True, slots=True)
class TermColumns:
    """One field's postings grouped by term (terms in any order, each term's by doc number).

    ``docs[starts[t]:starts[t + 1]]`` are term t's doc numbers, ascending, with their term
    frequencies `tfs` and field `lengths`; ``pos_deltas[pos_starts[t]:pos_starts[t + 1]]``
    its position deltas (`pos_deltas` is None for a field without positions).
    """

    docs: npt.NDArray[Any]
    tfs: npt.NDArray[Any]
    lengths: npt.NDArray[Any]
    starts: Int64Array
    pos_deltas: npt.NDArray[Any] | None = None
    pos_starts: Int64Array | None = None


@dataclass(frozen=True, slots=True)
class EncodedTerms:
    """The records end to end in the order asked for, and each term's dictionary columns
    in that order (what `FieldTermsBuilder.extend` takes)."""

    data: npt.NDArray[np.uint8]
    columns: dict[str, npt.NDArray[np.uint64]]


@dataclass(slots=True)
class _Plan:
    """Per-term numbers that fix a record's layout (arrays indexed by term)."""

    doc_freq: Int64Array
    total_tf: Int64Array
    max_tf: Int64Array
    min_len: Int64Array
    gap_width: Int64Array
    use_gaps: npt.NDArray[np.bool_]
    docs_bytes: Int64Array
    tf_width: Int64Array
    tf_code: Int64Array
    len_code: Int64Array
    pos_width: Int64Array
    record_bytes: Int64Array
    flags: Int64Array


def encode_terms(columns: TermColumns, order: Int64Array, offset: int) -> EncodedTerms:
    """Every term's record, laid out in `order` (term numbers), the first one at `offset`."""
    gaps = _gaps_less_one(columns)
    plan, short = _plan(columns, gaps)
    records = {t: _encode_one(columns, t) for t in np.flatnonzero(~short).tolist()}
    for t, (record, docs_len, flags) in records.items():
        plan.record_bytes[t], plan.docs_bytes[t], plan.flags[t] = len(record), docs_len, flags
    sizes = plan.record_bytes[order]
    at = np.empty(len(order), dtype=np.int64)  # where each term's record starts
    at[order] = np.cumsum(sizes) - sizes
    out = np.zeros(int(sizes.sum()), dtype=np.uint8)
    while records:  # each copied in and dropped: the long records are most of the bytes
        t, (record, _, _) = records.popitem()
        out[at[t] : at[t] + len(record)] = np.frombuffer(record, dtype=np.uint8)
    for terms in _chunks(np.flatnonzero(short), plan.total_tf):
        _write_short(out, at, columns, plan, gaps, terms)
    entry = {
        "doc_freq": plan.doc_freq,
        "total_term_freq": plan.total_tf,
        "offset": at + offset,
        "docs_len": plan.docs_bytes,
        "flags": plan.flags,
        "max_tf": plan.max_tf,
        "min_len": plan.min_len,
    }
    return EncodedTerms(out, {name: col[order].astype(np.uint64) for name, col in entry.items()})


def group_by_term(
    term_of: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]:
    """The order that groups postings by their term number `term_of` (below 2**32), keeping
    their order within a term, and the term numbers in that order (in `term_of`'s dtype): a
    stable argsort, done as one sort of the keys (number, index) packed in u64, in two
    thirds of the time."""
    keys = term_of.astype(np.uint64) << np.uint64(32)
    keys |= np.arange(len(keys), dtype=np.uint64)
    keys.sort()
    order = (keys & np.uint64(0xFFFF_FFFF)).astype(np.intp)
    return order, (keys >> np.uint64(32)).astype(term_of.dtype)


def encode_in_term_order(
    columns: TermColumns, names: list[str], offset: int
) -> tuple[list[str], EncodedTerms]:
    """The records of terms named `names` (term t of `columns` is ``names[t]``) in the
    dictionary's order, sorted by name, the first at `offset`; with the names in that order."""
    order = sorted(range(len(names)), key=names.__getitem__)
    encoded = encode_terms(columns, np.array(order, dtype=np.int64), offset)
    return [names[t] for t in order], encoded


def _gaps_less_one(columns: TermColumns) -> Int64Array:
    """Each posting's gap to the previous one of its term, minus one (0 for a term's first)."""
    docs = columns.docs
    gaps = np.zeros(len(docs), dtype=np.int64)
    np.subtract(docs[1:], docs[:-1], out=gaps[1:], dtype=np.int64)
    gaps[1:] -= 1
    gaps[columns.starts[:-1]] = 0
    return gaps


def _plan(columns: TermColumns, gaps: Int64Array) -> tuple[_Plan, npt.NDArray[np.bool_]]:
    """Every term's layout as `encode_term` would choose it, and which terms are short."""
    first = columns.starts[:-1]
    doc_freq = np.diff(columns.starts)
    tfs = columns.tfs.astype(np.int64, copy=False)
    max_tf = np.maximum.reduceat(tfs, first)
    min_len = np.minimum.reduceat(columns.lengths.astype(np.int64, copy=False), first)
    gap_width = _bit_length(np.maximum.reduceat(gaps, first))
    runs = 1 + np.add.reduceat(gaps > 0, first, dtype=np.int64)
    raw_bytes = 4 * doc_freq
    gap_bytes = np.where(doc_freq > 1, 5 + packed_size(doc_freq - 1, gap_width), raw_bytes)
    use_gaps = gap_bytes < raw_bytes  # raw wins ties
    docs_bytes = np.minimum(raw_bytes, gap_bytes)
    roaring_may_win = (doc_freq > 4) & (_ROARING_MIN_BYTES + 2 * runs < docs_bytes)
    tf_width = _bit_length(max_tf - 1)
    tf_code = np.searchsorted(_WIDTH_LIMITS, max_tf).astype(np.int64)
    len_code = np.searchsorted(_WIDTH_LIMITS, min_len).astype(np.int64)
    total_tf = np.add.reduceat(tfs, first)
    record_bytes = docs_bytes + packed_size(doc_freq, tf_width) + (1 << tf_code) + (1 << len_code)
    pos_width = np.zeros(len(doc_freq), dtype=np.int64)
    if columns.pos_deltas is not None and columns.pos_starts is not None:
        deltas = columns.pos_deltas.astype(np.int64, copy=False)
        pos_width = _bit_length(np.maximum.reduceat(deltas, columns.pos_starts[:-1]))
        record_bytes += packed_size(total_tf, pos_width)
    # In format 3 the bits at _POS_SHIFT hold the block length width code.
    flags = np.where(use_gaps, GAP_DOCS, RAW_DOCS) | PACKED | tf_code | len_code << _POS_SHIFT
    flags |= tf_width << _TF_BITS_SHIFT | pos_width << _POS_BITS_SHIFT
    plan = _Plan(
        doc_freq,
        total_tf,
        max_tf,
        min_len,
        gap_width,
        use_gaps,
        docs_bytes,
        tf_width,
        tf_code,
        len_code,
        pos_width,
        record_bytes,
        flags,
    )
    return plan, (doc_freq <= BLOCK_SIZE) & ~roaring_may_win


def _encode_one(columns: TermColumns, term: int) -> tuple[bytes, int, int]:
    lo, hi = int(columns.starts[term]), int(columns.starts[term + 1])
    positions = None
    if columns.pos_deltas is not None and columns.pos_starts is not None:
        positions = columns.pos_deltas[columns.pos_starts[term] : columns.pos_starts[term + 1]]
    return encode_term(columns.docs[lo:hi], columns.tfs[lo:hi], columns.lengths[lo:hi], positions)


def _chunks(terms: Int64Array, values_per_term: Int64Array) -> Iterator[Int64Array]:
    """`terms` in runs of about `_CHUNK_VALUES` values."""
    ends = np.cumsum(values_per_term[terms])
    cuts = np.searchsorted(
        ends,
        np.arange(_CHUNK_VALUES, int(ends[-1]) if len(ends) else 0, _CHUNK_VALUES),
        side="right",
    )
    yield from (part for part in np.split(terms, cuts) if len(part))


def _write_short(
    out: npt.NDArray[np.uint8],
    at: Int64Array,
    columns: TermColumns,
    plan: _Plan,
    gaps: Int64Array,
    terms: Int64Array,
) -> None:
    """Write the records of `terms` (short ones) into `out`, which is zero there."""
    index, rank, term = _ranges(columns.starts[terms], plan.doc_freq[terms], terms)
    base = at[term]
    raw = ~plan.use_gaps[term]
    _put_bytes(out, base[raw] + 4 * rank[raw], columns.docs[index[raw]])
    heads = terms[plan.use_gaps[terms]]  # gap form: first doc (u32), width byte, gaps
    _put_bytes(out, at[heads], columns.docs[columns.starts[heads]])
    _put_bytes(out, at[heads] + 4, plan.gap_width[heads])
    packed = ~raw & (rank > 0)
    bit_at = 8 * (base[packed] + 5) + (rank[packed] - 1) * plan.gap_width[term[packed]]
    _or_bits(out, bit_at, gaps[index[packed]])
    tf_at = at + plan.docs_bytes
    _or_bits(out, 8 * tf_at[term] + rank * plan.tf_width[term], columns.tfs[index] - 1)
    max_tf_at = tf_at[terms] + packed_size(plan.doc_freq[terms], plan.tf_width[terms])
    _put_bytes(out, max_tf_at, plan.max_tf[terms])
    min_len_at = max_tf_at + (1 << plan.tf_code[terms])
    _put_bytes(out, min_len_at, plan.min_len[terms])
    if columns.pos_deltas is None or columns.pos_starts is None:
        return
    pos_at = min_len_at + (1 << plan.len_code[terms])  # by place in `terms`
    places = np.arange(len(terms))
    index, rank, place = _ranges(columns.pos_starts[terms], plan.total_tf[terms], places)
    bit_at = 8 * pos_at[place] + rank * plan.pos_width[terms[place]]
    _or_bits(out, bit_at, columns.pos_deltas[index])


def _ranges(
    starts: Int64Array, counts: Int64Array, owners: Int64Array
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """`run_indices`, each index's rank in its run, and its run's owner."""
    run = np.repeat(np.arange(len(starts)), counts)
    rank = np.arange(len(run), dtype=np.int64) - (np.cumsum(counts) - counts)[run]
    return starts[run] + rank, rank, owners[run]


def run_indices(starts: Int64Array, counts: Int64Array) -> Int64Array:
    """The indices ``starts[i] .. starts[i] + counts[i] - 1``, run after run."""
    return _ranges(starts, counts, np.arange(len(starts)))[0]


def _put_bytes(out: npt.NDArray[np.uint8], byte_at: Int64Array, values: npt.NDArray[Any]) -> None:
    """Little-endian `values` (below 2**32) at bytes `byte_at`, on bytes nothing else uses."""
    values = values.astype(np.int64, copy=False)
    for k in range(4):
        part = (values >> (8 * k)) & 0xFF
        hit = part.nonzero()[0]
        out[byte_at[hit] + k] = part[hit]


def _or_bits(out: npt.NDArray[np.uint8], bit_at: Int64Array, values: npt.NDArray[Any]) -> None:
    """OR `values` (below 2**32) into `out` at bit offsets `bit_at` (little-endian bit order,
    as `bitpack.pack`); values sharing a byte are OR-ed together."""
    nonzero = values.nonzero()[0]
    bit_at = bit_at[nonzero]
    shifted = values[nonzero].astype(np.int64) << (bit_at & 7)
    byte_at = bit_at >> 3
    for k in range(5):
        part = (shifted >> (8 * k)) & 0xFF
        hit = part.nonzero()[0]
        np.bitwise_or.at(out, byte_at[hit] + k, part[hit].astype(np.uint8))


def _bit_length(values: Int64Array) -> Int64Array:
    """``int.bit_length`` of each value (exact below 2**53: the float exponent)."""
    return np.frexp(values.astype(np.float64))[1].astype(np.int64)


def decode_terms(
    data: Buffer, entries: Mapping[str, npt.NDArray[Any]], with_positions: bool
) -> TermColumns:
    """Every term's postings from `data` (a segment's postings payload), in ordinal order:
    the inverse of `encode_terms`, for merges. `entries` holds the dictionary's columns
    (`FieldTerms.column`); lengths are not stored per posting and come back empty.

    Short records (one block, raw or gap-coded ids, format 3) are read with array
    operations; the others through `TermPostings`, one at a time.
    """
    offset, doc_freq, total_tf, docs_len, flags = (
        np.asarray(entries[name], dtype=np.int64) for name in DECODE_COLUMNS
    )
    starts = np.zeros(len(doc_freq) + 1, dtype=np.int64)
    np.cumsum(doc_freq, out=starts[1:])
    pos_starts = np.zeros(len(doc_freq) + 1, dtype=np.int64)
    np.cumsum(total_tf, out=pos_starts[1:])
    docs = np.zeros(int(starts[-1]), dtype=np.uint32)
    tfs = np.zeros(int(starts[-1]), dtype=np.uint32)
    deltas = np.zeros(int(pos_starts[-1]), dtype=np.uint32) if with_positions else None
    raw, gaps = (flags & RAW_DOCS) != 0, (flags & GAP_DOCS) != 0
    short = ((flags & PACKED) != 0) & (doc_freq <= BLOCK_SIZE) & (raw | gaps)
    reader = _BitReader(data)
    no_lengths = np.zeros(0, dtype=np.uint32)
    out = TermColumns(docs, tfs, no_lengths, starts, deltas, pos_starts if with_positions else None)
    for terms in _chunks(np.flatnonzero(short), total_tf):
        _read_short(reader, out, terms, offset, docs_len, flags)
    for t in np.flatnonzero(~short).tolist():
        entry = TermEntry(
            doc_freq=int(doc_freq[t]),
            total_term_freq=int(total_tf[t]),
            offset=int(offset[t]),
            docs_len=int(docs_len[t]),
            flags=int(flags[t]),
            max_tf=0,  # the block bounds are not needed to decode
            min_len=0,
        )
        postings = TermPostings(memoryview(data), entry)
        lo, hi = starts[t], starts[t + 1]
        docs[lo:hi] = postings.docs
        tfs[lo:hi] = postings.tfs
        if deltas is not None:
            flat, runs = postings.flat_positions()
            deltas[pos_starts[t] : pos_starts[t + 1]] = position_deltas(flat, runs[:-1])
    return out


class _BitReader:
    """Values of up to 32 bits at any bit offset of a buffer (little-endian bit order)."""

    def __init__(self, data: Buffer) -> None:
        raw = np.frombuffer(data, dtype=np.uint8)
        self.padded = np.zeros(len(raw) + 8, dtype=np.uint8)
        self.padded[: len(raw)] = raw
        # An unaligned little-endian u64 starting at every byte (and one past the end, where
        # a 0-bit value may be read).
        self.words = np.ndarray((len(raw) + 1,), dtype="<u8", buffer=self.padded, strides=(1,))

    def bits(self, bit_at: Int64Array, width: Int64Array) -> Int64Array:
        word = self.words[bit_at >> 3] >> (bit_at & 7).astype(np.uint64)
        mask = (np.uint64(1) << width.astype(np.uint64)) - np.uint64(1)
        values: Int64Array = (word & mask).astype(np.int64)
        return values


def _read_short(
    reader: _BitReader,
    out: TermColumns,
    terms: Int64Array,
    offset: Int64Array,
    docs_len: Int64Array,
    flags: Int64Array,
) -> None:
    """Decode the short records of `terms` into `out` (see `decode_terms`)."""
    doc_freq = np.diff(out.starts)
    index, rank, term = _ranges(out.starts[terms], doc_freq[terms], terms)
    at = offset[term]
    gap_coded = (flags[term] & GAP_DOCS) != 0
    raw = ~gap_coded
    out.docs[index[raw]] = reader.bits(8 * (at[raw] + 4 * rank[raw]), np.full(raw.sum(), 32))
    # Gap-coded: the first id (u32), a width byte, then each gap - 1 at that width.
    width = reader.padded[at[gap_coded] + 4].astype(np.int64)
    first = rank[gap_coded] == 0
    bit_at = 8 * (at[gap_coded] + 5) + (rank[gap_coded] - 1) * width
    steps = np.where(first, 0, reader.bits(np.maximum(bit_at, 0), width) + 1)
    steps[first] = reader.bits(8 * at[gap_coded][first], np.full(first.sum(), 32))
    summed = np.cumsum(steps)
    run = np.cumsum(first) - 1  # which gap-coded term each posting belongs to
    out.docs[index[gap_coded]] = summed - (summed - steps)[first][run]
    tf_width = (flags >> _TF_BITS_SHIFT) & _BITS_MASK
    tf_at = 8 * (offset + docs_len)
    out.tfs[index] = reader.bits(tf_at[term] + rank * tf_width[term], tf_width[term]) + 1
    if out.pos_deltas is None or out.pos_starts is None:
        return
    pos_width = (flags >> _POS_BITS_SHIFT) & _BITS_MASK
    pos_at = offset + docs_len + packed_size(doc_freq, tf_width)
    pos_at += (1 << (flags & _TF_MASK)) + (1 << ((flags >> _POS_SHIFT) & _TF_MASK))
    index, rank, term = _ranges(out.pos_starts[terms], np.diff(out.pos_starts)[terms], terms)
    out.pos_deltas[index] = reader.bits(8 * pos_at[term] + rank * pos_width[term], pos_width[term])
