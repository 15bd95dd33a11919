"""`encode_terms` lays out all of a field's records at once; each must be `encode_term`'s."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from minisearch.postings import BLOCK_SIZE, GAP_DOCS, PACKED, RAW_DOCS, TermEntry, encode_term
from minisearch.segment.short_terms import TermColumns, decode_terms, encode_terms
from minisearch.termdict import FieldTermsBuilder

# Values at the edges of the byte widths (width codes, bit widths).
EDGES = [1, 2, 255, 256, 257, 65535, 65536, 2**24, 2**32 - 1]


@st.composite
def doc_lists(draw: st.DrawFn) -> list[int]:
    """Sorted distinct doc numbers: sparse, in runs (where roaring can win), or long."""
    shape = draw(st.sampled_from(["sparse", "runs", "long", "edge"]))
    if shape == "sparse":
        top = draw(st.sampled_from([8, 300, 70_000, 2**20, 2**32 - 1]))
        return sorted(draw(st.sets(st.integers(0, top), min_size=1, max_size=40)))
    if shape == "runs":
        docs: set[int] = set()
        for _ in range(draw(st.integers(1, 4))):
            start = draw(st.integers(0, 2**22))
            docs.update(range(start, start + draw(st.integers(1, 90))))
        return sorted(docs)
    if shape == "long":
        count = draw(st.integers(BLOCK_SIZE - 2, BLOCK_SIZE + 40))
        step = draw(st.integers(1, 3000))
        return [i * step for i in range(count)]
    return sorted(draw(st.sets(st.sampled_from([0, *EDGES]), min_size=1)))


@st.composite
def fields(draw: st.DrawFn) -> tuple[list[dict[str, Any]], bool]:
    with_positions = draw(st.booleans())
    terms = []
    for docs in draw(st.lists(doc_lists(), min_size=1, max_size=12)):
        tfs = draw(
            st.lists(
                st.sampled_from([1, 1, 1, 2, 3, 255, 256, 300]),
                min_size=len(docs),
                max_size=len(docs),
            )
        )
        lengths = [
            draw(st.sampled_from([tf, tf + 1, tf + 255, 65536 + tf, 2**32 - 1])) for tf in tfs
        ]
        deltas: list[int] = []
        if with_positions:
            for tf in tfs:
                first = draw(st.sampled_from([0, 1, 7, 255, 256, 2**28 + 1, 2**30 + 5, 2**31]))
                rest = draw(
                    st.lists(
                        st.sampled_from([1, 2, 3, 128, 255, 256, 65536]),
                        min_size=tf - 1,
                        max_size=tf - 1,
                    )
                )
                deltas.extend([first, *rest])
        terms.append({"docs": docs, "tfs": tfs, "lengths": lengths, "deltas": deltas})
    return terms, with_positions


def columns_of(terms: list[dict[str, Any]], with_positions: bool) -> TermColumns:
    starts = np.cumsum([0] + [len(t["docs"]) for t in terms], dtype=np.int64)
    pos_starts = np.cumsum([0] + [sum(t["tfs"]) for t in terms], dtype=np.int64)
    return TermColumns(
        np.array([d for t in terms for d in t["docs"]], dtype=np.uint32),
        np.array([f for t in terms for f in t["tfs"]], dtype=np.int64),
        np.array([n for t in terms for n in t["lengths"]], dtype=np.uint32),
        starts,
        np.array([p for t in terms for p in t["deltas"]], dtype=np.uint32)
        if with_positions
        else None,
        pos_starts if with_positions else None,
    )


@settings(max_examples=300, deadline=None)
@given(fields(), st.randoms(use_true_random=False), st.integers(0, 10**6))
def test_every_record_is_encode_terms_record(
    field: tuple[list[dict[str, Any]], bool], rng: Any, offset: int
) -> None:
    terms, with_positions = field
    order = list(range(len(terms)))
    rng.shuffle(order)
    encoded = encode_terms(columns_of(terms, with_positions), np.array(order), offset)
    data = encoded.data.tobytes()
    at = offset
    for row, t in enumerate(order):
        term = terms[t]
        record, docs_len, flags = encode_term(
            np.array(term["docs"], dtype=np.uint32),
            np.array(term["tfs"], dtype=np.int64),
            np.array(term["lengths"], dtype=np.uint32),
            np.array(term["deltas"], dtype=np.uint32) if with_positions else None,
        )
        got = {name: int(column[row]) for name, column in encoded.columns.items()}
        assert got == {
            "doc_freq": len(term["docs"]),
            "total_term_freq": sum(term["tfs"]),
            "offset": at,
            "docs_len": docs_len,
            "flags": flags,
            "max_tf": max(term["tfs"]),
            "min_len": min(term["lengths"]),
        }
        assert data[at - offset : at - offset + len(record)] == record, (t, flags)
        at += len(record)
    assert at - offset == len(data)


def test_all_three_doc_forms_are_written() -> None:
    """Raw, gap-coded and roaring doc ids all occur, so each path above is exercised."""
    terms = [
        {"docs": [5], "tfs": [1], "lengths": [3], "deltas": [2]},  # raw
        {"docs": [3, 9, 11, 40], "tfs": [1] * 4, "lengths": [9] * 4, "deltas": [1] * 4},
        {  # gaps: wide range, few documents
            "docs": list(range(0, 700, 7)),
            "tfs": [1] * 100,
            "lengths": [9] * 100,
            "deltas": [1] * 100,
        },
        {  # roaring: two long runs far apart
            "docs": [*range(10, 60), *range(900_000, 900_050)],
            "tfs": [1] * 100,
            "lengths": [9] * 100,
            "deltas": [1] * 100,
        },
    ]
    encoded = encode_terms(columns_of(terms, True), np.arange(4), 0)
    forms = [int(f) & (RAW_DOCS | GAP_DOCS) for f in encoded.columns["flags"]]
    assert forms == [RAW_DOCS, GAP_DOCS, GAP_DOCS, 0]
    assert all(int(f) & PACKED for f in encoded.columns["flags"])


def test_dictionary_builder_takes_terms_one_by_one_and_in_blocks() -> None:
    """Appended and extended terms keep their order in the dictionary body."""
    one = {"doc_freq": 1, "total_term_freq": 1, "docs_len": 4, "flags": 0, "max_tf": 1}
    both = FieldTermsBuilder.empty()
    appended = FieldTermsBuilder.empty()
    for i, term in enumerate(["a", "b", "c", "d"]):
        entry = TermEntry(offset=10 * i, min_len=i + 1, **one)
        appended.append(term, entry)
        if term in ("a", "d"):
            both.append(term, entry)
        elif term == "b":
            block = {name: np.array([value, value], dtype=np.uint64) for name, value in one.items()}
            block["offset"] = np.array([10, 20], dtype=np.uint64)
            block["min_len"] = np.array([2, 3], dtype=np.uint64)
            both.extend(["b", "c"], block)
    assert both.to_body() == appended.to_body()


@settings(max_examples=200, deadline=None)
@given(fields(), st.integers(0, 300))
def test_decode_terms_reads_back_what_encode_terms_wrote(
    field: tuple[list[dict[str, Any]], bool], offset: int
) -> None:
    """Short records are read with array operations, long and roaring ones one at a time."""
    terms, with_positions = field
    columns = columns_of(terms, with_positions)
    encoded = encode_terms(columns, np.arange(len(terms)), offset)
    data = memoryview(b"\x07" * offset + encoded.data.tobytes())
    decoded = decode_terms(data, encoded.columns, with_positions)
    assert decoded.starts.tolist() == columns.starts.tolist()
    assert decoded.docs.tolist() == columns.docs.tolist()
    assert decoded.tfs.tolist() == columns.tfs.tolist()
    if with_positions:
        assert columns.pos_deltas is not None and decoded.pos_deltas is not None
        assert decoded.pos_deltas.tolist() == columns.pos_deltas.tolist()
