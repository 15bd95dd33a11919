"""The write lock: one writer per index, across processes.

The lock is an advisory ``flock`` on ``write.lock``, so the kernel releases it when the
holding process dies, however it dies: a lock left by a killed writer is simply free again,
and no stale-pid guessing is needed. The file also records who holds it (pid, host, time),
for the error message of the writer that has to wait. POSIX only (Linux, macOS); Windows
would need ``msvcrt.locking`` instead.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import IndexLockedError

LOCK_NAME = "write.lock"


class WriteLock:
    """Held from `acquire` until `release` (or the death of the process)."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout: float = 0.0) -> None:
        """Take the lock, waiting up to `timeout` seconds; `IndexLockedError` after that."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(timeout, 0.0)
        delay = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise IndexLockedError(self.path, holder) from None
                time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
                delay = min(delay * 2, 0.25)
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            f"pid={os.getpid()} host={os.uname().nodename} since={time.time():.0f}\n".encode(),
            0,
        )
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "holder unknown"
