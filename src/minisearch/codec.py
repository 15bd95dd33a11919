"""Low-level file codec: the versioned header, the CRC32 footer, msgpack bodies, typed arrays.

Every file of an index is ``header | body | footer``. The header names the file's role and
segment, so a file copied from another segment or another program is rejected by name; the
footer's CRC32 covers every byte before it. The body is exactly one msgpack object. Numeric
columns are raw little-endian arrays inside msgpack ``bin`` values, stored at the smallest
unsigned width that holds them (u8/u16/u32/u64) and read back with ``numpy.frombuffer``
without copying. Nothing here knows about terms or documents; all other modules build on it.
See docs/FORMAT.md for the byte-level layout.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
import numpy.typing as npt

from .errors import CorruptIndexError, IndexFormatTooNewError, IndexFormatTooOldError

Buffer = bytes | bytearray | memoryview

MAGIC = b"MINISRCH"
FOOTER_MAGIC = b"MSFT"
FORMAT_VERSION = 4
OLDEST_SUPPORTED_VERSION = 1
SEGMENT_ID_BYTES = 16
NO_SEGMENT = bytes(SEGMENT_ID_BYTES)
FOOTER_SIZE = len(FOOTER_MAGIC) + 4

# Widths of unsigned integer columns, by the one-byte code stored beside them.
WIDTH_DTYPES: tuple[np.dtype[Any], ...] = (
    np.dtype("<u1"),
    np.dtype("<u2"),
    np.dtype("<u4"),
    np.dtype("<u8"),
)
_WIDTH_LIMITS = (0xFF, 0xFFFF, 0xFFFF_FFFF)

# Untrusted input: cap what msgpack may allocate while unpacking one body.
_MAX_BIN = 4 * 1024**3 - 1
_MAX_ITEMS = 64 * 1024**2


def header_bytes(component: str, segment_id: bytes = NO_SEGMENT) -> bytes:
    """``MAGIC | u16 version | u8 len | component ascii | 16-byte segment id``."""
    name = component.encode("ascii")
    if len(segment_id) != SEGMENT_ID_BYTES:
        raise ValueError(f"segment id must be {SEGMENT_ID_BYTES} bytes, got {len(segment_id)}")
    return MAGIC + struct.pack("<HB", FORMAT_VERSION, len(name)) + name + segment_id


def header_size(component: str) -> int:
    return len(MAGIC) + 3 + len(component.encode("ascii")) + SEGMENT_ID_BYTES


def encode_file(component: str, body: Any, segment_id: bytes = NO_SEGMENT) -> bytes:
    """The complete bytes of one index file whose body is the msgpack encoding of `body`."""
    data = header_bytes(component, segment_id) + pack(body)
    return seal(data)


def seal(data: bytes) -> bytes:
    """Append the footer: footer magic and the CRC32 of everything before the CRC."""
    data += FOOTER_MAGIC
    return data + struct.pack("<I", zlib.crc32(data))


def pack(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)  # type: ignore[no-any-return]


def unpack(data: Buffer, path: Path) -> Any:
    """Decode one msgpack body; any malformation is reported as corruption of `path`."""
    try:
        return msgpack.unpackb(
            data,
            raw=False,
            strict_map_key=False,
            max_bin_len=_MAX_BIN,
            max_str_len=_MAX_BIN,
            max_array_len=_MAX_ITEMS,
            max_map_len=_MAX_ITEMS,
            max_ext_len=0,
        )
    except (ValueError, msgpack.UnpackException, TypeError) as exc:
        raise CorruptIndexError(path, f"malformed body ({exc})") from None


def check_file(
    data: Buffer,
    path: Path,
    component: str,
    segment_id: bytes = NO_SEGMENT,
    *,
    verify_checksum: bool = True,
) -> memoryview:
    """Validate header and footer of a whole file and return a view of its body.

    The order of checks gives distinct errors: not ours at all (magic), a version this package
    cannot read (too old / too new), then damage (truncation, wrong role, checksum).
    """
    view = memoryview(data).cast("B")
    if len(view) < len(MAGIC) or bytes(view[: len(MAGIC)]) != MAGIC:
        raise CorruptIndexError(path, "not a minisearch index file (bad magic)")
    if len(view) < len(MAGIC) + 3:
        raise CorruptIndexError(path, "truncated header")
    version, name_len = struct.unpack_from("<HB", view, len(MAGIC))
    if version < OLDEST_SUPPORTED_VERSION:
        raise IndexFormatTooOldError(path, version, OLDEST_SUPPORTED_VERSION, FORMAT_VERSION)
    if version > FORMAT_VERSION:
        raise IndexFormatTooNewError(path, version, OLDEST_SUPPORTED_VERSION, FORMAT_VERSION)
    start = len(MAGIC) + 3
    end_header = start + name_len + SEGMENT_ID_BYTES
    if len(view) < end_header + FOOTER_SIZE:
        raise CorruptIndexError(path, f"truncated file ({len(view)} bytes)")
    name = bytes(view[start : start + name_len])
    if name != component.encode("ascii"):
        raise CorruptIndexError(path, f"holds {name!r}, expected {component!r}")
    if bytes(view[start + name_len : end_header]) != segment_id:
        raise CorruptIndexError(path, "belongs to another segment")
    footer_at = len(view) - FOOTER_SIZE
    if bytes(view[footer_at : footer_at + len(FOOTER_MAGIC)]) != FOOTER_MAGIC:
        raise CorruptIndexError(path, "missing footer (truncated?)")
    if verify_checksum:
        (stored,) = struct.unpack_from("<I", view, footer_at + len(FOOTER_MAGIC))
        actual = zlib.crc32(view[: footer_at + len(FOOTER_MAGIC)])
        if stored != actual:
            raise CorruptIndexError(
                path, f"checksum mismatch (stored {stored:08x}, actual {actual:08x})"
            )
    return view[end_header:footer_at]


def file_crc(data: Buffer) -> int:
    """The CRC32 recorded in a file's footer (what the manifest keeps per file)."""
    view = memoryview(data).cast("B")
    (crc,) = struct.unpack_from("<I", view, len(view) - 4)
    return int(crc)


