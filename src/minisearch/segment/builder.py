"""Builds one segment in memory and writes its immutable files.

Adding a document only appends to flat arrays (term ordinal, doc number, position), so the
per-token cost is one dict lookup (surface word -> term ordinal); inversion happens once, at
`write`, as a stable numpy sort by term. The builder is a plain object with no reference to an
index, so a worker process can build a segment from a batch of documents on its own (see
`build_segment`), which is what parallel indexing relies on. Deletions among buffered
documents (an id added twice) are written as the segment's first deletes file.
"""

from __future__ import annotations

import array
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyroaring import BitMap

from .. import codec
from ..analysis import Analyzer, AnalyzerConfig
from ..codec import Buffer
from ..packed import pack_strings
from ..postings import TermEntry, U32Array, encode_term, position_deltas
from ..schema import FieldKind, Schema, keyword_values
from ..storage import fsync_dir, write_durable
from ..termdict import FieldTermsBuilder
from .meta import LENGTH_SUMS, Component, FileInfo, SegmentMeta, new_segment_id
from .short_terms import TermColumns, encode_in_term_order, group_by_term


class _SurfaceOrdinals(dict[str, int]):
    """Surface word -> its term's ordinal (-1: the analyzer drops it).

    Looking up a word not seen yet gives -2 and notes the word in `unseen`, so a document's
    words are mapped in one pass at C speed and only the new ones (a few per document, most
    of them in most documents of a large vocabulary) take a Python step.
    """

    __slots__ = ("unseen",)

    def __init__(self) -> None:
        super().__init__()
        self.unseen: list[str] = []

    def __missing__(self, word: str) -> int:
        self.unseen.append(word)
        return -2


class _TextFieldBuffer:
    """One text field's tokens as added: a term ordinal per surface token (-1 where the
    analyzer drops the word) and a token count per document. Doc numbers, positions and
    field lengths follow from those two at write time, with array operations, so adding a
    document costs one `extend` of its ordinals rather than a Python step per token."""

    __slots__ = ("surface_ids", "term_ids", "token_counts", "vocab")

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}  # term -> ordinal, given in insertion order
        self.surface_ids = _SurfaceOrdinals()
        self.term_ids = array.array("i")
        self.token_counts = array.array("I")

    def kept_tokens(
        self, with_positions: bool
    ) -> tuple[U32Array, U32Array, U32Array | None, U32Array]:
        """(term ordinals, doc numbers, positions or None) of the kept tokens in the order
        added, and each document's field length (its kept tokens)."""
        counts = np.frombuffer(self.token_counts, dtype=np.uint32)
        ordinals = np.frombuffer(self.term_ids, dtype=np.int32)
        keep = ordinals >= 0
        doc_of_token = np.repeat(np.arange(len(counts), dtype=np.uint32), counts)
        docs = doc_of_token[keep]
        del doc_of_token
        lengths = np.bincount(docs, minlength=len(counts)).astype(np.uint32)
        positions: U32Array | None = None
        if with_positions:  # a token's place among its document's surface tokens
            first = (np.cumsum(counts, dtype=np.int64) - counts).astype(np.uint32)
            places = np.arange(len(ordinals), dtype=np.uint32)
            places -= np.repeat(first, counts)
            positions = places[keep]
        return ordinals[keep].view(np.uint32), docs, positions, lengths


