"""One writer per index, across threads and processes; commit on success, rollback on error.

The lock is a real `flock` on write.lock, tested with real second writers: in this process,
in a subprocess, and held by a subprocess killed with SIGKILL (the kernel must free it).
The `with index.writer()` block publishes everything or nothing; an id added twice keeps
its last version.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import open_writer

from minisearch import Index, IndexLockedError, Schema, TextField
from minisearch.commit import generations, read_latest
from minisearch.errors import WriterClosedError

SCHEMA = Schema([TextField("title"), TextField("body")])


@pytest.fixture
def index(tmp_path: Path) -> Index:
    return Index.create(tmp_path / "idx", schema=SCHEMA)


def listing(path: Path) -> set[str]:
    """Every file and directory under the index, relative (the lock file excepted)."""
    return {str(p.relative_to(path)) for p in path.rglob("*") if p.name != "write.lock"}


def ids(index: Index, query: str, k: int = 100) -> list[str]:
    return [h.id for h in index.search(query, k=k).hits]


def run_python(code: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


# --- the lock -------------------------------------------------------------------------------


def test_second_writer_in_same_process_is_refused(index: Index) -> None:
    lock_file = index.path / "write.lock"
    with index.writer() as w:
        w.add({"id": "a", "title": "first"})
        with pytest.raises(IndexLockedError) as info:
            index.writer()
        assert info.value.lock_path == lock_file
        message = str(info.value)
        assert str(lock_file) in message
        assert f"pid={os.getpid()}" in message  # who holds it
        # Also through a second Index object on the same directory.
        with pytest.raises(IndexLockedError):
            Index.open(index.path).writer()
    # Released once the block is left: a new writer may open.
    with index.writer():
        pass
    assert ids(index, "first") == ["a"]


def test_second_writer_in_subprocess_is_refused(index: Index) -> None:
    code = f"""
        from minisearch import Index, IndexLockedError
        try:
            Index.open({str(index.path)!r}).writer()
        except IndexLockedError as exc:
            print("LOCKED", exc.lock_path)
            print(exc)
        else:
            print("ACQUIRED")
    """
    with index.writer():
        proc = run_python(code)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == f"LOCKED {index.path / 'write.lock'}", out
    assert f"pid={os.getpid()}" in lines[1]
    # And once released, the subprocess gets it.
    proc = run_python(code)
    out, err = proc.communicate(timeout=60)
    assert out.strip() == "ACQUIRED", out + err


def test_lock_timeout_waits_then_fails(index: Index) -> None:
    with index.writer():
        started = time.monotonic()
        with pytest.raises(IndexLockedError):
            index.writer(lock_timeout=0.6)
        waited = time.monotonic() - started
    assert 0.55 <= waited < 5.0, waited
    # Without a timeout the refusal is immediate.
    with index.writer():
        started = time.monotonic()
        with pytest.raises(IndexLockedError):
            index.writer()
        assert time.monotonic() - started < 0.5


def test_lock_timeout_succeeds_when_released_meanwhile(index: Index) -> None:
    holder = index.writer()
    holder.add({"id": "h", "title": "held"})
    releaser = threading.Timer(0.3, holder.close)
    releaser.start()
    try:
        started = time.monotonic()
        with index.writer(lock_timeout=10.0) as w:
            waited = time.monotonic() - started
            w.add({"id": "b", "title": "second"})
    finally:
        releaser.join()
    assert 0.25 <= waited < 5.0, waited
    assert ids(index, "second") == ["b"]
    assert ids(index, "held") == []  # the first writer closed without committing


def test_lock_of_killed_process_is_free_again(index: Index) -> None:
    code = f"""
        import sys, time
        from minisearch import Index
        w = Index.open({str(index.path)!r}).writer()
        w.add({{"id": "ghost", "title": "never committed"}})
        w.flush()  # leave segment files behind, too
        print("ready", flush=True)
        time.sleep(120)
    """
    proc = run_python(code)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.strip() == "ready", line + (proc.stderr.read() if proc.stderr else "")
        with pytest.raises(IndexLockedError) as info:
            index.writer()
        assert f"pid={proc.pid}" in str(info.value)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # No stale-lock guessing needed: the kernel released the flock with the process.
    with index.writer() as w:  # also removes the dead writer's uncommitted segment
        w.add({"id": "alive", "title": "after the crash"})
    assert ids(index, "crash") == ["alive"]
    assert ids(index, "never committed") == []
    committed = read_latest(index.path).referenced_files()
    assert {p for p in listing(index.path) if "/" not in p} <= committed | {
        name.split("/")[0] for name in committed
    }


# --- commit and rollback ----------------------------------------------------------------------


def test_with_block_commits_on_success(index: Index) -> None:
    before = generations(index.path)
    with index.writer() as w:
        w.add({"id": "a", "title": "alpha", "body": "first document"})
        w.add({"id": "b", "title": "beta", "body": "second document"})
        assert ids(index, "document") == []  # nothing visible before the commit
    assert generations(index.path)[-1] > before[-1]
    assert ids(index, "document") == ["a", "b"]
    assert index.info().documents == 2


def test_with_block_rolls_back_on_exception(index: Index) -> None:
    with index.writer() as w:
        w.add({"id": "keep", "title": "kept", "body": "committed earlier"})
    gen = generations(index.path)
    files = listing(index.path)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), open_writer(index.path, memory_budget_mb=0.0005) as w:
        for i in range(30):  # tiny budget: several segments are flushed to disk first
            w.add({"id": f"tmp{i}", "title": "temporary", "body": "never visible " * 20})
        w.delete("keep")
        assert w.stats.segments_flushed >= 2
        raise Boom

    assert generations(index.path) == gen
    assert listing(index.path) == files, "flushed segments of the rolled back writer remain"
    assert ids(index, "temporary") == []
    assert ids(index, "kept") == ["keep"]
    assert index.info().documents == 1
    with index.writer():  # the lock was released
        pass


def test_explicit_rollback_and_closed_writer(index: Index) -> None:
    w = index.writer()
    w.add({"id": "x", "title": "rolled"})
    w.rollback()
    w.add({"id": "y", "title": "committed"})
    w.commit()
    w.close()
    assert ids(index, "rolled") == []
    assert ids(index, "committed") == ["y"]
    with pytest.raises(WriterClosedError):
        w.add({"id": "z", "title": "late"})
    with pytest.raises(WriterClosedError):
        w.commit()


def test_close_without_commit_discards(index: Index) -> None:
    files = listing(index.path)
    w = index.writer(memory_budget_mb=0.0005)
    for i in range(10):
        w.add({"id": f"d{i}", "title": "discarded " * 30})
    w.close()
    assert ids(index, "discarded") == []
    assert listing(index.path) == files


# --- the same id twice --------------------------------------------------------------------------


@pytest.mark.parametrize("budget", [256.0, 0.0005], ids=["buffered", "flushed-between"])
def test_id_added_twice_in_one_session_keeps_last(index: Index, budget: float) -> None:
    with open_writer(index.path, memory_budget_mb=budget) as w:
        w.add({"id": "dup", "title": "original version", "body": "apples " * 40})
        w.add({"id": "other", "title": "another document", "body": "pears " * 40})
        w.add({"id": "dup", "title": "replacement version", "body": "oranges " * 40})
        assert w.stats.added == 2 and w.stats.updated == 1
    assert index.info().documents == 2
    assert ids(index, "apples") == []
    assert ids(index, "oranges") == ["dup"]
    assert ids(index, "version") == ["dup"]
    with index.searcher() as s:
        assert s.document("dup") == {
            "title": "replacement version",
            "body": "oranges " * 40,
        }
        assert s.doc_count == 2


def test_id_updated_in_a_later_session(index: Index) -> None:
    with index.writer() as w:
        w.add({"id": "u", "title": "old words old words old"})
        w.add({"id": "v", "title": "old words"})
    with index.writer() as w:
        w.add({"id": "u", "title": "new words"})
    assert index.info().documents == 2
    assert ids(index, "new") == ["u"]
    assert ids(index, "old") == ["v"]
    # The replaced copy no longer counts: N = 2, df(old) = 1, avgdl(title) = (2 + 2) / 2, so
    # v scores ln(1 + 1.5 / 1.5) * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 2 / 2)) = ln 2.
    res = index.search("old", k=1)
    assert res.hits[0].score == pytest.approx(math.log(2), rel=1e-9)
