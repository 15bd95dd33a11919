"""Shared helpers for the test suite: where the seeds and datasets live, and small builders.

Every test works on real files under `tmp_path`; nothing here mocks storage. Tests never
write into the repository: fixtures that ship with it (seeds, tests/fixtures) are copied first.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATASETS = REPO.parent / "shared" / "datasets"

# The writer fsyncs every file it writes (about ten fsyncs per segment), which costs ~10 ms
# each on an ordinary disk and dominates the suite's run time. Unless told otherwise, put
# pytest's temporary directories on tmpfs (/dev/shm) where fsync is free: the tests still use
# real files, mmap, rename and flock, only faster. MINISEARCH_TEST_ON_DISK=1 keeps the default.
_SHM = Path("/dev/shm")
if (
    not os.environ.get("MINISEARCH_TEST_ON_DISK")
    and "PYTEST_DEBUG_TEMPROOT" not in os.environ
    and _SHM.is_dir()
    and os.access(_SHM, os.W_OK)
):
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(_SHM)


def copy_tree_writable(src: Path, dst: Path) -> Path:
    """Copy `src` to `dst` and make every copy writable (the repo's seeds are read-only)."""
    shutil.copytree(src, dst)
    for root, dirs, files in os.walk(dst):
        for name in dirs + files:
            p = Path(root) / name
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
    dst.chmod(dst.stat().st_mode | stat.S_IWUSR)
    return dst


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A writable copy of the repository's `seeds/` corpus (5 plain-text files)."""
    return copy_tree_writable(SEEDS, tmp_path / "seeds")


def flip_bit(path: Path, offset: int, bit: int = 0) -> None:
    """Flip one bit of the byte at `offset` (negative offsets count from the end)."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    path.write_bytes(bytes(data))


def truncate(path: Path, size: int) -> None:
    data = path.read_bytes()
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    path.write_bytes(data[:size])


def open_writer(index_path: Path, *, merge: bool = False, **kwargs: object):  # type: ignore[no-untyped-def]
    """An `IndexWriter` on `index_path`; without `merge`, the automatic merge policy is off,
    so that tests which need several segments really get them."""
    import inspect

    from minisearch.writer import IndexWriter

    if not merge and "merge_policy" in inspect.signature(IndexWriter).parameters:
        kwargs["merge_policy"] = None
    return IndexWriter(Path(index_path), **kwargs)  # type: ignore[arg-type]
