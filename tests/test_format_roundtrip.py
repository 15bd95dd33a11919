"""Round trips through the on-disk format: what is written is exactly what is read back.

Random documents are indexed for real, then every segment is read back through
`SegmentReader` and compared with a model computed here from the analyzer's output alone:
the term dictionary, postings (docs, tfs, positions, block bounds, statistics), field
lengths, stored fields, ids and numeric values. The codec's pieces (width-coded integer
columns, bin arrays, the file envelope) and `postings.encode_term` are checked on their own
with random inputs.
"""

from __future__ import annotations

import tempfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
import pytest
from conftest import open_writer
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import FAST, FAST_TMP, ROUNDTRIP_SCHEMA, corpora, postings_lists

from minisearch import AnalyzerConfig, CorruptIndexError, Index, Schema, bitpack, codec
from minisearch.analysis import Analyzer
from minisearch.commit import read_latest
from minisearch.errors import IndexFormatTooNewError, IndexFormatTooOldError
from minisearch.postings import (
    BLOCK_SIZE,
    GAP_DOCS,
    GAP_DOCS_MAX_DF,
    RAW_DOCS,
    SMALL_LIST,
    TermEntry,
    TermPostings,
    _encode_arrays,
    encode_small,
    encode_term,
    position_deltas,
)
from minisearch.schema import FieldKind, keyword_values
from minisearch.segment.reader import SegmentReader

# --- the model ------------------------------------------------------------------------------


@dataclass
class SegmentModel:
    """What one segment must hold, derived from its documents and the analyzer only."""

    ids: list[str] = field(default_factory=list)
    # field -> term -> doc -> positions
    text: dict[str, dict[str, dict[int, list[int]]]] = field(default_factory=dict)
    lengths: dict[str, list[int]] = field(default_factory=dict)
    keywords: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    numeric: dict[str, dict[int, float | int]] = field(default_factory=dict)
    stored: list[dict[str, Any]] = field(default_factory=list)


def model_of(docs: list[dict[str, Any]], schema: Schema, analyzer: Analyzer) -> SegmentModel:
    m = SegmentModel()
    for f in schema.fields:
        if f.kind is FieldKind.TEXT:
            m.text[f.name] = defaultdict(dict)
            m.lengths[f.name] = []
        elif f.kind is FieldKind.KEYWORD:
            m.keywords[f.name] = defaultdict(list)
        elif f.kind is FieldKind.NUMERIC:
            m.numeric[f.name] = {}
    for n, doc in enumerate(docs):
        m.ids.append(str(doc[schema.id_field]))
        stored = {}
        for name, value in doc.items():
            if name == schema.id_field or value is None:
                continue
            f = schema.get(name)
            if f is None or f.stored:
                stored[name] = value
        m.stored.append(stored)
        for f in schema.fields:
            value = doc.get(f.name)
            if f.kind is FieldKind.TEXT:
                terms, positions = (
                    analyzer.terms_and_positions(value) if value is not None else ([], [])
                )
                m.lengths[f.name].append(len(terms))
                for term, pos in zip(terms, positions, strict=True):
                    m.text[f.name][term].setdefault(n, []).append(pos)
            elif value is None:
                continue
            elif f.kind is FieldKind.KEYWORD:
                for kw in dict.fromkeys(keyword_values(value)):
                    m.keywords[f.name][kw].append(n)
            elif f.kind is FieldKind.NUMERIC:
                m.numeric[f.name][n] = value
    return m


