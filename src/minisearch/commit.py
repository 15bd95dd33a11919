"""Commit points: the manifest of generation N names the live set of segment files.

A commit never edits a file. The writer writes new segment files and fsyncs them, then
publishes ``manifest-<N+1>`` atomically (temporary name, fsync, rename, directory fsync).
Readers open the highest generation; since a manifest only appears under its final name
once it is complete, a crash at any instant leaves the previous commit intact. Files that
no manifest references any more are removed by the writer (`obsolete_files`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import codec
from .errors import CorruptIndexError, IndexNotFoundError
from .schema import Schema
from .segment.meta import SegmentMeta
from .storage import atomic_publish

MANIFEST = "manifest"
_MANIFEST_NAME = re.compile(r"^manifest-(\d+)$")


@dataclass(frozen=True, slots=True)
class CommitPoint:
    """One generation of the index: schema, analyzer configuration and live segments."""

    generation: int
    schema: Schema
    analyzer: Mapping[str, Any]
    segments: tuple[SegmentMeta, ...]
    committed_at: float = 0.0
    user_data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def doc_count(self) -> int:
        return sum(s.live_count for s in self.segments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": codec.FORMAT_VERSION,
            "generation": self.generation,
            "committed_at": self.committed_at,
            "schema": self.schema.to_dict(),
            "analyzer": dict(self.analyzer),
            "segments": [s.to_dict() for s in self.segments],
            "user_data": dict(self.user_data),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CommitPoint:
        return cls(
            generation=int(data["generation"]),
            schema=Schema.from_dict(data["schema"]),
            analyzer=dict(data["analyzer"]),
            segments=tuple(SegmentMeta.from_dict(s) for s in data["segments"]),
            committed_at=float(data["committed_at"]),
            user_data=dict(data.get("user_data") or {}),
        )

    def next(self, segments: Iterable[SegmentMeta], **user_data: Any) -> CommitPoint:
        return CommitPoint(
            generation=self.generation + 1,
            schema=self.schema,
            analyzer=self.analyzer,
            segments=tuple(segments),
            committed_at=time.time(),
            user_data={**self.user_data, **user_data},
        )

    def referenced_files(self) -> set[str]:
        names = {manifest_name(self.generation)}
        for segment in self.segments:
            names.update(segment.all_files())
        return names


def manifest_name(generation: int) -> str:
    return f"{MANIFEST}-{generation}"


def generations(index_dir: Path) -> list[int]:
    """Generations of the complete manifests in `index_dir`, ascending."""
    try:
        names = [entry.name for entry in index_dir.iterdir()]
    except FileNotFoundError:
        raise IndexNotFoundError(f"no index at {index_dir}: directory does not exist") from None
    except NotADirectoryError:
        raise IndexNotFoundError(f"no index at {index_dir}: not a directory") from None
    return sorted(int(m.group(1)) for n in names if (m := _MANIFEST_NAME.match(n)))


def read_commit(index_dir: Path, generation: int) -> CommitPoint:
    path = index_dir / manifest_name(generation)
    data = path.read_bytes()
    body = codec.check_file(data, path, MANIFEST)
    decoded = codec.unpack(body, path)
    try:
        commit = CommitPoint.from_dict(decoded)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorruptIndexError(path, f"bad manifest ({exc!r})") from None
    if commit.generation != generation:
        raise CorruptIndexError(path, f"claims generation {commit.generation}")
    return commit


def read_latest(index_dir: Path) -> CommitPoint:
    """The newest commit; `IndexNotFoundError` when the directory holds none."""
    gens = generations(index_dir)
    if not gens:
        raise IndexNotFoundError(f"no index at {index_dir}: no manifest found")
    return read_commit(index_dir, gens[-1])


def write_commit(index_dir: Path, commit: CommitPoint) -> None:
    """Publish `commit` atomically; the segment files it names must already be durable."""
    data = codec.encode_file(MANIFEST, commit.to_dict())
    atomic_publish(index_dir / manifest_name(commit.generation), data)
