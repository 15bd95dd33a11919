"""End-to-end smoke test of the benchmark harness (benchmarks/run.py) on a tiny corpus.

It runs the real command in a subprocess on a 300-document synthetic corpus with
20 queries, every installed engine but bm25s-numba (its JIT compilation costs
about 15 s in every fresh process), one timing round, and checks the JSON and
Markdown it writes. Skipped only when minisearch's ``Index`` is not importable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "benchmarks" / "run.py"

ENGINES = ("minisearch", "bm25s", "tantivy", "sqlite-fts5", "whoosh", "rank_bm25")
ROW_KEYS = {
    "corpus", "engine", "version", "build_s", "docs_per_s", "size_bytes", "open_s",
    "rss_open_bytes", "rss_after_queries_bytes", "qps_k10", "qps_k100",
    "p50_ms_k10", "p99_ms_k10", "p50_ms_k100", "p99_ms_k100", "ndcg@10", "recall@100",
}  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    try:
        from minisearch import Index  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"minisearch.Index is not importable yet: {exc}")
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "results"
    env = {**os.environ, "MINISEARCH_BENCH_CACHE": str(tmp / "cache")}
    cmd = [
        sys.executable, str(RUN), "--corpora", "synthetic:300", "--max-queries", "20",
        "--rounds", "1", "--open-repeats", "1", "--cli-repeats", "1",
        "--out", str(out), "--workdir", str(tmp / "indexes"), "--engines", ",".join(ENGINES),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((out / "latest.json").read_text()), out


def test_json_has_expected_structure(results: tuple[dict, Path]) -> None:
    data, out = results
    assert set(data) >= {"meta", "corpora", "results", "ratios", "skipped"}
    assert [c["name"] for c in data["corpora"]] == ["synthetic:300"]
    corpus = data["corpora"][0]
    assert corpus["n_docs"] == 300 and corpus["n_queries"] == 20 and corpus["has_qrels"]
    assert len(list(out.glob("2*.json"))) == 1
    assert "## synthetic:300" in (out / "latest.md").read_text()


def test_every_engine_row_is_sane(results: tuple[dict, Path]) -> None:
    data, _ = results
    rows = {r["engine"]: r for r in data["results"]}
    assert "minisearch" in rows
    for name, row in rows.items():
        assert "error" not in row, f"{name}: {row.get('error')}"
        assert set(row) >= ROW_KEYS, f"{name} lacks {ROW_KEYS - set(row)}"
        assert row["qps_k10"] > 0 and row["qps_k100"] > 0
        assert 0 < row["p50_ms_k10"] <= row["p99_ms_k10"]
        assert row["build_s"] > 0 and row["size_bytes"] > 0
        assert row["open_s"] >= 0 and row["rss_open_bytes"] > 0
        assert 0.0 <= row["ndcg@10"] <= 1.0 and 0.0 <= row["recall@100"] <= 1.0
    # Known-item queries are drawn from their target document: BM25 must find most.
    assert rows["minisearch"]["recall@100"] > 0.5
    assert rows["minisearch"]["overlap@10_vs_minisearch"] == pytest.approx(1.0)


def test_ratios_for_every_peer(results: tuple[dict, Path]) -> None:
    data, _ = results
    peers = {r["engine"] for r in data["results"]} - {"minisearch"}
    ratios = data["ratios"]["synthetic:300"]
    assert set(ratios) == peers
    for peer, values in ratios.items():
        assert values["qps_k10"] is not None and values["qps_k10"] > 0, peer
        assert values["ndcg@10"] is not None, peer