def assert_segment_matches(reader: SegmentReader, m: SegmentModel, schema: Schema) -> None:
    assert reader.doc_count == len(m.ids)
    assert [reader.external_id(d) for d in range(reader.doc_count)] == m.ids
    for d, expected in enumerate(m.stored):
        assert reader.stored_fields(d) == expected, f"stored fields of doc {d} ({m.ids[d]!r})"

    for name, by_term in m.text.items():
        lengths = reader.field_lengths(name)
        assert lengths.tolist() == m.lengths[name], f"{name}: field lengths"
        terms = reader.terms(name)
        got_terms = list(terms.terms) if terms is not None else []
        assert got_terms == sorted(by_term), f"{name}: term dictionary"
        positions_on = schema[name].positions
        for term, per_doc in by_term.items():
            postings = reader.term_postings(name, term)
            assert postings is not None, f"{name}:{term!r} missing"
            docs = sorted(per_doc)
            tfs = [len(per_doc[d]) for d in docs]
            assert postings.docs.tolist() == docs, f"{name}:{term!r} docs"
            assert postings.tfs.tolist() == tfs, f"{name}:{term!r} tfs"
            entry = postings.entry
            assert entry.doc_freq == len(docs)
            assert entry.total_term_freq == sum(tfs)
            assert entry.max_tf == max(tfs)
            assert entry.min_len == min(m.lengths[name][d] for d in docs)
            assert list(postings.bitmap()) == docs
            block_tf, block_len = postings.block_bounds()
            for b, start in enumerate(range(0, len(docs), BLOCK_SIZE)):
                chunk = docs[start : start + BLOCK_SIZE]
                assert block_tf[b] == max(tfs[start : start + BLOCK_SIZE])
                assert block_len[b] == min(m.lengths[name][d] for d in chunk)
            if positions_on:
                got = [p.tolist() for p in postings.positions()]
                assert got == [per_doc[d] for d in docs], f"{name}:{term!r} positions"
        # A term the model does not have is absent.
        assert reader.term_postings(name, "\uffff-not-a-term") is None

    for name, by_value in m.keywords.items():
        terms = reader.terms(name)
        got_terms = list(terms.terms) if terms is not None else []
        assert got_terms == sorted(by_value), f"{name}: keyword dictionary"
        for value, docs in by_value.items():
            postings = reader.term_postings(name, value)
            assert postings is not None
            assert postings.docs.tolist() == docs, f"{name}={value!r}"
            assert postings.tfs.tolist() == [1] * len(docs)

    for name, values in m.numeric.items():
        data, present = reader.numeric_values(name)
        assert sorted(present) == sorted(values), f"{name}: present"
        assert len(data) == reader.doc_count
        for d, value in values.items():
            assert data[d] == value, f"{name} of doc {d}"
        if values and all(isinstance(v, int) for v in values.values()):
            assert data.dtype.kind == "i", f"{name}: ints stored as {data.dtype}"


def check_index(index_dir: Path, docs: list[dict[str, Any]], schema: Schema) -> int:
    """Compare every segment with the model; returns the number of segments."""
    commit = read_latest(index_dir)
    analyzer = Analyzer(AnalyzerConfig.from_dict(commit.analyzer))
    by_id = {str(d["id"]): d for d in docs}
    seen: list[str] = []
    for meta in commit.segments:
        reader = SegmentReader(index_dir, meta, commit.schema)
        try:
            reader.verify()
            assert len(reader.deleted) == 0
            seg_ids = [reader.external_id(d) for d in range(reader.doc_count)]
            seen += seg_ids
            model = model_of([by_id[i] for i in seg_ids], commit.schema, analyzer)
            assert_segment_matches(reader, model, commit.schema)
        finally:
            reader.close()
    # Every document exactly once, segments in insertion order.
    assert seen == [str(d["id"]) for d in docs]
    return len(commit.segments)


# --- whole-index round trips ---------------------------------------------------------------


@FAST_TMP
@given(docs=corpora(), budget=st.sampled_from([256.0, 0.002]))
def test_index_roundtrip(tmp_path: Path, docs: list[dict[str, Any]], budget: float) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        path = Path(tmp) / "idx"
        Index.create(path, schema=ROUNDTRIP_SCHEMA)
        with open_writer(path, memory_budget_mb=budget) as w:
            for doc in docs:
                w.add(doc)
        segments = check_index(path, docs, ROUNDTRIP_SCHEMA)
        if budget == 256.0:
            assert segments == 1


