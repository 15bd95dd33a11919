"""What a manifest records about one segment, and where its files live.

A segment is a directory ``seg-<id>`` of immutable files named by `Component`. Deletions are
the one thing that changes after a segment is written, so they live in their own file,
``deletes-<generation>``, replaced (never edited) by each commit that deletes more.
`SegmentMeta` is a value: a commit holds a tuple of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any


class Component(StrEnum):
    TERMS = "terms"
    POSTINGS = "postings"
    NORMS = "norms"
    VALUES = "values"
    DOCS = "docs"
    IDS = "ids"
    DELETES = "deletes"


SEGMENT_FILES = (
    Component.TERMS,
    Component.POSTINGS,
    Component.NORMS,
    Component.VALUES,
    Component.DOCS,
    Component.IDS,
)


@dataclass(frozen=True, slots=True)
class FileInfo:
    size: int
    crc: int

    def to_list(self) -> list[int]:
        return [self.size, self.crc]


def new_segment_id() -> str:
    """Random 128-bit ids: a crashed writer's leftovers can never collide with a new segment."""
    return os.urandom(16).hex()  # what secrets.token_hex does, without importing hashlib


#: `SegmentMeta.extra` key: field -> sum of its lengths over all the segment's documents.
LENGTH_SUMS = "length_sums"


@dataclass(frozen=True, slots=True)
class SegmentMeta:
    id: str
    doc_count: int
    files: Mapping[str, FileInfo]
    del_gen: int = 0
    del_count: int = 0
    del_file: FileInfo | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def length_sum(self, field_name: str) -> int | None:
        """Sum of the field's lengths over every document (deleted ones too), as written with
        the segment; None for segments written before it was recorded. Average lengths then
        need no pass over the norms."""
        sums = self.extra.get(LENGTH_SUMS)
        value = sums.get(field_name) if isinstance(sums, Mapping) else None
        return value if isinstance(value, int) else None

    @property
    def id_bytes(self) -> bytes:
        return bytes.fromhex(self.id)

    @property
    def live_count(self) -> int:
        return self.doc_count - self.del_count

    @property
    def dirname(self) -> str:
        return f"seg-{self.id}"

    def path(self, index_dir: Path, component: Component) -> Path:
        if component is Component.DELETES:
            return index_dir / self.dirname / f"deletes-{self.del_gen}"
        return index_dir / self.dirname / component.value

    def all_files(self) -> dict[str, FileInfo]:
        """Relative file name -> info, for checks and for the deletion policy."""
        out = {f"{self.dirname}/{name}": info for name, info in self.files.items()}
        if self.del_file is not None:
            out[f"{self.dirname}/deletes-{self.del_gen}"] = self.del_file
        return out

    def with_deletes(self, del_gen: int, del_count: int, info: FileInfo) -> SegmentMeta:
        return replace(self, del_gen=del_gen, del_count=del_count, del_file=info)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_count": self.doc_count,
            "files": {name: info.to_list() for name, info in self.files.items()},
            "del_gen": self.del_gen,
            "del_count": self.del_count,
            "del_file": self.del_file.to_list() if self.del_file else None,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SegmentMeta:
        del_file = data.get("del_file")
        return cls(
            id=str(data["id"]),
            doc_count=int(data["doc_count"]),
            files={str(k): FileInfo(int(v[0]), int(v[1])) for k, v in data["files"].items()},
            del_gen=int(data["del_gen"]),
            del_count=int(data["del_count"]),
            del_file=FileInfo(int(del_file[0]), int(del_file[1])) if del_file else None,
            extra=dict(data.get("extra") or {}),
        )