def width_code(max_value: int) -> int:
    """The smallest width code whose unsigned type holds `max_value`."""
    for code, limit in enumerate(_WIDTH_LIMITS):
        if max_value <= limit:
            return code
    return 3


def encode_uints(values: npt.NDArray[np.integer[Any]]) -> tuple[int, bytes]:
    """Pack non-negative integers at the smallest width; returns (width code, bytes)."""
    code = width_code(int(values.max())) if len(values) else 0
    return code, values.astype(WIDTH_DTYPES[code], copy=False).tobytes()


def decode_uints(data: Buffer, code: int, count: int = -1, offset: int = 0) -> npt.NDArray[Any]:
    """Zero-copy view of an unsigned column written by `encode_uints`."""
    return np.frombuffer(data, dtype=WIDTH_DTYPES[code], count=count, offset=offset)


def array_bytes(values: npt.NDArray[Any], dtype: str) -> bytes:
    """Raw little-endian bytes of `values` as `dtype` (for fixed-width columns)."""
    return np.ascontiguousarray(values, dtype=np.dtype(dtype)).tobytes()


def pack_bins(parts: list[bytes]) -> bytes:
    """A msgpack array of bin values, always with 32-bit length headers.

    The fixed header width lets `bins_view` find each payload without copying it, so large
    columns (postings, stored documents) are sliced straight out of the memory map.
    """
    if len(parts) > 15:
        raise ValueError("at most 15 bins")
    out = [bytes([0x90 | len(parts)])]
    for part in parts:
        out.append(b"\xc6" + len(part).to_bytes(4, "big"))
        out.append(part)
    return b"".join(out)


def bins_view(body: memoryview, count: int, path: Path) -> list[memoryview]:
    """Zero-copy payloads of a body written by `pack_bins` with `count` parts."""
    if len(body) < 1 or body[0] != 0x90 | count:
        raise CorruptIndexError(path, f"body is not an array of {count} bins")
    at = 1
    parts: list[memoryview] = []
    for _ in range(count):
        if at + 5 > len(body) or body[at] != 0xC6:
            raise CorruptIndexError(path, "truncated bin header")
        size = int.from_bytes(body[at + 1 : at + 5], "big")
        at += 5
        if at + size > len(body):
            raise CorruptIndexError(path, "bin runs past the end of the file")
        parts.append(body[at : at + size])
        at += size
    if at != len(body):
        raise CorruptIndexError(path, "trailing bytes after the body")
    return parts


# -- bodies whose bins are kept out of line (zero-copy reading) -------------------------------

_BIN_REF = "$bin"


def encode_file_split(component: str, body: Any, segment_id: bytes = NO_SEGMENT) -> bytes:
    """Like `encode_file`, but every bytes value of `body` is moved out of the msgpack part.

    The body becomes two bins: a msgpack tree in which each bytes value is replaced by
    ``{"$bin": [offset, length]}``, and the concatenation of those values. `decode_split`
    puts views into the memory map back in their place, so large columns (term blobs,
    prefixes, statistics) are never copied when a segment opens.
    """
    chunks: list[bytes] = []
    size = 0

    def lift(node: Any) -> Any:
        nonlocal size
        if isinstance(node, bytes | bytearray | memoryview):
            ref = {_BIN_REF: [size, len(node)]}
            chunks.append(bytes(node))
            size += len(node)
            return ref
        if isinstance(node, dict):
            return {key: lift(value) for key, value in node.items()}
        if isinstance(node, list | tuple):
            return [lift(value) for value in node]
        return node

    tree = lift(body)
    data = header_bytes(component, segment_id) + pack_bins([pack(tree), b"".join(chunks)])
    return seal(data)


def is_split(body: memoryview) -> bool:
    """Whether a file body was written by `encode_file_split` (a msgpack map is not)."""
    return len(body) > 0 and body[0] == 0x92


def decode_split(body: memoryview, path: Path) -> Any:
    """The tree of an `encode_file_split` body, with memoryviews for its bytes values."""
    tree_bin, data = bins_view(body, 2, path)
    tree = unpack(tree_bin, path)

    def place(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get(_BIN_REF)
            if ref is not None and len(node) == 1:
                if not (isinstance(ref, list) and len(ref) == 2):
                    raise CorruptIndexError(path, "malformed bin reference")
                offset, length = ref
                if not (isinstance(offset, int) and isinstance(length, int)):
                    raise CorruptIndexError(path, "malformed bin reference")
                if offset < 0 or length < 0 or offset + length > len(data):
                    raise CorruptIndexError(path, "bin reference past the end of the body")
                return data[offset : offset + length]
            return {key: place(value) for key, value in node.items()}
        if isinstance(node, list):
            return [place(value) for value in node]
        return node

    return place(tree)
