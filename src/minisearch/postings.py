"""Postings of one term in one segment: doc ids, term frequencies, positions, block bounds.

Layout of one term's record in format 3 (offsets are kept by the term dictionary, see
termdict.py; docs/FORMAT.md has the byte-level description)::

    docs        serialized roaring bitmap; or, for short lists when smaller, raw u32 ids (flag
                RAW_DOCS) or the first id (u32), a width byte and the gaps minus one
                bit-packed at that width (flag GAP_DOCS)
    tf - 1      df values bit-packed (bitpack.py), as many bits each as bits 8-13 of `flags` say
    block_tf    max tf of each block of BLOCK_SIZE postings, byte width code in bits 0-1
    block_len   min field length of each block, byte width code in bits 2-3
    positions   cf within-document position deltas (first one absolute), bit-packed at the
                width in bits 14-19

Records of formats 1 and 2 (flag PACKED clear) store tf and positions as whole-byte columns
(width codes in bits 0-1 and 2-3) and block_len as u32; they are still read.

The per-block (max tf, min length) pair bounds BM25 from above for any k1, b and collection
statistics (BM25 grows with tf and shrinks with length), so the bounds survive appends, merges
and parameter changes; pruning turns them into scores at query time. Decoding is zero-copy
where the bytes allow it (numpy views over the memory map).
"""

from __future__ import annotations

import array
import struct
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pyroaring import BitMap, FrozenBitMap

from . import bitpack
from .codec import WIDTH_DTYPES, decode_uints, width_code
from .errors import CorruptIndexError

BLOCK_SIZE = 128
RAW_DOCS = 0x10
PACKED = 0x20  # format 3: bit-packed tf - 1 and positions, width-coded block lengths
GAP_DOCS = 0x40  # format 3: doc ids as the first one and bit-packed gaps
# Roaring stays the form of long lists (it serves the set algebra of queries directly); up to
# this many documents, gaps are tried too (roaring spends 16 bits per document of a sparse
# list, the gaps about log2(segment size / df)).
GAP_DOCS_MAX_DF = 1024
SMALL_LIST = 32  # `encode_term` encodes lists up to this long in plain Python (one block)
_TF_MASK = 0x03
_POS_SHIFT = 2  # formats 1-2: position width code; format 3: block length width code
_TF_BITS_SHIFT = 8
_POS_BITS_SHIFT = 14
_BITS_MASK = 0x3F

U32Array = npt.NDArray[np.uint32]
IntArray = TypeVar("IntArray", npt.NDArray[np.uint32], npt.NDArray[np.int64])


@dataclass(frozen=True, slots=True)
class TermEntry:
    """What the term dictionary keeps for one term (everything needed to find and bound it)."""

    doc_freq: int
    total_term_freq: int
    offset: int
    docs_len: int
    flags: int
    max_tf: int
    min_len: int


def encode_term(
    docs: U32Array,
    tfs: npt.NDArray[Any],
    lengths: npt.NDArray[Any],
    pos_deltas: npt.NDArray[Any] | None,
) -> tuple[bytes, int, int]:
    """Encode one term's postings; returns (record bytes, docs_len, flags).

    `docs` are ascending doc numbers, `tfs` their term frequencies, `lengths` the field lengths
    of those documents, `pos_deltas` the concatenated position deltas (or None).
    """
    if len(docs) <= SMALL_LIST:
        return encode_small(
            docs.tolist(),
            tfs.tolist(),
            lengths.tolist(),
            None if pos_deltas is None else pos_deltas.tolist(),
        )
    return _encode_arrays(docs, tfs, lengths, pos_deltas)


