"""One writer, many readers, as real processes.

The writer commits continually; each commit holds exactly two known batches (see
tests/stress/concurrent.py). Readers in other processes search and refresh in a loop and
must always see exactly one commit's documents (never half of one), including on the old
snapshot they keep while the writer commits, merges and deletes files; no reader may fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from minisearch.index import Index
from minisearch.schema import Schema, TextField
from minisearch.writer import IndexWriter

SCRIPT = Path(__file__).parent / "stress" / "concurrent.py"


def test_readers_always_see_whole_commits(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    Index.create(ix, schema=Schema([TextField("title"), TextField("body")]))
    with IndexWriter(ix) as w:
        w.add({"id": "b0-0", "title": "common tga", "body": "common words 0"})
        for i in range(1, 3):
            w.add({"id": f"b0-{i}", "title": "common tga", "body": f"common words {i}"})
        w.commit(batch=0)
    env_cmd = [sys.executable, str(SCRIPT)]
    writer = subprocess.Popen([*env_cmd, "writer", str(ix), "8"], stdout=subprocess.PIPE, text=True)
    readers = [
        subprocess.Popen(
            [*env_cmd, "reader", str(ix), "9"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    w_out, _ = writer.communicate(timeout=60)
    assert writer.returncode == 0
    commits = json.loads(w_out)["commits"]
    assert commits > 5
    for proc in readers:
        out, errors = proc.communicate(timeout=60)
        assert proc.returncode == 0, errors
        summary = json.loads(out)
        assert summary["errors"] == []
        assert summary["generations"] >= 3