class SegmentBuilder:
    """Mutable, in-memory segment; `write` turns it into files and a `SegmentMeta`."""

    def __init__(self, schema: Schema, analyzer: Analyzer) -> None:
        self.schema = schema
        self.analyzer = analyzer
        self._text = {f.name: _TextFieldBuffer() for f in schema.text_fields}
        self._positions = {f.name: f.positions for f in schema.text_fields}
        self._keywords: dict[str, dict[str, list[int]]] = {
            f.name: {} for f in schema.of_kind(FieldKind.KEYWORD)
        }
        self._numeric: dict[str, tuple[list[int], list[float | int]]] = {
            f.name: ([], []) for f in schema.of_kind(FieldKind.NUMERIC)
        }
        self._stored: list[bytes] = []
        self._ids: list[str] = []
        self._doc_of_id: dict[str, int] = {}
        self.deleted = BitMap()
        self._bytes = 0

    @property
    def doc_count(self) -> int:
        return len(self._ids)

    @property
    def estimated_bytes(self) -> int:
        """Rough memory held by buffered documents, for flushing at a budget."""
        return self._bytes

    def doc_number(self, doc_id: str) -> int | None:
        return self._doc_of_id.get(doc_id)

    def live_ids(self) -> dict[str, int]:
        """External id -> doc number of the buffered documents not deleted."""
        return dict(self._doc_of_id)

    def delete(self, doc_id: str) -> bool:
        """Mark a buffered document deleted; returns whether one was live."""
        doc = self._doc_of_id.pop(doc_id, None)
        if doc is None:
            return False
        self.deleted.add(doc)
        return True

    def add(self, doc_id: str, doc: Mapping[str, Any]) -> int:
        """Buffer a validated document; a buffered document with the same id is replaced."""
        self.delete(doc_id)
        number = len(self._ids)
        self._ids.append(doc_id)
        self._doc_of_id[doc_id] = number
        stored: dict[str, Any] = {}
        for name, value in doc.items():
            if value is None or name == self.schema.id_field:
                continue
            field = self.schema.get(name)
            if field is None:
                if self.schema.store_unknown:
                    stored[name] = value
                continue
            if field.stored:
                stored[name] = value
            if field.kind is FieldKind.TEXT:
                self._add_text(name, number, value)
            elif field.kind is FieldKind.KEYWORD:
                postings = self._keywords[name]
                for kw in dict.fromkeys(keyword_values(value)):
                    postings.setdefault(kw, []).append(number)
            elif field.kind is FieldKind.NUMERIC:
                docs, values = self._numeric[name]
                docs.append(number)
                values.append(value)
        for buffer in self._text.values():
            if len(buffer.token_counts) < number + 1:
                buffer.token_counts.append(0)
        packed = codec.pack(stored)
        self._stored.append(packed)
        self._bytes += len(packed) + 64
        return number

    def _add_text(self, name: str, number: int, text: str) -> None:
        """Append the document's kept tokens: one dict lookup per surface word.

        `surface_ids` maps each surface word seen in this segment to its term's ordinal (-1
        when the analyzer drops it), so a word is analyzed once per segment and the usual
        word costs a lookup, not an analyzer lookup plus a vocabulary lookup.
        """
        buffer = self._text[name]
        surface = self.analyzer.surface_words(text)
        ids_of = buffer.surface_ids
        tids = list(map(ids_of.__getitem__, surface))
        if ids_of.unseen:
            self._learn_words(buffer)
            tids = list(map(ids_of.__getitem__, surface))
        buffer.term_ids.extend(tids)
        buffer.token_counts.append(len(tids))
        # Counted as 12 bytes per kept token (a dropped one holds 4), as when the doc number
        # and position were held too: `write` makes those arrays from the ordinals.
        self._bytes += 12 * (len(tids) - tids.count(-1))

    def _learn_words(self, buffer: _TextFieldBuffer) -> None:
        """Give the words `buffer` has just met for the first time their term ordinals."""
        ids_of, vocab = buffer.surface_ids, buffer.vocab
        missing = list(dict.fromkeys(ids_of.unseen))
        ids_of.unseen.clear()
        for word, term in zip(missing, self.analyzer.terms_of_words(missing), strict=True):
            tid = -1
            if term:
                tid = vocab.get(term, -1)
                if tid < 0:
                    tid = vocab[term] = len(vocab)
                    self._bytes += len(term) + 80
            ids_of[word] = tid
            self._bytes += len(word) + 80

    def write(self, index_dir: Path, segment_id: str | None = None) -> SegmentMeta:
        """Write the segment's files durably under ``index_dir/seg-<id>/``."""
        seg_id = segment_id or new_segment_id()
        postings_chunks: list[Buffer] = []
        offset = 0
        terms_body: dict[str, Any] = {}
        norms_body: dict[str, Any] = {}
        length_sums: dict[str, int] = {}
        for name, buffer in self._text.items():
            term_ids, docs, positions, lengths = buffer.kept_tokens(self._positions[name])
            code, data = codec.encode_uints(lengths)
            norms_body[name] = [code, data]
            length_sums[name] = int(lengths.sum(dtype=np.int64))
            field_terms, chunks, offset = _invert_text(
                buffer.vocab, term_ids, docs, positions, lengths, offset
            )
            del term_ids, docs, positions
            terms_body[name] = field_terms.to_body()
            postings_chunks.extend(chunks)
        for name, keyword_postings in self._keywords.items():
            field_terms, chunks, offset = _invert_keywords(keyword_postings, offset)
            terms_body[name] = field_terms.to_body()
            postings_chunks.extend(chunks)
        return write_segment(
            index_dir,
            seg_id,
            SegmentBodies(
                terms={"fields": terms_body},
                postings=b"".join(postings_chunks),
                norms=norms_body,
                values=self._values_body(),
                docs=self._docs_body(),
                ids=self._ids,
                length_sums=length_sums,
            ),
            self.deleted,
        )

    def _values_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, (docs, values) in self._numeric.items():
            is_int = all(isinstance(v, int) and -(2**63) <= v < 2**63 for v in values)
            dtype = "<i8" if is_int else "<f8"
            column = np.zeros(self.doc_count, dtype=dtype)
            if docs:
                column[np.asarray(docs)] = np.asarray(values, dtype=dtype)
            present = BitMap(docs)
            body[name] = {"dtype": dtype, "present": present.serialize(), "data": column.tobytes()}
        return body

    def _docs_body(self) -> list[bytes]:
        offsets = np.zeros(len(self._stored) + 1, dtype="<u8")
        np.cumsum([len(s) for s in self._stored], out=offsets[1:])
        return [offsets.tobytes(), b"".join(self._stored)]


