"""Read-only access to one committed segment.

Opening maps every file at once (cheap: nothing is read yet) so that a writer deleting
obsolete files afterwards cannot pull them from under this reader, then decodes the term
dictionaries and the deletions, the only parts every query needs. Postings, stored documents,
ids and numeric columns are decoded on first use. Checksums of files up to
`EAGER_VERIFY_BYTES` are verified at open; larger ones are verified by `verify()` (the
`check` command, merges), which keeps opening a big index fast. Every decoding error is
reported as `CorruptIndexError` naming the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from pyroaring import FrozenBitMap

from .. import codec
from ..cache import ByteBudgetCache
from ..errors import CorruptIndexError, MissingFileError
from ..packed import PackedStrings
from ..postings import TermPostings
from ..schema import FieldKind, Schema
from ..storage import MappedFile
from ..termdict import FieldTerms
from .meta import SEGMENT_FILES, Component, SegmentMeta

if TYPE_CHECKING:
    from .short_terms import TermColumns

# Segments up to this many documents keep their ids as one list (about 1 MB at most).
ID_LIST_MAX_DOCS = 16384

EAGER_VERIFY_BYTES = 32 * 1024 * 1024
# Bytes of looked-up postings kept per reader (LRU). An entry saves a dictionary lookup (a few
# microseconds, per term and segment of every query); its columns are views over the memory
# map, except gap-coded doc ids (short lists), decoded once. Roaring-coded ones are copied out
# per access, never kept (postings.py). An entry is counted as its decoded bytes plus the
# objects themselves: a `TermPostings` with its `TermEntry` and key (tracemalloc: 540-550
# bytes per entry in all, with the cache's own ENTRY_OVERHEAD).
POSTINGS_CACHE_BYTES = 16 * 1024 * 1024
POSTINGS_OBJECT_BYTES = 512  # with headroom for other Python versions
_EMPTY_BITMAP = FrozenBitMap()


class SegmentReader:
    """An immutable view of one segment at one deletes generation."""

    def __init__(self, index_dir: Path, meta: SegmentMeta, schema: Schema) -> None:
        self.index_dir = index_dir
        self.meta = meta
        self.schema = schema
        self._maps: dict[Component, MappedFile] = {}
        self._present_masks: dict[str, npt.NDArray[np.bool_]] = {}
        self._postings_cache: ByteBudgetCache[TermPostings | None] = ByteBudgetCache(
            POSTINGS_CACHE_BYTES
        )
        self._bodies: dict[Component, memoryview] = {}
        try:
            for component in SEGMENT_FILES:
                self._open(component)
            self.deleted = self._read_deletes()
            self._terms = self._read_terms()
        except BaseException:
            self.close()
            raise

    def _open(self, component: Component) -> None:
        path = self.meta.path(self.index_dir, component)
        mapped = _map(path)
        self._maps[component] = mapped
        expected = self.meta.files.get(component.value)
        if expected is not None and expected.size != len(mapped):
            raise CorruptIndexError(
                path, f"size {len(mapped)} differs from the manifest's {expected.size}"
            )
        verify = len(mapped) <= EAGER_VERIFY_BYTES
        self._bodies[component] = codec.check_file(
            mapped.data, path, component.value, self.meta.id_bytes, verify_checksum=verify
        )
        if verify:
            mapped.release_pages()

    def verify(self) -> None:
        """Verify every file's checksum against its footer and the manifest."""
        for component, mapped in self._maps.items():
            codec.check_file(mapped.data, mapped.path, component.value, self.meta.id_bytes)
            expected = self.meta.files.get(component.value)
            if expected is not None and expected.crc != codec.file_crc(mapped.data):
                raise CorruptIndexError(mapped.path, "checksum differs from the manifest's")

    def _path(self, component: Component) -> Path:
        return self.meta.path(self.index_dir, component)

    def _decode(self, component: Component) -> Any:
        body, path = self._bodies[component], self._path(component)
        return codec.decode_split(body, path) if codec.is_split(body) else codec.unpack(body, path)

    def _read_deletes(self) -> FrozenBitMap:
        if self.meta.del_gen == 0:
            return _EMPTY_BITMAP
        path = self._path(Component.DELETES)
        mapped = _map(path)
        try:
            body = codec.check_file(mapped.data, path, Component.DELETES.value, self.meta.id_bytes)
            data = codec.unpack(body, path)
            deleted = FrozenBitMap.deserialize(data)
        except (ValueError, TypeError) as exc:
            raise CorruptIndexError(path, f"bad deletions bitmap ({exc})") from None
        finally:
            mapped.close()
        if len(deleted) != self.meta.del_count or (
            deleted and deleted.max() >= self.meta.doc_count
        ):
            raise CorruptIndexError(path, "deletions do not match the manifest")
        return deleted

    def _read_terms(self) -> dict[str, FieldTerms]:
        path = self._path(Component.TERMS)
        body = self._decode(Component.TERMS)
        try:
            return {str(name): FieldTerms(fields) for name, fields in body["fields"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptIndexError(path, f"bad term dictionary ({exc})") from None

    @property
    def doc_count(self) -> int:
        """Documents in the segment, deleted ones included (doc numbers are 0..doc_count-1)."""
        return self.meta.doc_count

    @property
    def live_count(self) -> int:
        return self.meta.doc_count - len(self.deleted)

    def terms(self, field: str) -> FieldTerms | None:
        return self._terms.get(field)

    def postings(self, field: str, ordinal: int) -> TermPostings:
        terms = self._terms[field]
        try:
            return TermPostings(self._postings_payload, terms.entry(ordinal), self._postings_path)
        except (ValueError, TypeError) as exc:
            raise CorruptIndexError(self._postings_path, f"bad postings ({exc})") from None

    def field_postings(
        self, field: str, with_positions: bool, lo: int = 0, hi: int | None = None
    ) -> TermColumns:
        """The postings of the terms of `field` with ordinals `lo` to `hi` (merges read
        whole ranges of terms)."""
        from .short_terms import DECODE_COLUMNS, decode_terms  # merges only: not at start-up

        terms = self._terms[field]
        entries = {name: terms.column(name, lo, hi) for name in DECODE_COLUMNS}
        payload = self._postings_payload
        # Only the bytes of these records: from the first one to the next term's record
        # (offsets ascend with ordinals), or to the end when that does not bound them.
        offsets = entries["offset"]
        start, end = (int(offsets.min()), len(payload)) if len(offsets) else (0, 0)
        if hi is not None and hi < len(terms):
            after = int(terms.column("offset", hi, hi + 1)[0])
            end = after if len(offsets) and after > int(offsets.max()) else end
        entries["offset"] = offsets.astype(np.int64) - start
        try:
            return decode_terms(payload[start:end], entries, with_positions)
        except (ValueError, TypeError, IndexError) as exc:
            raise CorruptIndexError(self._postings_path, f"bad postings ({exc})") from None

    @cached_property
    def _postings_path(self) -> Path:
        return self._path(Component.POSTINGS)

    def term_postings(self, field: str, term: str) -> TermPostings | None:
        """The term's postings, looked up once and kept in a per-reader cache (see above)."""
        key = (field, term)
        cache = self._postings_cache
        postings = cache.get(key)
        if postings is not None or key in cache:
            return postings
        terms = self._terms.get(field)
        ordinal = -1 if terms is None else terms.index_of(term)
        postings = None if ordinal < 0 else self.postings(field, ordinal)
        size = 0 if postings is None else POSTINGS_OBJECT_BYTES + postings.decoded_nbytes
        cache.put(key, postings, size)
        return postings

    @cached_property
    def _postings_payload(self) -> memoryview:
        body = self._bodies[Component.POSTINGS]
        return codec.bins_view(body, 1, self._path(Component.POSTINGS))[0]

    @cached_property
    def _norms(self) -> dict[str, npt.NDArray[Any]]:
        body = self._decode(Component.NORMS)
        try:
            out = {str(k): codec.decode_uints(v[1], int(v[0])) for k, v in body.items()}
        except (IndexError, TypeError, ValueError) as exc:
            raise CorruptIndexError(self._path(Component.NORMS), f"bad norms ({exc})") from None
        for name, lengths in out.items():
            if len(lengths) != self.doc_count:
                raise CorruptIndexError(self._path(Component.NORMS), f"{name}: wrong length count")
        return out

    def field_lengths(self, field: str) -> npt.NDArray[Any]:
        """Number of indexed terms of `field` in every document (deleted ones included)."""
        return self._norms[field]

    @cached_property
    def _ids(self) -> Sequence[str]:
        """External ids by doc number: decoded when accessed, or all at once for a small
        segment, where a list of a few thousand strings costs less than decoding each page
        of hits (a tenth of a small collection's query time)."""
        path = self._path(Component.IDS)
        body = self._decode(Component.IDS)
        ids: Sequence[str]
        if isinstance(body, list):  # format 1: a msgpack array of str
            ids = body
        else:
            try:
                ids = PackedStrings(body)
                if len(ids) <= ID_LIST_MAX_DOCS:
                    ids = list(ids)
            except (KeyError, TypeError, ValueError) as exc:
                raise CorruptIndexError(path, f"bad ids ({exc})") from None
        if len(ids) != self.doc_count:
            raise CorruptIndexError(path, "id list does not match the segment")
        return ids

    def external_id(self, doc: int) -> str:
        return self._ids[doc]

    def external_ids(self, docs: list[int]) -> list[str]:
        """The ids of `docs` (a page of hits), decoded together."""
        ids = self._ids
        return ids.take(docs) if isinstance(ids, PackedStrings) else [ids[doc] for doc in docs]

    @cached_property
    def _doc_numbers(self) -> dict[str, int]:
        deleted = self.deleted
        return {doc_id: n for n, doc_id in enumerate(self._ids) if n not in deleted}

    def doc_number(self, doc_id: str) -> int | None:
        """The live document with external id `doc_id` in this segment, if any."""
        return self._doc_numbers.get(doc_id)

    def live_ids(self) -> list[str]:
        return list(self._doc_numbers)

    @cached_property
    def _stored(self) -> tuple[npt.NDArray[np.uint64], memoryview]:
        path = self._path(Component.DOCS)
        offsets_bin, blob = codec.bins_view(self._bodies[Component.DOCS], 2, path)
        offsets = np.frombuffer(offsets_bin, dtype="<u8")
        if len(offsets) != self.doc_count + 1 or (len(offsets) and int(offsets[-1]) != len(blob)):
            raise CorruptIndexError(path, "stored-document offsets do not match the data")
        return offsets, blob

    def stored_blob(self, doc: int) -> bytes:
        """The encoded (msgpack) stored fields of `doc`, as written (merges copy them as is)."""
        offsets, blob = self._stored
        return bytes(blob[int(offsets[doc]) : int(offsets[doc + 1])])

    def stored_fields(self, doc: int) -> dict[str, Any]:
        fields = codec.unpack(self.stored_blob(doc), self._path(Component.DOCS))
        if not isinstance(fields, dict):
            raise CorruptIndexError(self._path(Component.DOCS), f"document {doc} is not a map")
        return fields

    @cached_property
    def _values(self) -> Mapping[str, tuple[npt.NDArray[Any], FrozenBitMap]]:
        body = self._decode(Component.VALUES)
        out: dict[str, tuple[npt.NDArray[Any], FrozenBitMap]] = {}
        try:
            for name, column in body.items():
                data = np.frombuffer(column["data"], dtype=np.dtype(column["dtype"]))
                out[str(name)] = (data, FrozenBitMap.deserialize(column["present"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptIndexError(
                self._path(Component.VALUES), f"bad numeric column ({exc})"
            ) from None
        return out

    def numeric_values(self, field: str) -> tuple[npt.NDArray[Any], FrozenBitMap]:
        """(value per doc number, docs that have a value) of a numeric field."""
        if self.schema[field].kind is not FieldKind.NUMERIC:
            raise ValueError(f"{field!r} is not a numeric field")
        return self._values[field]

    def numeric_present(self, field: str) -> npt.NDArray[np.bool_]:
        """`numeric_values`' present set as a boolean mask by doc number (built once)."""
        mask = self._present_masks.get(field)
        if mask is None:
            _, present = self.numeric_values(field)
            mask = _mask(present, self.doc_count)
            self._present_masks[field] = mask
        return mask

    @cached_property
    def live_mask(self) -> npt.NDArray[np.bool_] | None:
        """True for live doc numbers; None when nothing is deleted (the common case).

        Built once per reader, so queries filter deletions with one vectorised lookup.
        """
        return ~_mask(self.deleted, self.doc_count) if self.deleted else None

    def close(self) -> None:
        self._postings_cache.clear()
        self.__dict__.pop("_postings_payload", None)
        self.__dict__.pop("_stored", None)
        self._bodies.clear()
        for mapped in self._maps.values():
            mapped.close()
        self._maps.clear()


def _map(path: Path) -> MappedFile:
    try:
        return MappedFile(path)
    except FileNotFoundError:
        raise MissingFileError(path) from None


def _mask(bitmap: FrozenBitMap, size: int) -> npt.NDArray[np.bool_]:
    mask = np.zeros(size, dtype=bool)
    if bitmap:
        mask[np.frombuffer(bitmap.to_array(), dtype=np.uint32)] = True
    return mask
