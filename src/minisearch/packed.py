"""Many short strings stored as one UTF-8 blob plus end offsets, decoded one at a time.

Format 2 stores the terms of a dictionary and the external ids of a segment this way, so that
opening a segment or reading the id of a hit never turns a whole column into Python strings
(a million of them cost ~60 ms to unpack and ~70 MB to hold).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .codec import WIDTH_DTYPES, encode_uints


def pack_strings(strings: Sequence[str]) -> dict[str, Any]:
    """The msgpack body of `strings`: ``{"count", "blob", "ends": [width code, bin]}``."""
    encoded = [s.encode("utf-8") for s in strings]
    ends = np.cumsum([len(e) for e in encoded], dtype=np.uint64)
    return {"count": len(encoded), "blob": b"".join(encoded), "ends": list(encode_uints(ends))}


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
        blob, ends = body["blob"], decode_uints_column(body["ends"])
        if len(ends) != body["count"] or (len(ends) and int(ends[-1]) != len(blob)):
            raise ValueError("string offsets do not match the blob")
        self._blob: bytes | memoryview = blob
        self._ends = ends  # zero-copy: nothing per string is built at open

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