def encode_small(
    docs: list[int], tfs: list[int], lengths: list[int], pos_deltas: list[int] | None
) -> tuple[bytes, int, int]:
    """`encode_term` of a short list (one block) in plain Python, byte for byte the same.

    Most terms of a vocabulary occur in a few documents; for them a dozen numpy calls of a
    microsecond or more each would cost more than the work.
    """
    raw = struct.pack(f"<{len(docs)}I", *docs)
    forms = [(raw, RAW_DOCS)]
    if len(docs) > 1:
        gaps = [b - a - 1 for a, b in pairwise(docs)]
        width = bitpack.width_for(max(gaps))
        head = docs[0].to_bytes(4, "little") + bytes([width])
        forms.append((head + bitpack.pack_ints(gaps, width), GAP_DOCS))
    if len(docs) > 4:
        roaring = BitMap(docs)
        roaring.run_optimize()
        forms.append((roaring.serialize(), 0))
    docs_bytes, flags = min(forms, key=lambda form: len(form[0]))
    max_tf, min_len = max(tfs), min(lengths)
    tf_code, len_code = width_code(max_tf), width_code(min_len)
    tf_bits = bitpack.width_for(max_tf - 1)
    flags |= PACKED | tf_code | len_code << _POS_SHIFT | tf_bits << _TF_BITS_SHIFT
    parts = [
        docs_bytes,
        bitpack.pack_ints([tf - 1 for tf in tfs], tf_bits),
        max_tf.to_bytes(1 << tf_code, "little"),
        min_len.to_bytes(1 << len_code, "little"),
    ]
    if pos_deltas is not None:
        pos_bits = bitpack.width_for(max(pos_deltas)) if pos_deltas else 0
        flags |= pos_bits << _POS_BITS_SHIFT
        parts.append(bitpack.pack_ints(pos_deltas, pos_bits))
    return b"".join(parts), len(docs_bytes), flags


def _encode_arrays(
    docs: U32Array,
    tfs: npt.NDArray[Any],
    lengths: npt.NDArray[Any],
    pos_deltas: npt.NDArray[Any] | None,
) -> tuple[bytes, int, int]:
    """`encode_term` with numpy, for lists of any length."""
    docs_bytes, flags = _encode_docs(docs)
    flags |= PACKED
    starts = np.arange(0, len(docs), BLOCK_SIZE)
    block_tf = np.maximum.reduceat(tfs, starts)
    block_len = np.minimum.reduceat(lengths, starts)
    max_tf = int(block_tf.max())
    tf_code = width_code(max_tf)
    len_code = width_code(int(block_len.max()))
    tf_bits = bitpack.width_for(max_tf - 1)
    flags |= tf_code | len_code << _POS_SHIFT | tf_bits << _TF_BITS_SHIFT
    parts = [
        docs_bytes,
        bitpack.pack(tfs - 1, tf_bits),
        block_tf.astype(WIDTH_DTYPES[tf_code], copy=False).tobytes(),
        block_len.astype(WIDTH_DTYPES[len_code], copy=False).tobytes(),
    ]
    if pos_deltas is not None:
        pos_bits = bitpack.width_for(int(pos_deltas.max())) if len(pos_deltas) else 0
        flags |= pos_bits << _POS_BITS_SHIFT
        parts.append(bitpack.pack(pos_deltas, pos_bits))
    return b"".join(parts), len(docs_bytes), flags


def _encode_docs(docs: U32Array) -> tuple[bytes, int]:
    """The smallest of the doc-id forms allowed for this list, and its flag (raw wins ties)."""
    raw = docs.astype("<u4", copy=False).tobytes()
    forms = [(raw, RAW_DOCS)]
    if 1 < len(docs) <= GAP_DOCS_MAX_DF:
        wide = docs.astype(np.int64)
        gaps = wide[1:] - wide[:-1] - 1
        width = bitpack.width_for(int(gaps.max()))
        head = int(docs[0]).to_bytes(4, "little") + bytes([width])
        forms.append((head + bitpack.pack(gaps, width), GAP_DOCS))
    if len(docs) > 4:
        ids = array.array("I")
        ids.frombytes(raw)
        roaring = BitMap(ids)
        roaring.run_optimize()
        forms.append((roaring.serialize(), 0))
    return min(forms, key=lambda form: len(form[0]))


def _decode_gaps(data: memoryview, offset: int, doc_freq: int, docs_len: int) -> U32Array:
    """Doc ids stored as GAP_DOCS: the first id, a width byte, the gaps minus one."""
    width = data[offset + 4]
    if docs_len != 5 + bitpack.packed_size(doc_freq - 1, width) or width > bitpack.MAX_WIDTH:
        raise ValueError(f"{docs_len} bytes of doc gaps for doc freq {doc_freq}")
    docs = np.empty(doc_freq, dtype=np.uint32)
    docs[0] = int.from_bytes(data[offset : offset + 4], "little")
    docs[1:] = bitpack.unpack(data, offset + 5, doc_freq - 1, width)
    docs[1:] += np.uint32(1)
    return np.cumsum(docs, dtype=np.uint32)


