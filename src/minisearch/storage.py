"""Durable file operations: write-once files, atomic renames, directory fsync, memory maps.

The commit protocol (see commit.py) relies on three guarantees from here: a file written with
`write_durable` is completely on disk before the call returns; `atomic_publish` makes a file
appear under its final name all at once (rename) and durably (directory fsync); and
`map_file` gives read-only access whose pages stay valid even after a writer unlinks the
file (POSIX semantics; on Windows an open map keeps the file from being deleted instead).
"""

from __future__ import annotations

import contextlib
import mmap
import os
from pathlib import Path

_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in `path` durable (no-op where directories can't be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes) -> None:
    """Create `path` (which must not exist) with `data`, and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_publish(path: Path, data: bytes) -> None:
    """Write `data` under a temporary name, then rename it to `path`: readers see all or nothing."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    write_durable(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)


class MappedFile:
    """A read-only memory map of a whole file; `data` is a zero-copy buffer over it.

    Empty files cannot be mapped, so they are represented by an empty bytes object.
    """

    __slots__ = ("_mmap", "data", "path")

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                self._mmap: mmap.mmap | None = None
                self.data: memoryview = memoryview(b"")
            else:
                self._mmap = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                self.data = memoryview(self._mmap)

    def __len__(self) -> int:
        return len(self.data)

    def release_pages(self) -> None:
        """Let the process drop the pages read so far; they come back on the next access.

        Verifying a file at open reads all of it, and those pages would otherwise count in
        the process's resident memory for as long as the map lives, although a query touches
        a few of them. ``MADV_DONTNEED`` on a read-only shared map leaves them in the page
        cache; where the system lacks it, nothing happens.
        """
        if self._mmap is not None and _DONTNEED is not None:
            with contextlib.suppress(OSError, ValueError):
                self._mmap.madvise(_DONTNEED)

    def close(self) -> None:
        """Release the map; fails silently while numpy views of it are still alive."""
        self.data.release()
        if self._mmap is not None:
            with contextlib.suppress(BufferError):
                self._mmap.close()
