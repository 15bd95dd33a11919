"""The term dictionary: lookups over packed terms agree with a plain sorted list.

Terms are drawn to stress the 8-byte prefix search over blocks of 16 terms: shared prefixes
of exactly 8 bytes (runs that span blocks), terms shorter and longer than that, multi-byte
UTF-8 (where 8 bytes cut a character), and lookups of absent terms that sort between, before
and after the present ones.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

import msgpack
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minisearch.packed import (
    ZERO_WIDTH,
    PackedStrings,
    decode_compact,
    encode_compact,
    pack_strings,
)
from minisearch.postings import TermEntry
from minisearch.termdict import FieldTerms, FieldTermsBuilder, _prefixes

ALPHABET = st.sampled_from(["a", "b", "é", "ß", "東", "z", "0"])
WORDS = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=12),
    st.text(ALPHABET, min_size=0, max_size=4).map(lambda tail: "abcdefgh" + tail),
)


def flags_of(i: int) -> int:
    return (i % 3) << 14 | (i % 2) << 8 | 0x20  # bit-packed records' flags take 20 bits


def dictionary_body(words: list[str]) -> dict[str, Any]:
    """The dictionary of `words` as written, through msgpack as on disk."""
    builder = FieldTermsBuilder.empty()
    for i, word in enumerate(words):
        builder.append(word, TermEntry(i + 1, 2 * i + 1, 100 * i, 7, flags_of(i), 300 + i, 9))
    body: dict[str, Any] = msgpack.unpackb(msgpack.packb(builder.to_body(), use_bin_type=True))
    return body


def dictionary(words: list[str], version: int = 4) -> FieldTerms:
    body = dictionary_body(words)
    if version == 3:  # a lookup prefix per term, the flags themselves
        del body["block_prefixes"], body["flag_table"], body["flag_codes"]
        body["prefixes"] = _prefixes(words).tobytes()
        body["flags"] = encode_compact(np.array([flags_of(i) for i in range(len(words))]))
    return FieldTerms(body)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(WORDS, unique=True, max_size=90),
    st.lists(WORDS, max_size=20),
    st.sampled_from([3, 4]),
)
def test_lookup_matches_a_sorted_list(words: list[str], probes: list[str], version: int) -> None:
    words = sorted(words)
    terms = dictionary(words, version)
    assert isinstance(terms.terms, PackedStrings)
    assert list(terms.terms) == words and len(terms) == len(words)
    assert terms.terms[1:4] == words[1:4]
    assert terms.prefixes_match()
    for ordinal, word in enumerate(words):
        assert terms.terms[ordinal] == word
        assert terms.index_of(word) == ordinal
        entry = terms.entry(ordinal)
        assert (entry.doc_freq, entry.offset, entry.max_tf, entry.flags) == (
            ordinal + 1,
            100 * ordinal,
            300 + ordinal,
            flags_of(ordinal),
        )
    for probe in probes:
        assert terms.index_of(probe) == (words.index(probe) if probe in words else -1)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=40), WORDS, st.integers(0, 40), st.integers(0, 40))
def test_lower_bound_matches_bisect(words: list[str], key: str, lo: int, hi: int) -> None:
    words = sorted(words, key=lambda w: w.encode("utf-8"))
    packed = PackedStrings(pack_strings(words))
    lo, hi = min(lo, len(words)), min(max(lo, hi), len(words))
    encoded = [w.encode("utf-8") for w in words]
    expected = bisect_left(encoded, key.encode("utf-8"), lo, hi)
    assert packed.lower_bound(key.encode("utf-8"), lo, hi) == expected
    with pytest.raises(IndexError):
        packed.lower_bound(b"", 0, len(words) + 1)


def test_lookup_prefixes_are_kept_per_block_and_flags_as_a_table() -> None:
    words = [f"term{i:04d}" for i in range(40)]
    body = dictionary_body(words)
    assert bytes(body["block_prefixes"]) == b"term0000term0016term0032"
    assert "prefixes" not in body and "flags" not in body
    table = sorted({flags_of(i) for i in range(40)})
    assert np.frombuffer(body["flag_table"], "<u4").tolist() == table
    assert decode_compact(body["flag_codes"]).tolist() == [
        table.index(flags_of(i)) for i in range(40)
    ]
    body["flag_codes"] = encode_compact(np.full(40, len(table), dtype=np.uint64))
    with pytest.raises(ValueError, match="flag code"):
        FieldTerms(body)


def test_columns_take_the_fewest_bytes_with_exceptions() -> None:
    """Zipf-shaped columns: one byte per term, and the few large values as exceptions."""
    builder = FieldTermsBuilder.empty()
    offsets = []
    offset = 0
    for i in range(100):
        df = 70_000 if i == 7 else 3
        offsets.append(offset)
        builder.append(f"t{i:03d}", TermEntry(df, df, offset, 4, 0, 1, 2))
        offset += 5_000_000_000 if i == 50 else 20
    body = builder.to_body()
    code, narrow, at, big = body["doc_freq"]
    assert code == 0 and len(narrow) == 100  # u8
    assert at[0] == 0 and bytes(at[1]) == bytes([7])  # the exception: term 7 (u8 ordinal)
    assert big[0] == 2 and bytes(big[1]) == (70_000).to_bytes(4, "little")  # its df, u32
    # max tf 1 everywhere and tf = df: stored as the excess, zeros that take no bytes per term
    assert "max_tf" not in body and body["max_tf_minus_1"][:2] == [ZERO_WIDTH, 100]
    assert "total_term_freq" not in body and body["ttf_minus_df"][:2] == [ZERO_WIDTH, 100]
    assert body["min_len"][0] == 0 and len(body["min_len"][1]) == 100  # no exceptions
    assert "offset" not in body and body["offset_gaps"][0] == 0  # gaps of 20 bytes, one huge
    terms = FieldTerms(body)
    assert terms.doc_freqs.dtype.itemsize >= 4
    assert [terms.entry(i).doc_freq for i in (6, 7, 8)] == [3, 70_000, 3]
    assert [terms.entry(i).offset for i in range(100)] == offsets
    two_wide = FieldTermsBuilder.empty()
    two_wide.append("a", TermEntry(3, 3, 0, 4, 0, 1, 2))
    two_wide.append("b", TermEntry(70_000, 70_000, 20, 4, 0, 1, 2))
    assert two_wide.to_body()["doc_freq"][0] == 2  # u32 beats u8 + an exception for 2 terms


def test_packed_strings_round_trip_and_reject_bad_offsets() -> None:
    ids = ["doc-1", "", "δοκ-2", "東京", "x" * 300]
    packed = PackedStrings(pack_strings(ids))
    assert list(packed) == ids and packed[-1] == ids[-1] and packed[1:3] == ids[1:3]
    body = pack_strings(ids)
    body["count"] = 4
    with pytest.raises(ValueError, match="offsets"):
        PackedStrings(body)
    body = pack_strings(ids)
    body["blob"] = body["blob"][:-1]
    with pytest.raises(ValueError, match="offsets"):
        PackedStrings(body)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.just(0),
            st.integers(0, 300),
            st.integers(0, 2**64 - 1),
            st.integers(0, 70_000),
        ),
        max_size=60,
    )
)
def test_compact_columns_round_trip(values: list[int]) -> None:
    column = encode_compact(np.array(values, dtype=np.uint64))
    decoded = decode_compact(column)
    assert decoded.tolist() == values
    code = column[0]
    per_value = 0 if code == ZERO_WIDTH else len(column[1])
    exceptions = len(bytes(column[2][1])) // (1 << column[2][0])
    assert per_value + 12 * exceptions <= 8 * len(values)  # never worse than plain u64
    if values and not any(values):
        assert column[:2] == [ZERO_WIDTH, len(values)]  # all zeros: no bytes per value