class TermPostings:
    """Decoded postings of one term; columns are views over the segment's memory map."""

    __slots__ = (
        "_block_offset",
        "_data",
        "_docs",
        "_entry",
        "_len_code",
        "_path",
        "_pos_offset",
        "_tf_offset",
        "_tfs",
    )

    def __init__(self, data: memoryview, entry: TermEntry, path: Path | None = None) -> None:
        self._data = data
        self._path = path  # named in the error if the doc ids turn out to be corrupt
        self._entry = entry
        self._docs: U32Array | None = None
        self._tfs: npt.NDArray[Any] | None = None
        df, flags = entry.doc_freq, entry.flags
        self._tf_offset = entry.offset + entry.docs_len
        blocks = num_blocks(df)
        packed = flags & PACKED
        tf_width = (flags >> _TF_BITS_SHIFT) & _BITS_MASK
        if packed:
            tf_bytes = bitpack.packed_size(df, tf_width)
            self._len_code = (flags >> _POS_SHIFT) & _TF_MASK
        else:
            tf_bytes = df * WIDTH_DTYPES[flags & _TF_MASK].itemsize
            self._len_code = 2  # u32
        self._block_offset = self._tf_offset + tf_bytes
        block_tf_bytes = blocks * WIDTH_DTYPES[flags & _TF_MASK].itemsize
        block_len_bytes = blocks * WIDTH_DTYPES[self._len_code].itemsize
        self._pos_offset = self._block_offset + block_tf_bytes + block_len_bytes
        if packed:  # decoding is lazy: find a record that cannot be right now
            pos_width = (flags >> _POS_BITS_SHIFT) & _BITS_MASK
            end = self._pos_offset + bitpack.packed_size(entry.total_term_freq, pos_width)
            if max(tf_width, pos_width) > bitpack.MAX_WIDTH or end > len(data):
                raise ValueError(f"postings record of {df} documents does not fit the payload")

    @property
    def tfs(self) -> npt.NDArray[Any]:
        """Term frequency of each document, in doc order.

        Bit-packed ones are unpacked on every access and not kept: the searcher keeps what it
        computes from them (`UnitMemo`), and this object lives in a reader's cache of
        thousands, where kept copies would add up to hundreds of megabytes.
        """
        if self._tfs is not None:
            return self._tfs
        entry = self._entry
        if entry.flags & PACKED:
            width = (entry.flags >> _TF_BITS_SHIFT) & _BITS_MASK
            less_one = bitpack.unpack(self._data, self._tf_offset, entry.doc_freq, width)
            return np.add(less_one, 1, dtype=np.uint32)  # type: ignore[no-any-return]
        # Formats 1-2: a view into the memory map, free to keep.
        code = entry.flags & _TF_MASK
        self._tfs = decode_uints(self._data, code, entry.doc_freq, self._tf_offset)
        return self._tfs

    def tfs_at(self, at: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """``tfs[at]`` without decoding the others (what probing a few candidates needs)."""
        entry = self._entry
        if not entry.flags & PACKED:
            picked: npt.NDArray[Any] = self.tfs[at]
            return picked
        width = (entry.flags >> _TF_BITS_SHIFT) & _BITS_MASK
        less_one = bitpack.gather(self._data, self._tf_offset, entry.doc_freq, width, at)
        return np.add(less_one, 1, dtype=np.uint32)  # type: ignore[no-any-return]

    @property
    def entry(self) -> TermEntry:
        return self._entry

    @property
    def decoded_nbytes(self) -> int:
        """Bytes this object comes to hold once its doc ids are decoded (see `docs`)."""
        return 4 * self._entry.doc_freq if self._entry.flags & GAP_DOCS else 0

    @property
    def docs(self) -> U32Array:
        """Doc numbers, ascending.

        Raw ones are a view into the map. Gap-coded ones (short lists) are decoded on first use
        and kept. Roaring-coded ones (long lists) are decoded on every access and not kept:
        copying a roaring bitmap out costs microseconds, while the lists kept by a reader's cache
        of frequent terms came to a fifth of a big index's memory. A caller that needs them
        twice binds them once; what a searcher computes from them is kept in its `UnitMemo`.
        """
        if self._docs is not None:
            return self._docs
        entry, at = self._entry, self._entry.offset
        if entry.flags & RAW_DOCS:
            docs = np.frombuffer(self._data, dtype="<u4", count=entry.doc_freq, offset=at)
        elif entry.flags & GAP_DOCS:
            try:
                docs = _decode_gaps(self._data, at, entry.doc_freq, entry.docs_len)
            except ValueError as exc:
                if self._path is None:
                    raise
                raise CorruptIndexError(self._path, f"bad doc ids ({exc})") from None
        else:
            data = self._data[at : at + entry.docs_len]
            try:
                bitmap = FrozenBitMap.deserialize(data)  # type: ignore[arg-type]
            except (ValueError, TypeError) as exc:
                if self._path is None:
                    raise
                raise CorruptIndexError(self._path, f"bad doc ids ({exc})") from None
            docs = np.frombuffer(bitmap.to_array(), dtype=np.uint32)
        if len(docs) != entry.doc_freq:
            message = f"{len(docs)} doc ids for doc freq {entry.doc_freq}"
            if self._path is None:
                raise ValueError(message)
            raise CorruptIndexError(self._path, message)
        if entry.flags & (RAW_DOCS | GAP_DOCS):
            self._docs = docs
        return docs

    def bitmap(self) -> FrozenBitMap:
        """The doc ids as a roaring bitmap (for boolean algebra)."""
        if self._entry.flags & (RAW_DOCS | GAP_DOCS):
            ids = array.array("I")
            ids.frombytes(self.docs.tobytes())
            return FrozenBitMap(ids)
        at = self._entry.offset
        return FrozenBitMap.deserialize(self._data[at : at + self._entry.docs_len])  # type: ignore[arg-type]

    def block_bounds(self) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """Per block of BLOCK_SIZE postings: (max tf, min field length)."""
        blocks = num_blocks(self._entry.doc_freq)
        tf_code = self._entry.flags & _TF_MASK
        block_tf = decode_uints(self._data, tf_code, blocks, self._block_offset)
        at = self._block_offset + blocks * WIDTH_DTYPES[tf_code].itemsize
        return block_tf, decode_uints(self._data, self._len_code, blocks, at)

    def positions(self) -> list[npt.NDArray[np.int64]]:
        """Absolute positions of the term in each of its documents (aligned with `docs`)."""
        flat, starts = self.flat_positions()
        return np.split(flat, starts[1:-1]) if len(starts) > 2 else [flat]

    def flat_positions(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """All positions concatenated, and the start offset of each document's run (len df+1)."""
        entry = self._entry
        if entry.flags & PACKED:
            width = (entry.flags >> _POS_BITS_SHIFT) & _BITS_MASK
            deltas = bitpack.unpack(self._data, self._pos_offset, entry.total_term_freq, width)
        else:
            code = (entry.flags >> _POS_SHIFT) & _TF_MASK
            deltas = decode_uints(self._data, code, entry.total_term_freq, self._pos_offset)
        summed = np.cumsum(deltas, dtype=np.int64)
        tfs = self.tfs.astype(np.int64)
        starts = np.zeros(len(tfs) + 1, dtype=np.int64)
        np.cumsum(tfs, out=starts[1:])
        base = np.zeros(len(tfs), dtype=np.int64)
        base[1:] = summed[starts[1:-1] - 1]
        return summed - np.repeat(base, tfs), starts


def num_blocks(doc_freq: int) -> int:
    return (doc_freq + BLOCK_SIZE - 1) // BLOCK_SIZE


def position_deltas(positions: IntArray, run_starts: npt.NDArray[np.intp]) -> IntArray:
    """Delta-encode positions within each document run; each run's first value stays absolute.

    In the dtype of `positions`, with no temporary copy: an unsigned difference wraps only
    across a run boundary, and those are overwritten with the absolute first positions
    (positions rise strictly within a run).
    """
    deltas = np.empty_like(positions)
    deltas[:1] = positions[:1]
    np.subtract(positions[1:], positions[:-1], out=deltas[1:])
    deltas[run_starts] = positions[run_starts]
    return deltas
