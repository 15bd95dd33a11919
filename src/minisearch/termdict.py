"""The term dictionary of one segment: per field, the sorted terms and their statistics.

Since format 2 a segment keeps a dictionary as a few flat columns and never turns them into
Python objects at open: the terms are one UTF-8 blob with an array of end offsets, plus the
first 8 bytes of every term as a fixed-width byte array. A lookup is a `np.searchsorted` over
those prefixes, which narrows the search to the terms sharing the key's first 8 bytes, then a
binary search among them that decodes only the terms it compares. So opening a segment costs
no time per term and holds no Python string per term (a million terms would otherwise take
~100 MB and ~60 ms to unpack). The statistics are stored at the smallest unsigned width that
holds them. Format 1 (a msgpack array of str, fixed-width columns) is still read.

Order is code-point order, which equals UTF-8 byte order, so prefix and fuzzy expansion can
walk ranges of `FieldTerms.terms` directly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .codec import WIDTH_DTYPES, width_code
from .packed import (
    PackedStrings,
    decode_compact,
    encode_compact,
    pack_strings,
    running_total,
)
from .postings import TermEntry

PREFIX_BYTES = 8
# Since format 4 the lookup column keeps the prefix of every PREFIX_BLOCK-th term only: a
# lookup narrows to the blocks that can hold the key, then binary-searches their terms.
PREFIX_BLOCK = 16

# Column name -> dtype on disk in format 1 (since format 2: the smallest width that holds the
# column; format 3's flags take 20 bits, format 4 stores them as a table and codes).
_COLUMNS: dict[str, str] = {
    "doc_freq": "<u4",
    "total_term_freq": "<u8",
    "offset": "<u8",
    "docs_len": "<u4",
    "flags": "<u1",
    "max_tf": "<u4",
    "min_len": "<u4",
}


@dataclass(slots=True)
class FieldTermsBuilder:
    """Accumulates one field's dictionary while the postings are written in term order:
    a term at a time (`append`) or many at once (`extend`), in that order."""

    terms: list[str]
    columns: dict[str, list[int]]  # appended, not yet in `blocks`
    blocks: dict[str, list[npt.NDArray[np.uint64]]]

    @classmethod
    def empty(cls) -> FieldTermsBuilder:
        return cls([], {name: [] for name in _COLUMNS}, {name: [] for name in _COLUMNS})

    def append(self, term: str, entry: TermEntry) -> None:
        self.terms.append(term)
        for name in _COLUMNS:
            self.columns[name].append(getattr(entry, name))

    def extend(self, terms: Sequence[str], columns: Mapping[str, npt.NDArray[np.uint64]]) -> None:
        """Append `terms`, whose entries are the rows of `columns` (one array per field of
        `TermEntry`)."""
        self._close_columns()
        self.terms.extend(terms)
        for name in _COLUMNS:
            if len(columns[name]) != len(terms):
                raise ValueError(f"{len(columns[name])} {name} values for {len(terms)} terms")
            self.blocks[name].append(columns[name])

    def _close_columns(self) -> None:
        for name, values in self.columns.items():
            if values:
                self.blocks[name].append(np.asarray(values, dtype=np.uint64))
                values.clear()

    def _column(self, name: str) -> npt.NDArray[np.uint64]:
        blocks = self.blocks[name]
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.uint64)

    def to_body(self) -> dict[str, Any]:
        self._close_columns()
        body = pack_strings(self.terms)
        body["block_prefixes"] = _prefixes(self.terms[::PREFIX_BLOCK]).tobytes()
        for name in _COLUMNS:  # each at the width that takes the fewest bytes (packed.py)
            values = self._column(name).astype(np.uint64, copy=False)
            if name == "offset":  # ascending: the gaps between records are small numbers
                name, values = "offset_gaps", np.diff(values, prepend=np.uint64(0))
            if name == "flags":  # 20 bits, but few distinct values: a table and a code each
                table, codes = np.unique(values, return_inverse=True)
                body["flag_table"] = table.astype("<u4").tobytes()
                name, values = "flag_codes", codes.astype(np.uint64)
            # Nearly every term occurs once per document: stored as what exceeds that, the
            # two tf columns are zeros but for a few exceptions, which take no bytes per term.
            if name == "total_term_freq":
                doc_freqs = self._column("doc_freq").astype(np.uint64, copy=False)
                name, values = "ttf_minus_df", values - doc_freqs
            if name == "max_tf":
                name, values = "max_tf_minus_1", values - np.uint64(1)
            body[name] = encode_compact(values)
        return body


class FieldTerms:
    """Read-only dictionary of one field in one segment."""

    __slots__ = ("_columns", "_flag_table", "_prefix_step", "_prefixes", "terms")

    def __init__(self, body: Mapping[str, Any]) -> None:
        self._prefixes: npt.NDArray[np.bytes_] | None = None
        self._prefix_step = 1  # the lookup column holds the prefix of every n-th term
        # Format 4: the flags column holds codes into this table (looked up per entry).
        self._flag_table: npt.NDArray[np.uint32] | None = None
        self._columns: dict[str, npt.NDArray[Any]] = {}
        if "terms" in body:  # format 1
            terms = body["terms"]
            if not isinstance(terms, list):
                raise ValueError("terms is not a list")
            self.terms: Sequence[str] = terms
            for name, dtype in _COLUMNS.items():
                self._columns[name] = np.frombuffer(body[name], dtype=dtype)
        else:
            self.terms = PackedStrings(body)
            if "block_prefixes" in body:  # format 4
                self._prefix_step = PREFIX_BLOCK
                self._prefixes = np.frombuffer(body["block_prefixes"], dtype=f"S{PREFIX_BYTES}")
            else:
                self._prefixes = np.frombuffer(body["prefixes"], dtype=f"S{PREFIX_BYTES}")
            if len(self._prefixes) != -(-len(self.terms) // self._prefix_step):
                raise ValueError("prefix column does not match the terms")
            for name in _COLUMNS:
                if name == "offset" and "offset_gaps" in body:  # format 3
                    self._columns[name] = running_total(decode_compact(body["offset_gaps"]))
                elif name == "flags" and "flag_table" in body:  # format 4
                    self._flag_table, self._columns[name] = _table_and_codes(
                        body["flag_table"], body["flag_codes"]
                    )
                elif name == "total_term_freq" and "ttf_minus_df" in body:  # format 4
                    extra = decode_compact(body["ttf_minus_df"])
                    self._columns[name] = _narrow_sum(extra, self._columns["doc_freq"])
                elif name == "max_tf" and "max_tf_minus_1" in body:  # format 4
                    extra = decode_compact(body["max_tf_minus_1"])
                    self._columns[name] = _narrow_sum(extra, 1)
                else:
                    self._columns[name] = decode_compact(body[name])
        # Callers add document frequencies up across segments: keep them at least 32 bits wide.
        self._columns["doc_freq"] = self._columns["doc_freq"].astype(np.uint32, copy=False)
        for name, column in self._columns.items():
            if len(column) != len(self.terms):
                raise ValueError(
                    f"column {name} has {len(column)} entries for {len(self.terms)} terms"
                )

    def __len__(self) -> int:
        return len(self.terms)

    def index_of(self, term: str) -> int:
        """Ordinal of `term`, or -1 when absent."""
        terms = self.terms
        if not isinstance(terms, PackedStrings) or self._prefixes is None:
            i = bisect_left(terms, term)
            return i if i < len(terms) and terms[i] == term else -1
        key = term.encode("utf-8")
        head = np.bytes_(key[:PREFIX_BYTES])
        lo = int(np.searchsorted(self._prefixes, head, "left"))
        hi = int(np.searchsorted(self._prefixes, head, "right"))
        step = self._prefix_step
        if step > 1:
            # Prefixes of block starts: the key's block starts at or before the last block
            # whose first term's prefix is below the key's, and before the first one above it.
            lo, hi = max(lo - 1, 0) * step, min(hi * step, len(terms))
        at = terms.lower_bound(key, lo, hi)  # among the few terms left
        return at if at < hi and terms.encoded(at) == key else -1

    def prefixes_match(self) -> bool:
        """Whether the lookup prefixes agree with the terms (format 2; for `check`)."""
        if self._prefixes is None:
            return True
        every = self.terms[:: self._prefix_step] if self._prefix_step > 1 else self.terms
        return bool(np.array_equal(_prefixes(every), self._prefixes))

    def entry(self, ordinal: int) -> TermEntry:
        c = self._columns
        flags = int(c["flags"][ordinal])
        if self._flag_table is not None:
            flags = int(self._flag_table[flags])
        return TermEntry(
            doc_freq=int(c["doc_freq"][ordinal]),
            total_term_freq=int(c["total_term_freq"][ordinal]),
            offset=int(c["offset"][ordinal]),
            docs_len=int(c["docs_len"][ordinal]),
            flags=flags,
            max_tf=int(c["max_tf"][ordinal]),
            min_len=int(c["min_len"][ordinal]),
        )

    def column(self, name: str, lo: int = 0, hi: int | None = None) -> npt.NDArray[Any]:
        """One statistic of the terms with ordinals `lo` to `hi` (all by default)."""
        values = self._columns[name][lo:hi]
        if name == "flags" and self._flag_table is not None:
            flags: npt.NDArray[Any] = self._flag_table[values]
            return flags
        return values

    @property
    def doc_freqs(self) -> npt.NDArray[np.uint32]:
        return self._columns["doc_freq"]


def _narrow_sum(a: npt.NDArray[Any], b: npt.NDArray[Any] | int) -> npt.NDArray[Any]:
    """``a + b`` in one pass, at the smallest width that holds every sum (a dictionary's
    columns are opened by the million: no 64-bit intermediate)."""
    if not len(a):
        return np.zeros(0, dtype=np.uint32)
    top = int(a.max()) + (b if isinstance(b, int) else int(b.max()))
    total: npt.NDArray[Any] = np.add(a, b, dtype=WIDTH_DTYPES[width_code(top)])
    return total


def _table_and_codes(table: Any, codes: Any) -> tuple[npt.NDArray[np.uint32], npt.NDArray[Any]]:
    """A column stored as a table of its distinct values plus a compact code per term."""
    values = np.frombuffer(table, dtype="<u4")
    picks = decode_compact(codes)
    if len(picks) and int(picks.max()) >= len(values):
        raise ValueError("flag code outside the flag table")
    return values, picks


def _prefixes(terms: Iterable[str]) -> npt.NDArray[np.bytes_]:
    """The first `PREFIX_BYTES` UTF-8 bytes of each term, zero-padded: the lookup column."""
    return np.array([term.encode("utf-8") for term in terms], dtype=f"S{PREFIX_BYTES}")
