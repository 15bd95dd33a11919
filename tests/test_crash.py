"""Crash safety with real processes: SIGKILL a writer at random instants, 60 times.

The child (tests/stress/crash_child.py) adds, updates, deletes by id and by query, commits
and merges in a loop, logging each commit's expected contents before and after it. After
each kill the index must pass `check_index` and hold exactly the last reported commit or the
one in flight; leftovers are cleaned by the next writer (checked at the end). The children
are forked from the test process (no interpreter start-up, so more kills fit in the time);
benchmarks/stress_crash.py runs the same harness with freshly exec'd children.
"""

from __future__ import annotations

from pathlib import Path

from stress import crash_harness

from minisearch.check import check_index
from minisearch.writer import IndexWriter


def test_sigkill_at_random_instants_never_loses_a_commit(tmp_path: Path) -> None:
    stats = crash_harness.run(tmp_path / "ix", kills=60, seed=20240611, max_delay=0.5, fork=True)
    assert stats.kills == 60
    assert stats.commits_seen > 30  # the children really got work done between kills
    assert stats.generations == sorted(stats.generations)
    IndexWriter(tmp_path / "ix").close()  # opening a writer removes the leftovers
    report = check_index(tmp_path / "ix")
    assert report.ok and not report.warnings, report.warnings
