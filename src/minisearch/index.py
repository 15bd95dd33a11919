"""The `Index` facade: create or open an index directory, get writers and searchers.

This is the small public surface most programs need; it holds no state beyond the path and
a cached searcher, and delegates everything to the writer, searcher and commit modules.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import codec
from .analysis import AnalyzerConfig
from .commit import CommitPoint, generations, read_latest, write_commit
from .errors import IndexExistsError, IndexNotFoundError
from .lock import WriteLock
from .query.ast import Query
from .query.explain import Explanation
from .schema import Schema
from .scoring import Bm25Params
from .searcher import Searcher, SearchResults

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .merge import LogMergePolicy
    from .writer import IndexWriter

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """A summary of the newest commit, for `minisearch info`."""

    path: str
    format_version: int
    generation: int
    documents: int
    deleted: int
    segments: int
    fields: list[dict[str, Any]]
    terms: dict[str, int]
    size_bytes: int
    analyzer: dict[str, Any]


class Index:
    """An index directory. Cheap to construct; readers and writers do the work."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        commit = read_latest(self.path)
        self._schema = commit.schema
        self._analyzer = dict(commit.analyzer)
        self._searcher: Searcher | None = None

    @classmethod
    def create(
        cls,
        path: PathLike,
        *,
        schema: Schema | None = None,
        analyzer: AnalyzerConfig | None = None,
    ) -> Index:
        """Create an empty index (generation 1, no segments) in a new or empty directory."""
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        if generations(directory):
            raise IndexExistsError(f"{directory} already holds an index; open it with Index.open")
        lock = WriteLock(directory)
        lock.acquire()
        try:
            commit = CommitPoint(
                generation=1,
                schema=schema or Schema.default(),
                analyzer=(analyzer or AnalyzerConfig()).to_dict(),
                segments=(),
            )
            write_commit(directory, commit)
        finally:
            lock.release()
        return cls(directory)

    @classmethod
    def open(cls, path: PathLike) -> Index:
        """Open an existing index; `IndexNotFoundError` if `path` holds none."""
        return cls(path)

    @classmethod
    def exists(cls, path: PathLike) -> bool:
        try:
            return bool(generations(Path(path)))
        except IndexNotFoundError:
            return False

    @property
    def schema(self) -> Schema:
        return self._schema

    @property
    def analyzer_config(self) -> AnalyzerConfig:
        return AnalyzerConfig.from_dict(self._analyzer)

    def writer(
        self,
        *,
        memory_budget_mb: float | None = None,
        lock_timeout: float = 0.0,
        merge_policy: LogMergePolicy | Literal["default"] | None = "default",
        workers: int | None = None,
        executor: Executor | None = None,
    ) -> IndexWriter:
        """The index's single writer; `IndexLockedError` if another holds the lock.

        `memory_budget_mb` defaults to the writer's (512 MB of buffered postings).
        `merge_policy=None` turns automatic merging off (segments then only merge on
        `writer.merge()`). `workers` > 1 (0: one per CPU) builds segments in worker
        processes, on `executor` if one is given; the results are the same.
        """
        # Imported here: programs that only search (the CLI's search) never load the writer.
        from .writer import IndexWriter

        options: dict[str, Any] = {
            "lock_timeout": lock_timeout,
            "workers": workers,
            "executor": executor,
        }
        if memory_budget_mb is not None:
            options["memory_budget_mb"] = memory_budget_mb
        if merge_policy != "default":
            options["merge_policy"] = merge_policy
        return IndexWriter(self.path, **options)

    def searcher(self, *, params: Bm25Params | None = None) -> Searcher:
        """A new snapshot of the newest commit; the caller closes it."""
        return Searcher.open(self.path, params=params)

    def search(
        self,
        query: str | Query,
        k: int = 10,
        *,
        offset: int = 0,
        fields: Sequence[str] | None = None,
        default_operator: Literal["OR", "AND"] = "OR",
        with_snippets: bool = False,
        syntax: bool = True,
    ) -> SearchResults:
        """Search the newest commit (a cached searcher, refreshed when a commit lands)."""
        return self._current().search(
            query,
            k,
            offset=offset,
            fields=fields,
            default_operator=default_operator,
            with_snippets=with_snippets,
            syntax=syntax,
        )

    def _current(self) -> Searcher:
        if self._searcher is None:
            self._searcher = Searcher.open(self.path)
        else:
            fresh = self._searcher.refresh()
            if fresh is not self._searcher:
                self._searcher.close()
                self._searcher = fresh
        return self._searcher

    def explain(self, query: str | Query, doc_id: str) -> Explanation | None:
        """Why `doc_id` gets its score for `query`; the value equals the searched score."""
        return self._current().explain(query, doc_id)

    def more_like_this(self, doc_id: str, k: int = 10) -> SearchResults:
        """Documents most similar to `doc_id` (its most distinctive terms as a query)."""
        return self._current().more_like_this(doc_id, k)

    def did_you_mean(self, text: str) -> str | None:
        return self._current().did_you_mean(text)

    def info(self) -> IndexInfo:
        with self.searcher() as searcher:
            commit = searcher.commit
            terms: dict[str, int] = {}
            for f in commit.schema.fields:
                count = 0
                for seg in searcher.segments:
                    field_terms = seg.terms(f.name)
                    count += len(field_terms) if field_terms is not None else 0
                if f.indexed and f.kind.value in ("text", "keyword"):
                    terms[f.name] = count
            size = 0
            for name in commit.referenced_files():
                with contextlib.suppress(FileNotFoundError):
                    size += (self.path / name).stat().st_size
            return IndexInfo(
                path=str(self.path),
                format_version=codec.FORMAT_VERSION,
                generation=commit.generation,
                documents=commit.doc_count,
                deleted=sum(s.del_count for s in commit.segments),
                segments=len(commit.segments),
                fields=[f.to_dict() for f in commit.schema.fields],
                terms=terms,
                size_bytes=size,
                analyzer=dict(commit.analyzer),
            )

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def latest_commit(path: PathLike) -> CommitPoint:
    return read_latest(Path(path))