@dataclass(frozen=True, slots=True)
class SegmentBodies:
    """The decoded content of every file of a segment (what the builder and merges produce)."""

    terms: dict[str, Any]
    postings: bytes
    norms: dict[str, Any]
    values: dict[str, Any]
    docs: list[bytes]
    ids: list[str]
    # Sum of the field lengths per text field (kept in the manifest: `SegmentMeta.length_sum`).
    length_sums: dict[str, int] = field(default_factory=dict)


def write_segment(
    index_dir: Path, seg_id: str, bodies: SegmentBodies, deleted: BitMap | None = None
) -> SegmentMeta:
    """Encode `bodies` into the files of ``index_dir/seg-<seg_id>/``, durably, and describe them."""
    seg_dir = index_dir / f"seg-{seg_id}"
    seg_dir.mkdir()
    id_bytes = bytes.fromhex(seg_id)
    files = {
        Component.TERMS: codec.encode_file_split(Component.TERMS, bodies.terms, id_bytes),
        Component.POSTINGS: codec.seal(
            codec.header_bytes(Component.POSTINGS, id_bytes) + codec.pack_bins([bodies.postings])
        ),
        Component.NORMS: codec.encode_file_split(Component.NORMS, bodies.norms, id_bytes),
        Component.VALUES: codec.encode_file_split(Component.VALUES, bodies.values, id_bytes),
        Component.DOCS: codec.seal(
            codec.header_bytes(Component.DOCS, id_bytes) + codec.pack_bins(bodies.docs)
        ),
        Component.IDS: codec.encode_file_split(
            Component.IDS, pack_strings(bodies.ids, ends=True), id_bytes
        ),
    }
    infos: dict[str, FileInfo] = {}
    for component, data in files.items():
        write_durable(seg_dir / component.value, data)
        infos[component.value] = FileInfo(len(data), codec.file_crc(data))
    extra = {LENGTH_SUMS: dict(bodies.length_sums)} if bodies.length_sums else {}
    meta = SegmentMeta(id=seg_id, doc_count=len(bodies.ids), files=infos, extra=extra)
    if deleted:
        data = codec.encode_file(Component.DELETES, deleted.serialize(), id_bytes)
        meta = meta.with_deletes(1, len(deleted), FileInfo(len(data), codec.file_crc(data)))
        write_durable(meta.path(index_dir, Component.DELETES), data)
    fsync_dir(seg_dir)
    fsync_dir(index_dir)
    return meta


