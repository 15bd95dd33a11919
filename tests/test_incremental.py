"""Incremental indexing: append, update, delete (by id and by query), rollback, locking.

The oracle throughout is an index built from scratch with the surviving documents in index
order: an incrementally maintained index must return the same ids and scores (1e-6).
"""

from __future__ import annotations

import json
import multiprocessing
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stress.common import QUERIES, SCHEMA, assert_same_hits, build_fresh, hits, make_doc

from minisearch.errors import IndexLockedError, WriterClosedError
from minisearch.index import Index
from minisearch.query.ast import TermQuery
from minisearch.writer import IndexWriter


def _survivors_equal(index: Index, survivors: list[dict[str, object]], tmp: Path) -> None:
    fresh = build_fresh(tmp, survivors)
    assert index.info().documents == len(survivors)
    for q in QUERIES:
        assert_same_hits(hits(index, q, 20), hits(fresh, q, 20), 1e-6)


def test_update_delete_scores_equal_fresh_index(tmp_path: Path) -> None:
    rng = random.Random(1)
    docs = {str(i): make_doc(str(i), rng) for i in range(60)}
    order = list(docs)
    Index.create(tmp_path / "ix", schema=SCHEMA)
    with IndexWriter(tmp_path / "ix", merge_policy=None) as w:
        for i in order[:30]:
            w.add(docs[i])
        w.commit()
        for i in order[30:]:
            w.add(docs[i])
    with IndexWriter(tmp_path / "ix", merge_policy=None) as w:
        for i in ("3", "40", "59"):
            assert w.delete(i)
            order.remove(i)
        assert not w.delete("nope")
        for i in ("5", "45"):
            docs[i] = make_doc(i, rng)
            w.update(docs[i])
            order.remove(i)
            order.append(i)
        assert w.stats.updated == 2 and w.stats.deleted == 3
    index = Index.open(tmp_path / "ix")
    _survivors_equal(index, [docs[i] for i in order], tmp_path / "fresh")
    assert index.searcher().document("5") == {k: v for k, v in docs["5"].items() if k != "id"}


def test_delete_by_query_string_and_query_including_buffered(tmp_path: Path) -> None:
    rng = random.Random(2)
    docs = [make_doc(str(i), rng) for i in range(40)]
    Index.create(tmp_path / "ix", schema=SCHEMA)
    beta = Index.open(tmp_path / "ix").searcher().analyzer.terms("beta")[0]
    with IndexWriter(tmp_path / "ix", merge_policy=None) as w:
        w.add_many(docs[:20])
        w.commit()
        w.add_many(docs[20:])  # still buffered: delete_by_query must see them
        n = w.delete_by_query(TermQuery("title", beta))
        assert n == sum("beta" in d["title"].split() for d in docs) > 0
        assert w.delete_by_query(TermQuery("title", beta)) == 0
        m = w.delete_by_query("alpha")
    survivors = [d for d in docs if "beta" not in d["title"].split()]
    n_alpha = len(survivors)
    survivors = [d for d in survivors if "alpha" not in f"{d['title']} {d['body']}".split()]
    assert m == n_alpha - len(survivors) > 0
    index = Index.open(tmp_path / "ix")
    _survivors_equal(index, survivors, tmp_path / "fresh")


def test_delete_by_query_skips_replaced_copy(tmp_path: Path) -> None:
    """The old copy of an updated document matches, the new one does not: nothing is deleted."""
    Index.create(tmp_path / "ix", schema=SCHEMA)
    with IndexWriter(tmp_path / "ix") as w:
        w.add({"id": "a", "title": "alpha", "body": "alpha"})
    with IndexWriter(tmp_path / "ix") as w:
        w.update({"id": "a", "title": "beta", "body": "beta"})
        assert w.delete_by_query("alpha") == 0
    assert [h.id for h in Index.open(tmp_path / "ix").search("beta")] == ["a"]


