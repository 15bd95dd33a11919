"""Many short strings stored as one UTF-8 blob plus their lengths, decoded one at a time;
and integer columns that are narrow except for a few values.

Since format 2 the terms of a dictionary and the external ids of a segment are stored this
way, so that opening a segment or reading the id of a hit never turns a whole column into
Python strings (a million of them cost ~60 ms to unpack and ~70 MB to hold). Format 2 stores
the end offsets; format 3 the lengths (a byte each, mostly), summed into end offsets at open.

Dictionary statistics follow Zipf's law: almost every term occurs in a few documents, a few
in very many. A `compact` column stores every value at the width that minimises the total,
and the values that do not fit as exceptions (ordinal and value) beside it; reading widens
the column once and patches the exceptions in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .codec import WIDTH_DTYPES, encode_uints, width_code


def pack_strings(strings: Sequence[str], *, ends: bool = False) -> dict[str, Any]:
    """The msgpack body of `strings`: ``{"count", "blob", "lengths": [width code, bin]}``.

    With `ends`, the end offsets instead of the lengths (``"ends"``): a few bytes more per
    string, but readable in place, for columns that are opened lazily, in the middle of a
    query (the ids of the hits), where summing the lengths would cost that query.
    """
    encoded = [s.encode("utf-8") for s in strings]
    sizes = np.array([len(e) for e in encoded], dtype=np.uint64)
    name, column = ("ends", np.cumsum(sizes, dtype=np.uint64)) if ends else ("lengths", sizes)
    return {"count": len(encoded), "blob": b"".join(encoded), name: list(encode_uints(column))}


def running_total(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``np.cumsum(values)`` as u32 when the total fits (u64 otherwise).

    The u32 accumulation runs ~15x faster than numpy's cast-as-you-go u64 one on a byte
    column, which matters at open: one per dictionary of hundreds of thousands of terms.
    """
    if int(values.sum(dtype=np.uint64)) <= np.iinfo(np.uint32).max:
        return np.cumsum(values, dtype=np.uint32)
    return np.cumsum(values.astype(np.uint64))


# A compact column's width code for "every value is 0 except the exceptions" (format 4): its
# second item is the number of values instead of a bin.
ZERO_WIDTH = len(WIDTH_DTYPES)


def encode_compact(values: npt.NDArray[Any]) -> list[Any]:
    """``[width code, bin, exception ordinals [w, bin], exception values [w, bin]]``.

    The width is the one with the fewest bytes in all, counting 8 bytes or so per exception;
    `ZERO_WIDTH` (no bytes per value, with the count in place of the bin) when nearly every
    value is 0.
    """
    values = np.asarray(values, dtype=np.uint64)
    nonzero = int(np.count_nonzero(values))
    best = (ZERO_WIDTH, nonzero * 12)
    for code, dtype in enumerate(WIDTH_DTYPES):
        limit = np.iinfo(dtype).max
        wide = np.flatnonzero(values > limit)
        size = len(values) * dtype.itemsize + len(wide) * 12
        if size < best[1]:
            best = (code, size)
        if not len(wide):
            break
    code = best[0]
    if code == ZERO_WIDTH:
        wide = np.flatnonzero(values)
        return [
            code,
            len(values),
            list(encode_uints(wide.astype(np.uint64))),
            list(encode_uints(values[wide])),
        ]
    wide = np.flatnonzero(values > np.iinfo(WIDTH_DTYPES[code]).max)
    narrow = values.copy()
    narrow[wide] = 0
    return [
        code,
        narrow.astype(WIDTH_DTYPES[code]).tobytes(),
        list(encode_uints(wide.astype(np.uint64))),
        list(encode_uints(values[wide])),
    ]