def _invert_text(
    vocab: Mapping[str, int],
    term_ids: U32Array,
    docs: U32Array,
    positions: U32Array | None,
    lengths: U32Array,
    offset: int,
) -> tuple[FieldTermsBuilder, list[Buffer], int]:
    """Group the kept tokens (term ordinal, doc, position) by term and encode every term's
    postings (`encode_terms`: the short ones all at once, with array operations)."""
    builder = FieldTermsBuilder.empty()
    if not len(term_ids):
        return builder, [], offset
    # Peak memory is the point here (a segment is as large as the budget lets it be): the
    # sorted columns are freed as soon as what follows no longer needs them, and nothing
    # per posting becomes a Python object. Grouped by term, in the order added within a term
    # (doc, then position).
    n = len(term_ids)
    order, tids = group_by_term(term_ids)
    docs = docs[order]
    new_pair = np.empty(n, dtype=bool)
    new_pair[0] = True
    np.not_equal(tids[1:], tids[:-1], out=new_pair[1:])
    new_pair[1:] |= docs[1:] != docs[:-1]
    pair_starts = np.flatnonzero(new_pair)
    del new_pair
    pair_tid = tids[pair_starts]
    pair_doc = docs[pair_starts]
    del tids, docs
    deltas = None
    if positions is not None:
        deltas = position_deltas(positions[order], pair_starts)
        del positions
    del order
    pair_tf = np.diff(np.append(pair_starts, n))
    term_starts = np.append(np.flatnonzero(np.diff(pair_tid, prepend=-1)), len(pair_tid))
    pos_starts = np.append(pair_starts, n)[term_starts] if deltas is not None else None
    term_of = list(vocab)  # ordinals are given in insertion order
    present = pair_tid[term_starts[:-1]]
    if len(present) < len(term_of):  # a term whose every posting is gone
        term_of = [term_of[tid] for tid in present.tolist()]
    del pair_tid, pair_starts, present
    columns = TermColumns(pair_doc, pair_tf, lengths[pair_doc], term_starts, deltas, pos_starts)
    names, encoded = encode_in_term_order(columns, term_of, offset)
    builder.extend(names, encoded.columns)
    return builder, [encoded.data.data], offset + len(encoded.data)


def _invert_keywords(
    postings: Mapping[str, list[int]], offset: int
) -> tuple[FieldTermsBuilder, list[Buffer], int]:
    builder = FieldTermsBuilder.empty()
    chunks: list[Buffer] = []
    for value in sorted(postings):
        docs = np.asarray(postings[value], dtype=np.uint32)
        ones = np.ones(len(docs), dtype=np.uint32)
        record, docs_len, flags = encode_term(docs, ones, ones, None)
        entry = TermEntry(len(docs), len(docs), offset, docs_len, flags, 1, 1)
        builder.append(value, entry)
        chunks.append(record)
        offset += len(record)
    return builder, chunks, offset


def build_segment(
    index_dir: str,
    schema_dict: Mapping[str, Any],
    analyzer_dict: Mapping[str, Any],
    docs: Iterable[tuple[str, Mapping[str, Any]]],
    segment_id: str | None = None,
) -> dict[str, Any]:
    """Build and write one segment from (id, document) pairs; picklable for worker processes.

    Documents are added in order (doc numbers 0, 1, ...; a repeated id replaces the earlier
    copy). `segment_id` (default: a new random one) lets the caller know the segment's name
    before it exists, e.g. to record deletions for it while it is being built. Returns the
    `SegmentMeta` as a dict (plain data, cheap to send back from a worker).
    """
    schema = Schema.from_dict(schema_dict)
    builder = SegmentBuilder(schema, _shared_analyzer(analyzer_dict))
    for doc_id, doc in docs:
        builder.add(doc_id, doc)
    return builder.write(Path(os.fspath(index_dir)), segment_id).to_dict()


_ANALYZERS: dict[str, Analyzer] = {}


def _shared_analyzer(analyzer_dict: Mapping[str, Any]) -> Analyzer:
    """One analyzer per config and process, so that a worker building batch after batch keeps
    its word cache warm (an `Analyzer` is safe to share between threads)."""
    key = repr(sorted(analyzer_dict.items()))
    analyzer = _ANALYZERS.get(key)
    if analyzer is None:
        if len(_ANALYZERS) >= 4:
            _ANALYZERS.clear()
        analyzer = _ANALYZERS[key] = Analyzer(AnalyzerConfig.from_dict(analyzer_dict))
    return analyzer
