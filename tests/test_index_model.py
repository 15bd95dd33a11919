"""Model-based test of the writer: random operations against a plain-dict model.

The model is an insertion-ordered dict id -> document (an update moves the id to the end,
as the writer appends the new copy). After every commit, rollback, merge or reopen, the
index must hold exactly the model's committed documents, with their stored fields, and its
top hits (ids and scores to 1e-6) must equal those of a fresh index built from them in order.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from stress.common import QUERIES, SCHEMA, WORDS, assert_same_hits, build_fresh, hits

from minisearch.index import Index
from minisearch.merge import LogMergePolicy
from minisearch.writer import IndexWriter

IDS = st.sampled_from([f"d{i}" for i in range(12)])
TEXT = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
_fresh_names = itertools.count()


class IndexModel(RuleBasedStateMachine):
    @initialize(budget=st.sampled_from([0.0005, 256.0]))
    def open_index(self, budget: float) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ms-model-"))
        self.path = self.root / "ix"
        Index.create(self.path, schema=SCHEMA)
        self.budget = budget
        self.writer = self._new_writer()
        self.committed: dict[str, dict[str, Any]] = {}
        self.current: dict[str, dict[str, Any]] = {}
        self.checks_pending = False

    def _new_writer(self) -> IndexWriter:
        policy = LogMergePolicy(merge_factor=2, min_docs=1)
        return IndexWriter(self.path, memory_budget_mb=self.budget, merge_policy=policy)

    @rule(doc_id=IDS, title=TEXT, body=TEXT, n=st.integers(0, 9))
    def add(self, doc_id: str, title: str, body: str, n: int) -> None:
        doc = {"id": doc_id, "title": title, "body": body, "tag": "t", "n": n}
        self.writer.add(doc)
        self.current.pop(doc_id, None)
        self.current[doc_id] = doc

    @rule(doc_id=IDS)
    def delete(self, doc_id: str) -> None:
        assert self.writer.delete(doc_id) == (doc_id in self.current)
        self.current.pop(doc_id, None)

    @rule(word=st.sampled_from(WORDS[:4]))
    def delete_by_query(self, word: str) -> None:
        victims = [
            i for i, d in self.current.items() if word in f"{d['title']} {d['body']}".split()
        ]
        assert self.writer.delete_by_query(word) == len(victims)
        for victim in victims:
            del self.current[victim]

    @rule()
    def commit(self) -> None:
        self.writer.commit()
        self.committed = dict(self.current)
        self.checks_pending = True

    @rule()
    def rollback(self) -> None:
        self.writer.rollback()
        self.current = dict(self.committed)
        self.checks_pending = True

    @rule(max_segments=st.integers(1, 3))
    def merge(self, max_segments: int) -> None:
        commit = self.writer.merge(max_segments=max_segments)
        assert len(commit.segments) <= max_segments
        self.committed = dict(self.current)
        self.checks_pending = True

    @rule()
    def reopen(self) -> None:
        self.writer.close()
        self.writer = self._new_writer()
        self.current = dict(self.committed)
        self.checks_pending = True

    @precondition(lambda self: self.checks_pending)
    @invariant()
    def matches_fresh_index(self) -> None:
        self.checks_pending = False
        index = Index.open(self.path)
        searcher = index.searcher()
        assert searcher.doc_count == len(self.committed)
        for doc_id, doc in self.committed.items():
            assert searcher.document(doc_id) == {k: v for k, v in doc.items() if k != "id"}
        searcher.close()
        fresh = build_fresh(self.root / f"fresh-{next(_fresh_names)}", self.committed.values())
        for q in QUERIES:
            assert_same_hits(hits(index, q, 5), hits(fresh, q, 5), 1e-6)
        index.close()
        fresh.close()

    def teardown(self) -> None:
        self.writer.close()
        shutil.rmtree(self.root, ignore_errors=True)


IndexModel.TestCase.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)
TestIndexModel = IndexModel.TestCase