def test_rollback_and_exception_discard_changes(tmp_path: Path) -> None:
    rng = random.Random(3)
    Index.create(tmp_path / "ix", schema=SCHEMA)
    with IndexWriter(tmp_path / "ix") as w:
        w.add_many(make_doc(str(i), rng) for i in range(10))
    w = IndexWriter(tmp_path / "ix", memory_budget_mb=0.0001)  # flushes on every add
    w.add(make_doc("new", rng))
    w.delete("1")
    w.delete_by_query("alpha beta gamma")
    w.rollback()
    w.commit()
    w.close()
    with pytest.raises(RuntimeError), Index.open(tmp_path / "ix").writer() as w2:
        w2.add(make_doc("x", rng))
        w2.delete("2")
        raise RuntimeError("boom")
    with pytest.raises(WriterClosedError):
        w2.add(make_doc("y", rng))
    index = Index.open(tmp_path / "ix")
    assert index.info().documents == 10
    assert index.searcher().document("new") is None
    assert (
        sorted(p.name for p in (tmp_path / "ix").iterdir() if p.name.startswith("seg-")).__len__()
        == 1
    )


def _hold_lock(path: str, seconds: float, ready: multiprocessing.synchronize.Event) -> None:
    w = IndexWriter(Path(path))
    ready.set()
    time.sleep(seconds)
    w.close()


def test_second_writer_fails_fast_then_waits_successfully(tmp_path: Path) -> None:
    Index.create(tmp_path / "ix", schema=SCHEMA)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(tmp_path / "ix"), 1.0, ready))
    proc.start()
    assert ready.wait(30)
    with pytest.raises(IndexLockedError, match="locked by another writer"):
        IndexWriter(tmp_path / "ix")
    with pytest.raises(IndexLockedError):
        IndexWriter(tmp_path / "ix", lock_timeout=0.2)
    started = time.monotonic()
    w = IndexWriter(tmp_path / "ix", lock_timeout=20)  # the holder releases after ~1 s
    assert time.monotonic() - started < 15
    w.close()
    proc.join(10)


def test_lock_of_killed_process_is_recovered(tmp_path: Path) -> None:
    Index.create(tmp_path / "ix", schema=SCHEMA)
    code = (
        "import sys,time;from pathlib import Path;from minisearch.writer import IndexWriter;"
        "IndexWriter(Path(sys.argv[1]));print('locked',flush=True);time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "ix")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    with pytest.raises(IndexLockedError):
        IndexWriter(tmp_path / "ix")
    proc.kill()
    proc.wait()
    IndexWriter(tmp_path / "ix").close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minisearch", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_append_summary_delete_and_wait(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text(
        "".join(json.dumps({"id": str(i), "text": f"hello world {i}"}) + "\n" for i in range(5))
    )
    ix = str(tmp_path / "ix")
    first = _cli("index", str(src), "--index", ix, "--json")
    assert first.returncode == 0, first.stderr
    assert (json.loads(first.stdout)["added"], json.loads(first.stdout)["updated"]) == (5, 0)
    more = tmp_path / "b.jsonl"
    more.write_text(
        "".join(json.dumps({"id": str(i), "text": f"hello again {i}"}) + "\n" for i in range(3, 8))
    )
    second = _cli("index", str(more), "--index", ix)
    assert second.returncode == 0, second.stderr
    assert "indexed 3 new and 2 updated documents" in second.stdout
    assert Index.open(ix).info().documents == 8
    deleted = _cli("delete", "1", "2", "missing", "--index", ix, "--json")
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout)["deleted"] == 2 and json.loads(deleted.stdout)["missing"] == [
        "missing"
    ]
    assert Index.open(ix).info().documents == 6
    with IndexWriter(Path(ix)):
        locked = _cli("delete", "3", "--index", ix, "--wait", "0.2")
    assert locked.returncode == 1 and locked.stderr.startswith("minisearch: error: index is locked")
    assert len(locked.stderr.strip().splitlines()) == 1