@FAST_TMP
@given(docs=corpora(min_size=2, max_size=12))
def test_roundtrip_without_stemming_or_stopwords(
    tmp_path: Path, docs: list[dict[str, Any]]
) -> None:
    """Another analyzer configuration is stored with the index and used for its terms."""
    config = AnalyzerConfig(stopwords=None, stemmer=None, fold_accents=False)
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        path = Path(tmp) / "idx"
        Index.create(path, schema=ROUNDTRIP_SCHEMA, analyzer=config)
        with open_writer(path) as w:
            for doc in docs:
                w.add(doc)
        assert Index.open(path).analyzer_config == config
        check_index(path, docs, ROUNDTRIP_SCHEMA)


def test_roundtrip_known_example(tmp_path: Path) -> None:
    """A hand-written case with its expected postings spelled out (no model involved)."""
    from minisearch import TextField

    schema = Schema([TextField("body")])
    path = tmp_path / "idx"
    Index.create(path, schema=schema)
    with open_writer(path) as w:
        w.add({"id": "a", "body": "Running runs; the runner ran"})
        w.add({"id": "b", "body": "run, RUN - run"})
    commit = read_latest(path)
    reader = SegmentReader(path, commit.segments[0], commit.schema)
    try:
        # "the" is a stop word but keeps its position (2); Snowball: running/runs/run -> run.
        p = reader.term_postings("body", "run")
        assert p is not None
        assert p.docs.tolist() == [0, 1]
        assert p.tfs.tolist() == [2, 3]
        assert [x.tolist() for x in p.positions()] == [[0, 1], [0, 1, 2]]
        assert reader.field_lengths("body").tolist() == [4, 3]
        assert list(reader.terms("body").terms) == ["ran", "run", "runner"]
    finally:
        reader.close()


# --- codec pieces -------------------------------------------------------------------------

LIMITS = [0xFF, 0xFFFF, 0xFFFF_FFFF, 2**64 - 1]


@FAST
@given(
    st.lists(st.integers(0, 2**64 - 1), max_size=50) | st.lists(st.integers(0, 300), max_size=50)
)
@example([])
@example([0])
@example([255])
@example([256])
@example([65535, 65536])
@example([2**32 - 1])
@example([2**32])
@example([2**64 - 1])
def test_encode_decode_uints(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint64)
    code, data = codec.encode_uints(array)
    expected_code = next(c for c, limit in enumerate(LIMITS) if max(values, default=0) <= limit)
    assert code == expected_code
    assert len(data) == len(values) * (1 << code)
    assert codec.decode_uints(data, code).tolist() == values
    # With an offset and a count, as columns are read out of a larger buffer.
    prefix = b"\x07" * 3
    assert codec.decode_uints(prefix + data + b"\x00", code, len(values), 3).tolist() == values


@FAST
@given(st.lists(st.binary(max_size=300), max_size=15))
@example([])
@example([b""])
@example([b"\x00" * 70_000])
def test_pack_bins_roundtrip(parts: list[bytes]) -> None:
    packed = codec.pack_bins(parts)
    # Valid msgpack (an array of bin values) as well as addressable without copying.
    assert msgpack.unpackb(packed) == parts
    views = codec.bins_view(memoryview(packed), len(parts), Path("x"))
    assert [bytes(v) for v in views] == parts


def test_pack_bins_limits_and_errors() -> None:
    with pytest.raises(ValueError, match="15"):
        codec.pack_bins([b""] * 16)
    packed = codec.pack_bins([b"abc", b"defg"])
    path = Path("seg-x/postings")
    for bad, count in [
        (packed, 3),  # wrong count
        (packed[:-1], 2),  # runs past the end
        (packed[:7], 2),  # truncated second header
        (packed + b"\x00", 2),  # trailing bytes
        (b"", 2),
    ]:
        with pytest.raises(CorruptIndexError) as info:
            codec.bins_view(memoryview(bad), count, path)
        assert info.value.path == path


SEG = bytes(range(16))


