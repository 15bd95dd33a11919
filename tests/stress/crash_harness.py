"""Kill a writer (tests/stress/crash_child.py) with SIGKILL at random instants, and verify.

After every kill the index must open at a commit the child either reported as done or was
committing when it died (its last ``intent``), pass `check_index`, and hold exactly that
commit's documents. Used by tests/test_crash.py and benchmarks/stress_crash.py.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from minisearch.check import check_index
from minisearch.index import Index
from minisearch.schema import NumericField, Schema, TextField

from . import crash_child

CHILD = Path(__file__).with_name("crash_child.py")
SCHEMA = Schema([TextField("title"), TextField("body"), NumericField("version")])


@dataclass
class CrashStats:
    kills: int = 0
    commits_seen: int = 0
    in_flight_landed: int = 0
    generations: list[int] = field(default_factory=list)


def index_state(path: Path) -> dict[str, int]:
    with Index.open(path).searcher() as searcher:
        state: dict[str, int] = {}
        for seg in searcher.segments:
            for d in range(seg.doc_count):
                if d not in seg.deleted:
                    doc_id = seg.external_id(d)
                    assert doc_id not in state, f"duplicate live id {doc_id}"
                    state[doc_id] = int(seg.stored_fields(d)["version"])
        return state


def _last_states(log: Path) -> tuple[dict[str, int], dict[str, int] | None, int]:
    """(last done state, intent after it or None, number of done lines) from the child's log."""
    done: dict[str, int] = {}
    intent: dict[str, int] | None = None
    count = 0
    for line in log.read_text().splitlines():
        if line == "ready":
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # the child died while writing this line
        if "done" in record:
            done, intent, count = record["done"], None, count + 1
        else:
            intent = record["intent"]
    return done, intent, count


def _start(argv: list[str], fork: bool) -> int:
    """Start the child; `fork` skips interpreter start-up (the parent has imported everything)."""
    if fork:
        pid = os.fork()
        if pid == 0:  # the child never returns into the caller's code
            try:
                crash_child.main(argv)
            finally:
                os._exit(1)
        return pid
    return subprocess.Popen([sys.executable, str(CHILD), *argv]).pid


def _wait_ready(log: Path, pid: int) -> None:
    deadline = time.monotonic() + 60
    while not log.read_text().startswith("ready"):
        assert time.monotonic() < deadline, "child did not start"
        assert os.waitpid(pid, os.WNOHANG) == (0, 0), "child died before it was ready"
        time.sleep(0.005)


def run(
    path: Path, kills: int, seed: int, max_delay: float = 0.25, *, fork: bool = False
) -> CrashStats:
    """Start, SIGKILL and verify the child `kills` times, on a new index at `path`."""
    Index.create(path, schema=SCHEMA)
    rng = random.Random(seed)
    stats = CrashStats()
    log = path.parent / f"{path.name}.log"
    for round_ in range(kills):
        log.write_text("")
        before = index_state(path)
        pid = _start([str(path), str(log), str(seed * 100_003 + round_)], fork)
        _wait_ready(log, pid)
        time.sleep(rng.uniform(0.0, max_delay))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        stats.kills += 1
        done, intent, count = _last_states(log)
        stats.commits_seen += count
        report = check_index(path)
        assert report.ok, report.problems
        state = index_state(path)
        expected = done if count else before
        if state != expected:
            assert intent is not None and state == intent, (
                f"round {round_}: the index holds neither the last commit nor the one in flight"
            )
            stats.in_flight_landed += 1
        stats.generations.append(report.generation or 0)
    return stats
