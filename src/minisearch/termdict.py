"""The term dictionary of one segment: per field, the sorted terms and their statistics.

Stored column-wise (a msgpack array of strings plus one raw array per statistic) because
opening an index reads every dictionary: a million terms decode in a few tens of
milliseconds as columns, against seconds as a million small maps. Lookup is a binary search
over the sorted list (code-point order, which equals UTF-8 byte order), so prefix and fuzzy
expansion can walk ranges of it directly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .postings import TermEntry

# Column name -> dtype on disk.
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
    """Accumulates one field's dictionary while the postings are written in term order."""

    terms: list[str]
    columns: dict[str, list[int]]

    @classmethod
    def empty(cls) -> FieldTermsBuilder:
        return cls([], {name: [] for name in _COLUMNS})

    def append(self, term: str, entry: TermEntry) -> None:
        self.terms.append(term)
        for name in _COLUMNS:
            self.columns[name].append(getattr(entry, name))

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"terms": self.terms}
        for name, dtype in _COLUMNS.items():
            body[name] = np.asarray(self.columns[name], dtype=dtype).tobytes()
        return body


class FieldTerms:
    """Read-only dictionary of one field in one segment."""

    __slots__ = ("_columns", "terms")

    def __init__(self, body: Mapping[str, Any]) -> None:
        terms = body["terms"]
        if not isinstance(terms, list):
            raise ValueError("terms is not a list")
        self.terms: Sequence[str] = terms
        self._columns: dict[str, npt.NDArray[Any]] = {}
        for name, dtype in _COLUMNS.items():
            column = np.frombuffer(body[name], dtype=dtype)
            if len(column) != len(terms):
                raise ValueError(f"column {name} has {len(column)} entries for {len(terms)} terms")
            self._columns[name] = column

    def __len__(self) -> int:
        return len(self.terms)

    def index_of(self, term: str) -> int:
        """Ordinal of `term`, or -1 when absent."""
        i = bisect_left(self.terms, term)
        return i if i < len(self.terms) and self.terms[i] == term else -1

    def entry(self, ordinal: int) -> TermEntry:
        c = self._columns
        return TermEntry(
            doc_freq=int(c["doc_freq"][ordinal]),
            total_term_freq=int(c["total_term_freq"][ordinal]),
            offset=int(c["offset"][ordinal]),
            docs_len=int(c["docs_len"][ordinal]),
            flags=int(c["flags"][ordinal]),
            max_tf=int(c["max_tf"][ordinal]),
            min_len=int(c["min_len"][ordinal]),
        )

    def column(self, name: str) -> npt.NDArray[Any]:
        return self._columns[name]

    @property
    def doc_freqs(self) -> npt.NDArray[np.uint32]:
        return self._columns["doc_freq"]
