"""The exceptions a caller can act on, all rooted at `MinisearchError`.

Each subclass names one situation a program (or the CLI) handles differently: a corrupt file
needs restoring from a backup, a locked index needs waiting, a too-new format needs upgrading
the package. Messages always name the file or the value at fault, so the CLI can print them
as its one line on stderr.
"""

from __future__ import annotations

from pathlib import Path


class MinisearchError(Exception):
    """Root of every error minisearch raises on purpose."""


class IndexNotFoundError(MinisearchError):
    """The path holds no minisearch index (missing directory, or no manifest in it)."""


class CorruptIndexError(MinisearchError):
    """A file of the index fails its checksum or its structure; `path` names it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"corrupt index file {self.path}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (CorruptIndexError, (self.path, self.reason))


class IndexFormatError(MinisearchError):
    """A file has a format version this package cannot read."""

    def __init__(self, path: Path | str, version: int, oldest: int, newest: int, why: str) -> None:
        self.path = Path(path)
        self.version = version
        self._args = (path, version, oldest, newest)
        super().__init__(
            f"{self.path}: index format version {version} is {why} "
            f"(this minisearch reads versions {oldest} to {newest})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), self._args)


class IndexFormatTooOldError(IndexFormatError):
    """Written by a minisearch older than the oldest format this one still reads."""

    def __init__(self, path: Path | str, version: int, oldest: int, newest: int) -> None:
        super().__init__(path, version, oldest, newest, "too old")


class IndexFormatTooNewError(IndexFormatError):
    """Written by a newer minisearch; upgrade the package to read it."""

    def __init__(self, path: Path | str, version: int, oldest: int, newest: int) -> None:
        super().__init__(path, version, oldest, newest, "too new")


class IndexLockedError(MinisearchError):
    """Another writer holds the index's write lock."""

    def __init__(self, lock_path: Path | str, holder: str) -> None:
        self.lock_path = Path(lock_path)
        self.holder = holder
        super().__init__(
            f"index is locked by another writer ({holder}); lock file {self.lock_path}"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (IndexLockedError, (self.lock_path, self.holder))


class IndexExistsError(MinisearchError):
    """`Index.create` was pointed at a directory that already holds an index."""


class SchemaError(MinisearchError):
    """A schema is invalid, or a document does not fit the index's schema."""


class AnalyzerConfigError(MinisearchError):
    """An analyzer configuration names a step, language or option this version does not know."""


class QuerySyntaxError(MinisearchError):
    """A query string cannot be parsed; `position` is the 0-based character offset of the fault."""

    def __init__(self, message: str, position: int, query: str = "") -> None:
        self.message = message
        self.position = position
        self.query = query
        super().__init__(f"{message} at position {position}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.message, self.position, self.query))


class UnknownFieldError(QuerySyntaxError):
    """A query names a field the schema does not have."""


class WriterClosedError(MinisearchError):
    """An `IndexWriter` was used after commit-and-close or rollback-and-close."""


class MissingFileError(CorruptIndexError):
    """A file the commit names is gone: corruption, unless a newer commit replaced it."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(path, "file is missing")

    def __reduce__(self) -> tuple[object, ...]:
        return (MissingFileError, (self.path,))


class KernelError(MinisearchError):
    """The kernel asked for (``MINISEARCH_KERNEL``) is unknown, or numba is not installed."""
