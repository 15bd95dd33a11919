"""The format-2 term dictionary: lookups over packed terms agree with a plain sorted list.

Terms are drawn to stress the 8-byte prefix search: shared prefixes of exactly 8 bytes,
terms shorter and longer than that, multi-byte UTF-8 (where 8 bytes cut a character), and
lookups of absent terms that sort between, before and after the present ones.
"""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minisearch.packed import PackedStrings, pack_strings
from minisearch.postings import TermEntry
from minisearch.termdict import FieldTerms, FieldTermsBuilder

ALPHABET = st.sampled_from(["a", "b", "é", "ß", "東", "z", "0"])
WORDS = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=12),
    st.text(ALPHABET, min_size=0, max_size=4).map(lambda tail: "abcdefgh" + tail),
)


def dictionary(words: list[str]) -> FieldTerms:
    builder = FieldTermsBuilder.empty()
    for i, word in enumerate(words):
        builder.append(word, TermEntry(i + 1, 2 * i + 1, 100 * i, 7, i % 16, 300 + i, 9))
    # Through msgpack, as on disk.
    return FieldTerms(msgpack.unpackb(msgpack.packb(builder.to_body(), use_bin_type=True)))


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, unique=True, max_size=60), st.lists(WORDS, max_size=20))
def test_lookup_matches_a_sorted_list(words: list[str], probes: list[str]) -> None:
    words = sorted(words)
    terms = dictionary(words)
    assert isinstance(terms.terms, PackedStrings)
    assert list(terms.terms) == words and len(terms) == len(words)
    assert terms.terms[1:4] == words[1:4]
    assert terms.prefixes_match()
    for ordinal, word in enumerate(words):
        assert terms.terms[ordinal] == word
        assert terms.index_of(word) == ordinal
        entry = terms.entry(ordinal)
        assert (entry.doc_freq, entry.offset, entry.max_tf) == (
            ordinal + 1,
            100 * ordinal,
            300 + ordinal,
        )
    for probe in probes:
        assert terms.index_of(probe) == (words.index(probe) if probe in words else -1)


def test_columns_take_the_smallest_width() -> None:
    builder = FieldTermsBuilder.empty()
    builder.append("a", TermEntry(3, 3, 0, 4, 0, 1, 2))
    builder.append("b", TermEntry(70_000, 70_000, 5_000_000_000, 4, 0, 1, 2))
    body = builder.to_body()
    assert body["doc_freq"][0] == 2 and len(body["doc_freq"][1]) == 8  # u32
    assert body["offset"][0] == 3  # u64 only where needed
    assert body["max_tf"][0] == 0 and len(body["max_tf"][1]) == 2  # u8
    terms = FieldTerms(body)
    assert terms.doc_freqs.dtype.itemsize >= 4
    assert terms.entry(1).offset == 5_000_000_000


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