@FAST
@given(
    body=st.recursive(
        st.none()
        | st.integers(-(2**63), 2**64 - 1)
        | st.text(max_size=10)
        | st.binary(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=10,
    ),
    component=st.sampled_from(["manifest", "terms", "postings", "deletes"]),
)
def test_encode_file_roundtrip(body: Any, component: str) -> None:
    data = codec.encode_file(component, body, SEG)
    assert data[:8] == b"MINISRCH"
    assert int.from_bytes(data[8:10], "little") == codec.FORMAT_VERSION
    assert data[-8:-4] == b"MSFT"
    assert codec.file_crc(data) == zlib.crc32(data[:-4])
    view = codec.check_file(data, Path("f"), component, SEG)
    assert codec.unpack(view, Path("f")) == body
    assert len(data) == codec.header_size(component) + len(view) + codec.FOOTER_SIZE


def _with_version(data: bytes, version: int) -> bytes:
    raw = bytearray(data[: -codec.FOOTER_SIZE])
    raw[8:10] = version.to_bytes(2, "little")
    return codec.seal(bytes(raw))


def test_check_file_errors() -> None:
    path = Path("idx/seg-1/terms")
    good = codec.encode_file("terms", {"a": 1}, SEG)

    def corrupt(data: bytes, match: str, component: str = "terms", seg: bytes = SEG) -> None:
        with pytest.raises(CorruptIndexError, match=match) as info:
            codec.check_file(data, path, component, seg)
        assert info.value.path == path
        assert str(path) in str(info.value)

    corrupt(b"", "bad magic")
    corrupt(b"PK\x03\x04" + good[4:], "bad magic")
    corrupt(good[:9], "truncated header")
    corrupt(good[:20], "truncated")
    corrupt(good, "expected 'norms'", component="norms")
    corrupt(good, "another segment", seg=bytes(16))
    corrupt(good[:-1], "footer")
    flipped = bytearray(good)
    flipped[len(good) - codec.FOOTER_SIZE - 1] ^= 0x10  # last byte of the body
    corrupt(bytes(flipped), "checksum")
    flipped = bytearray(good)
    flipped[-1] ^= 0x01
    corrupt(bytes(flipped), "checksum")

    with pytest.raises(IndexFormatTooNewError, match="too new") as new:
        codec.check_file(_with_version(good, codec.FORMAT_VERSION + 1), path, "terms", SEG)
    assert new.value.path == path and new.value.version == codec.FORMAT_VERSION + 1
    with pytest.raises(IndexFormatTooOldError, match="too old") as old:
        codec.check_file(_with_version(good, 0), path, "terms", SEG)
    assert old.value.version == 0
    # The checksum is optional (large files are verified later), structure is not.
    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0xFF
    assert bytes(
        codec.check_file(bytes(bad_crc), path, "terms", SEG, verify_checksum=False)
    ) == bytes(codec.check_file(good, path, "terms", SEG))


def test_unpack_rejects_garbage_and_limits() -> None:
    path = Path("idx/manifest-1")
    for garbage in [b"\xc1", b"\x92\x01", b"\xdd\xff\xff\xff\xff", b"\xc7\x01\x05x"]:
        with pytest.raises(CorruptIndexError) as info:
            codec.unpack(garbage, path)
        assert info.value.path == path


# --- postings records ---------------------------------------------------------------------


def _decode(
    record: bytes,
    docs: np.ndarray,
    tfs: np.ndarray,
    lengths: np.ndarray,
    docs_len: int,
    flags: int,
    prefix: int,
) -> TermPostings:
    entry = TermEntry(
        doc_freq=len(docs),
        total_term_freq=int(tfs.sum()),
        offset=prefix,
        docs_len=docs_len,
        flags=flags,
        max_tf=int(tfs.max()),
        min_len=int(lengths.min()),
    )
    # The record sits inside a larger payload, after other terms' bytes and before more.
    payload = memoryview(b"\xab" * prefix + record + b"\xcd" * 5)
    return TermPostings(payload, entry)


def _check_postings(docs, tfs, lengths, positions, prefix: int) -> None:  # type: ignore[no-untyped-def]
    if positions is not None:
        flat = np.concatenate(positions).astype(np.int64)
        starts = np.zeros(len(positions), dtype=np.int64)
        np.cumsum([len(p) for p in positions[:-1]], out=starts[1:])
        deltas = position_deltas(flat, starts)
        assert (deltas >= 0).all()
    else:
        deltas = None
    record, docs_len, flags = encode_term(docs, tfs, lengths, deltas)
    if len(docs) == 1:
        assert flags & RAW_DOCS and docs_len == 4
    # The doc ids take the smallest of the forms (raw, gaps for short lists, roaring).
    raw_len = 4 * len(docs)
    assert docs_len <= raw_len
    if flags & RAW_DOCS:
        assert docs_len == raw_len
    elif flags & GAP_DOCS:
        assert 1 < len(docs) <= GAP_DOCS_MAX_DF
    else:
        assert len(docs) > 4
    p = _decode(record, docs, tfs, lengths, docs_len, flags, prefix)
    first = p.docs
    assert first.tolist() == docs.tolist()
    # Raw and gap-coded ids are kept (and counted by a reader's cache); roaring-coded ones are
    # copied out on each access and never held.
    kept = bool(flags & (RAW_DOCS | GAP_DOCS))
    assert (p.docs is first) == kept
    assert p.docs.tolist() == docs.tolist()
    assert p.decoded_nbytes == (4 * len(docs) if flags & GAP_DOCS else 0)
    assert p.tfs.tolist() == tfs.tolist()
    assert list(p.bitmap()) == docs.tolist()
    block_tf, block_len = p.block_bounds()
    starts = range(0, len(docs), BLOCK_SIZE)
    assert block_tf.tolist() == [int(tfs[s : s + BLOCK_SIZE].max()) for s in starts]
    assert block_len.tolist() == [int(lengths[s : s + BLOCK_SIZE].min()) for s in starts]
    if positions is not None:
        assert [x.tolist() for x in p.positions()] == [x.tolist() for x in positions]
        flat_got, run_starts = p.flat_positions()
        assert flat_got.tolist() == np.concatenate(positions).tolist()
        assert run_starts.tolist() == [0, *np.cumsum(tfs).tolist()]


@FAST
@given(postings_lists(with_positions=True), st.integers(0, 9))
@example((np.array([7], dtype=np.uint32), np.array([1]), np.array([1]), [np.array([0])]), 0)
@example(
    (
        np.array([0, 1], dtype=np.uint32),
        np.array([1, 2]),
        np.array([5, 5]),
        # The largest positions there are: the builder counts them in u32.
        [np.array([2**32 - 1]), np.array([0, 2**32 - 1])],
    ),
    3,
)
def test_encode_term_roundtrip_with_positions(postings, prefix: int) -> None:  # type: ignore[no-untyped-def]
    docs, tfs, lengths, positions = postings
    _check_postings(docs, tfs, lengths, positions, prefix)


@FAST
@given(postings_lists(with_positions=False), st.integers(0, 9))
@example((np.arange(129, dtype=np.uint32), np.full(129, 70_000), np.full(129, 70_001), None), 1)
def test_encode_term_roundtrip_without_positions(postings, prefix: int) -> None:  # type: ignore[no-untyped-def]
    docs, tfs, lengths, _ = postings
    _check_postings(docs, tfs, lengths, None, prefix)


@FAST
@given(postings_lists(with_positions=True), st.booleans())
def test_short_lists_encode_the_same_in_python_and_numpy(postings, positions: bool) -> None:  # type: ignore[no-untyped-def]
    """`encode_term` takes a plain-Python path for short lists; it must write the same bytes."""
    docs, tfs, lengths, runs = postings
    docs, tfs, lengths = docs[:SMALL_LIST], tfs[:SMALL_LIST], lengths[:SMALL_LIST]
    deltas = None
    if positions:
        flat = np.concatenate(runs[: len(docs)]).astype(np.int64)
        starts = np.zeros(len(docs), dtype=np.int64)
        np.cumsum([len(p) for p in runs[: len(docs) - 1]], out=starts[1:])
        deltas = position_deltas(flat, starts)
    small = encode_small(
        docs.tolist(),
        tfs.tolist(),
        lengths.tolist(),
        None if deltas is None else deltas.tolist(),
    )
    assert small == _encode_arrays(docs, tfs, lengths, deltas)


@FAST
@given(
    st.integers(0, bitpack.MAX_WIDTH).flatmap(
        lambda width: st.tuples(
            st.just(width), st.lists(st.integers(0, 2**width - 1), max_size=300)
        )
    ),
    st.binary(max_size=9),
    st.binary(max_size=9),
    st.data(),
)
def test_bitpack_round_trip_and_gather(
    column: tuple[int, list[int]], before: bytes, after: bytes, data: st.DataObject
) -> None:
    """Any width, any count, between other bytes (or none): unpack and gather give the values."""
    width, values = column
    packed = bitpack.pack(np.array(values, dtype=np.uint64), width)
    assert len(packed) == bitpack.packed_size(len(values), width)
    if values:
        assert bitpack.width_for(max(values)) <= width
    buffer = memoryview(before + packed + after)
    got = bitpack.unpack(buffer, len(before), len(values), width)
    assert got.tolist() == values
    if values:
        at = data.draw(st.lists(st.integers(0, len(values) - 1), max_size=20))
        picked = bitpack.gather(buffer, len(before), len(values), width, np.array(at, np.int64))
        assert picked.tolist() == [values[i] for i in at]


@pytest.mark.parametrize("count", [1023, 1024, 1025, 5000])
def test_bitpack_long_columns_unpack_in_groups(count: int) -> None:
    """Long columns take the grouped unpacking path: every width, lengths around its bound."""
    rng = np.random.default_rng(count)
    for width in range(bitpack.MAX_WIDTH + 1):
        values = rng.integers(0, 2**width, count, dtype=np.uint64)
        buffer = b"\x01\x02" + bitpack.pack(values, width)
        assert bitpack.unpack(buffer, 2, count, width).tolist() == values.tolist(), width


def test_bitpack_layout_is_little_endian_bit_order() -> None:
    """Values fill each byte from its lowest bit (docs/FORMAT.md), whole bytes are plain LE."""
    assert bitpack.pack(np.array([1, 0, 3, 2]), 2) == bytes([0b10110001])
    assert bitpack.pack(np.array([5, 6, 7]), 3) == bytes([0b11_110_101, 0b1])  # 7 spans two
    assert bitpack.pack(np.array([0x1234]), 16) == b"\x34\x12"
    assert bitpack.pack(np.array([7, 7, 7]), 0) == b""
    with pytest.raises(ValueError, match="32 bits"):
        bitpack.width_for(2**32)


def test_split_bodies_round_trip_as_views_and_reject_bad_references(tmp_path: Path) -> None:
    """A split body reads back the same tree, with its bins as views into the file bytes."""
    tree = {"a": [1, b"xyz", {"b": b""}], "c": b"\x00" * 5, "d": "text", "e": None}
    data = codec.encode_file_split("terms", tree, bytes(16))
    path = tmp_path / "terms"
    body = codec.check_file(data, path, "terms", bytes(16))
    assert codec.is_split(body)
    back = codec.decode_split(body, path)
    assert isinstance(back["c"], memoryview)
    assert back["a"][0] == 1 and bytes(back["a"][1]) == b"xyz" and bytes(back["a"][2]["b"]) == b""
    assert bytes(back["c"]) == b"\x00" * 5 and back["d"] == "text" and back["e"] is None
    bad = codec.pack_bins([msgpack.packb({"x": {"$bin": [3, 10]}}), b"abcd"])
    with pytest.raises(CorruptIndexError, match="past the end"):
        codec.decode_split(memoryview(bad), path)
    bad = codec.pack_bins([msgpack.packb({"x": {"$bin": "nope"}}), b""])
    with pytest.raises(CorruptIndexError, match="malformed"):
        codec.decode_split(memoryview(bad), path)
