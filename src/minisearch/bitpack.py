"""Unsigned integers bit-packed at a fixed width of 0 to 32 bits each (postings, format 3).

A term's frequencies minus one and its position deltas are small numbers: most terms occur
once per document (every tf - 1 is 0: nothing to store at all), and positions need about as
many bits as the length of the documents, which is rarely a whole number of bytes. Packing a
column at one width keeps both directions to a few numpy operations with no Python loop per
value, and lets a reader pick out single values (`gather`) without unpacking the column: a
pruned query probes a frequent term's tf for a handful of candidates only.

Bit order is little-endian: value ``i`` of a ``w``-bit column occupies bits
``[i * w, (i + 1) * w)`` of the column read as one little-endian integer. Widths 8, 16 and 32
are therefore plain little-endian arrays (read without copying).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .codec import Buffer

MAX_WIDTH = 32
_SMALL = 48  # up to this many values, `pack` works on one Python integer
_GROUPED = 1024  # from this many values on, `unpack` works in groups of eight
# A count or width: one, or one per term (short_terms.py lays out many records at once).
_Size = TypeVar("_Size", int, npt.NDArray[np.int64])
_WHOLE: dict[int, np.dtype[Any]] = {8: np.dtype("<u1"), 16: np.dtype("<u2"), 32: np.dtype("<u4")}


def width_for(max_value: int) -> int:
    """The fewest bits that hold every value up to `max_value`."""
    width = max_value.bit_length()
    if width > MAX_WIDTH:
        raise ValueError(f"{max_value} does not fit in {MAX_WIDTH} bits")
    return width


def packed_size(count: _Size, width: _Size) -> _Size:
    """Bytes taken by `count` values of `width` bits (or, for arrays, of each count and width)."""
    return (count * width + 7) // 8


def pack(values: npt.NDArray[Any], width: int) -> bytes:
    """`values` (each below ``2**width``) at `width` bits each."""
    if width == 0:
        return b""
    if width in _WHOLE:
        return values.astype(_WHOLE[width], copy=False).tobytes()
    if len(values) <= _SMALL:  # one Python integer beats a dozen small numpy calls
        return pack_ints(values.tolist(), width)
    shifts = np.arange(width, dtype=np.uint64)
    bits = (values.astype(np.uint64, copy=False)[:, None] >> shifts) & np.uint64(1)
    return np.packbits(bits.astype(np.uint8).reshape(-1), bitorder="little").tobytes()


def pack_ints(values: Sequence[int], width: int) -> bytes:
    """`pack` for a few plain ints (the same bytes), built as one Python integer."""
    whole = 0
    for i, value in enumerate(values):
        whole |= value << (i * width)
    return whole.to_bytes(packed_size(len(values), width), "little")


def unpack(data: Buffer, offset: int, count: int, width: int) -> npt.NDArray[Any]:
    """The `count` values at byte `offset` of `data` (a view for widths 8, 16 and 32)."""
    if width == 0:
        return np.zeros(count, dtype=np.uint8)
    if width in _WHOLE:
        return np.frombuffer(data, dtype=_WHOLE[width], count=count, offset=offset)
    if count >= _GROUPED:
        return _unpack_grouped(data, offset, count, width)
    return _extract(data, offset, count, width, np.arange(count, dtype=np.int64))


def gather(data: Buffer, offset: int, count: int, width: int, at: npt.NDArray[Any]) -> Any:
    """Values number `at` of the column `unpack` would return, without unpacking the rest."""
    if width == 0:
        return np.zeros(len(at), dtype=np.uint8)
    if width in _WHOLE:
        return np.frombuffer(data, dtype=_WHOLE[width], count=count, offset=offset)[at]
    return _extract(data, offset, count, width, np.asarray(at, dtype=np.int64))


def _unpack_grouped(data: Buffer, offset: int, count: int, width: int) -> npt.NDArray[np.uint32]:
    """Every value, eight at a time: eight values take exactly `width` bytes, so value ``j``
    of every group starts at the same byte and bit of its group. Each of the eight is one
    strided read, a shift and a mask over all groups, with no index arrays (4x `_extract`
    on long columns)."""
    size = packed_size(count, width)
    groups = -(-count // 8)
    word = np.dtype("<u4") if width <= 25 else np.dtype("<u8")
    padded = np.zeros(groups * width + word.itemsize, dtype=np.uint8)
    padded[:size] = np.frombuffer(data, dtype=np.uint8, count=size, offset=offset)
    words = np.ndarray(shape=(groups * width,), dtype=word, buffer=padded, strides=(1,))
    out = np.empty((groups, 8), dtype=np.uint32)
    mask = word.type((1 << width) - 1)
    for j in range(8):
        first = words[(j * width) >> 3 :: width][:groups]
        np.bitwise_and(first >> word.type((j * width) & 7), mask, out=out[:, j], casting="unsafe")
    return out.reshape(-1)[:count]


def _extract(
    data: Buffer, offset: int, count: int, width: int, at: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint32]:
    """Values `at`: each read from the little-endian word that starts at its first byte.

    A value of up to 25 bits lies within the 4 bytes from its first byte, one of up to 32
    bits within 8. For many values the column is copied once with that many zero bytes after
    it and viewed as one (unaligned) word starting at every byte, so a value costs one
    gather, a shift and a mask.
    """
    size = packed_size(count, width)
    word = np.dtype("<u4") if width <= 25 else np.dtype("<u8")
    raw = np.frombuffer(data, dtype=np.uint8, count=size, offset=offset)
    bit = at * width
    first = bit >> 3
    if len(at) * 16 < count:
        # A few values of a long column (probes): gather their bytes one by one instead of
        # copying the column. Indices past its end are clamped to the last byte: a value
        # never reaches past the column, so what they contribute lies above its bits.
        last = np.int64(size - 1)
        picked = raw[first].astype(word)
        for k in range(1, word.itemsize):
            byte = raw[np.minimum(first + k, last)].astype(word)
            picked |= byte << word.type(8 * k)
    else:
        padded = np.zeros(size + word.itemsize, dtype=np.uint8)
        padded[:size] = raw
        words = np.ndarray(shape=(size,), dtype=word, buffer=padded, strides=(1,))
        picked = words[first]
    picked >>= (bit & 7).astype(word)
    return (picked & word.type((1 << width) - 1)).astype(np.uint32)  # type: ignore[no-any-return]