def decode_compact(column: Any) -> npt.NDArray[Any]:
    """An `encode_compact` column as one array wide enough for every value (a copy if needed).

    A ``[width code, bin]`` column (format 2) is read as it is, without copying.
    """
    if len(column) == 2:
        return decode_uints_column(column)
    code, data, at_column, big_column = column
    if code == ZERO_WIDTH:
        if not (isinstance(data, int) and data >= 0):
            raise ValueError(f"bad value count {data!r}")
        narrow = np.zeros(data, dtype=np.uint8)
    else:
        narrow = decode_uints_column([code, data])
    at, big = decode_uints_column(at_column), decode_uints_column(big_column)
    if len(at) != len(big) or (len(at) and int(at.max()) >= len(narrow)):
        raise ValueError("column exceptions do not match the column")
    if not len(at):
        return narrow
    values = narrow.astype(WIDTH_DTYPES[width_code(int(big.max()))])
    values[at] = big
    return values


def decode_uints_column(column: Any) -> npt.NDArray[Any]:
    """A ``[width code, bin]`` column as a zero-copy array (ValueError if malformed)."""
    code, data = column
    if not (isinstance(code, int) and 0 <= code < len(WIDTH_DTYPES)):
        raise ValueError(f"bad width code {code!r}")
    return np.frombuffer(data, dtype=WIDTH_DTYPES[code])


class PackedStrings(Sequence[str]):
    """The strings of a `pack_strings` body; each is decoded when it is accessed."""

    __slots__ = ("_blob", "_ends")

    def __init__(self, body: Mapping[str, Any]) -> None:
        blob = body["blob"]
        if "lengths" in body:  # format 3: one array built at open, nothing per string
            ends = running_total(decode_uints_column(body["lengths"]))
        else:  # format 2: read in place
            ends = decode_uints_column(body["ends"])
        if len(ends) != body["count"] or (len(ends) and int(ends[-1]) != len(blob)):
            raise ValueError("string offsets do not match the blob")
        self._blob: bytes | memoryview = blob
        self._ends = ends

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return str(self._span(i), "utf-8")

    def __iter__(self) -> Iterator[str]:
        blob, start = self._blob, 0
        for end in self._ends.tolist():
            if end < start:
                raise ValueError("string offsets are not ascending")
            yield str(blob[start:end], "utf-8")
            start = end

    def take(self, indices: Sequence[int]) -> list[str]:
        """The strings at `indices`, decoded in one pass (a page of hits' ids)."""
        if len(indices) and not (min(indices) >= 0 and max(indices) < len(self)):
            raise IndexError("string index out of range")
        at = np.asarray(indices, dtype=np.intp)
        stops = self._ends[at].tolist()
        before = self._ends[at - 1].tolist()  # wraps around for index 0, which starts at 0
        blob = self._blob
        out = []
        for i, previous, stop in zip(indices, before, stops, strict=True):
            start = previous if i else 0
            if stop < start:
                raise ValueError("string offsets are not ascending")
            out.append(str(blob[start:stop], "utf-8"))
        return out

    def lower_bound(self, key: bytes, lo: int, hi: int) -> int:
        """The first index in [lo, hi) whose UTF-8 bytes are not below `key` (hi if none).

        For the narrow ranges dictionary lookups leave: their offsets are read in one call,
        and each comparison slices the blob directly.
        """
        if not 0 <= lo <= hi <= len(self):
            raise IndexError("string range out of range")
        ends = self._ends[max(lo - 1, 0) : hi].tolist()
        if lo == 0:
            ends.insert(0, 0)  # string i spans ends[i - lo] to ends[i - lo + 1]
        blob, first = self._blob, lo
        while lo < hi:
            mid = (lo + hi) // 2
            if bytes(blob[ends[mid - first] : ends[mid - first + 1]]) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def encoded(self, i: int) -> bytes:
        """The UTF-8 bytes of string `i` (no decoding: for comparisons)."""
        return bytes(self._span(i))

    def _span(self, i: int) -> bytes | memoryview:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("string index out of range")
        start = int(self._ends[i - 1]) if i else 0
        end = int(self._ends[i])
        if end < start:
            raise ValueError("string offsets are not ascending")
        return self._blob[start:end]
