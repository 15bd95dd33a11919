"""The query features through the real command line: `python -m minisearch` subprocesses in a
temporary directory holding a copy of the seeds, indexed into the default ./.minisearch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, copy_tree_writable

from minisearch.analysis import Analyzer
from minisearch.errors import QuerySyntaxError


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MINISEARCH_INDEX"}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "minisearch", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("cli")
    copy_tree_writable(SEEDS, cwd / "seeds")
    proc = run(cwd, "index", "seeds")
    assert proc.returncode == 0, proc.stderr
    assert (cwd / ".minisearch").is_dir()
    return cwd


MALFORMED = ["crimea AND", '"crimea referendum', "kerry OR OR lavrov"]
SEED_IDS = sorted(p.name for p in SEEDS.iterdir() if p.suffix == ".txt")
COMMANDS: dict[str, tuple[str, ...]] = {
    **{f"malformed:{q}": ("search", q) for q in MALFORMED},
    "unknown-field": ("search", "crimea AND author:kerry"),
    "explain": ("search", "crimea referendum", "--explain", "-k", "2"),
    "json": ("search", "referendum", "--json", "--explain"),
    "and": ("search", "sarkozy crimea", "--and", "--json", "--no-snippets"),
    "or": ("search", "sarkozy crimea", "--json", "--no-snippets"),
    "similar": ("similar", SEED_IDS[2]),
    "similar-unknown": ("similar", "missing.txt"),
    "misspelled": ("search", "referendm"),
    "correct": ("search", "crimea referendum", "-k", "1"),
    "plain": ("search", "What about (Crimea referendum?", "--plain", "--json", "--no-snippets"),
}


@pytest.fixture(scope="module")
def outputs(workdir: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every command of COMMANDS, run as concurrent subprocesses (read-only, so independent)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(COMMANDS)) as pool:
        futures = {name: pool.submit(run, workdir, *args) for name, args in COMMANDS.items()}
        return {name: f.result() for name, f in futures.items()}


def _position(query: str) -> int:
    from minisearch.queryparser import parse_query

    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query, known_fields=["title", "body"])
    return info.value.position


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_query_shows_caret(
    outputs: dict[str, subprocess.CompletedProcess[str]], query: str
) -> None:
    proc = outputs[f"malformed:{query}"]
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("minisearch: error: ")
    assert f"  {query}" in lines
    caret = lines[lines.index(f"  {query}") + 1]
    assert caret.strip() == "^"
    assert caret.index("^") - 2 == _position(query), (proc.stderr, _position(query))
    assert proc.stdout == ""


def test_unknown_field_shows_caret_and_fields(
    outputs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    query = "crimea AND author:kerry"
    proc = outputs["unknown-field"]
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert "author" in lines[0] and "title" in lines[0] and "body" in lines[0]
    caret = lines[lines.index(f"  {query}") + 1]
    assert caret.index("^") - 2 == query.index("author")


def test_explain_prints_score_breakdown(
    workdir: Path, outputs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    proc = outputs["explain"]
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "sum of matching clauses" in out
    # A bare word over the two default text fields is one BM25F clause (docs/RELEVANCE.md).
    assert "weight(crimea in title, body), BM25F: boost * idf * tf~ * (k1 + 1) / (k1 + tf~)" in out
    assert "weight(referendum in title, body), BM25F" in out
    assert "weight(body:crimea)" not in out and "weight(title:crimea)" not in out
    assert "idf, computed as ln(1 + (N - df + 0.5) / (df + 0.5)) with N = 5" in out
    assert "tf~, the weighted, length-normalised frequency summed over fields" in out
    assert "title: w * tf / (1 - b + b * dl / avgdl) with w = 2, tf = " in out  # title weight 2
    assert "body: w * tf / (1 - b + b * dl / avgdl) with w = 1, tf = " in out
    assert "2 = k1, saturation of tf~" in out  # the default k1
    # Each printed BM25F node is consistent (to the printed 6 significant digits):
    # value = boost * idf * tf~ * (k1 + 1) / (k1 + tf~), and tf~ = the sum of its field shares.
    lines = [line.strip() for line in out.splitlines()]
    nodes = [i for i, line in enumerate(lines) if ", BM25F: " in line]
    assert len(nodes) == 4  # two hits x two words
    for i in nodes:
        value, boost, idf_, pseudo, share_t, share_b, k1 = (
            float(lines[j].split(" = ", 1)[0]) for j in range(i, i + 7)
        )
        assert lines[i + 4].startswith(f"{share_t:g} = title: ")
        assert lines[i + 5].startswith(f"{share_b:g} = body: ")
        assert pseudo == pytest.approx(share_t + share_b, rel=2e-6, abs=1e-9)
        assert value == pytest.approx(boost * idf_ * pseudo * (k1 + 1) / (k1 + pseudo), rel=3e-6)
    # the top explanation value is the hit's score as shown in the table
    from minisearch import Index

    index = Index.open(workdir / ".minisearch")
    hits = index.search("crimea referendum", k=2).hits
    for hit in hits:
        assert f"{hit.score:.4f}" in out
        assert f"{hit.score:.6g} = sum of matching clauses" in out
    index.close()


def test_json_includes_snippets_with_offsets(
    outputs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    proc = outputs["json"]
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert records
    analyzer = Analyzer()
    assert [r["rank"] for r in records] == list(range(1, len(records) + 1))
    seen = 0
    for record in records:
        assert record["id"] in SEED_IDS
        assert isinstance(record["score"], float)
        assert record["explanation"]["value"] == pytest.approx(record["score"], rel=1e-9)
        assert record["snippets"], record["id"]
        for field, fragments in record["snippets"].items():
            text = record["fields"][field]
            for fr in fragments:
                assert set(fr) == {"text", "start", "end", "highlights"}
                assert text[fr["start"] : fr["end"]] == fr["text"]
                for lo, hi in fr["highlights"]:
                    assert fr["start"] <= lo < hi <= fr["end"]
                    assert analyzer.terms(text[lo:hi]) == ["referendum"]
                    seen += 1
    assert seen


def test_and_option_requires_every_word(
    workdir: Path, outputs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    def ids(name: str) -> set[str]:
        proc = outputs[name]
        assert proc.returncode == 0, proc.stderr
        return {json.loads(line)["id"] for line in proc.stdout.splitlines() if line.strip()}

    from minisearch import Index

    both = ids("and")
    either = ids("or")
    assert both < either
    index = Index.open(workdir / ".minisearch")
    assert both == {h.id for h in index.search("+sarkozy +crimea", k=10).hits}
    index.close()


def test_similar_lists_the_other_seeds(
    outputs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    target = SEED_IDS[2]
    proc = outputs["similar"]
    assert proc.returncode == 0, proc.stderr
    listed = [line.split()[2] for line in proc.stdout.splitlines() if line.strip()]
    assert sorted(listed) == sorted(set(SEED_IDS) - {target})


def test_similar_unknown_id_is_a_user_error(
    outputs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    proc = outputs["similar-unknown"]
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "missing.txt" in proc.stderr


def test_misspelled_query_suggests(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    proc = outputs["misspelled"]
    assert proc.returncode == 0, proc.stderr
    assert "did you mean: referendum" in proc.stdout
    proc = outputs["correct"]
    assert proc.returncode == 0, proc.stderr
    assert "did you mean" not in proc.stdout


def test_plain_option_takes_words_without_syntax(
    workdir: Path, outputs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    """`--plain`: the text is plain words (an unbalanced parenthesis is no error), ranked as
    `search(text, syntax=False)` ranks them."""
    proc = outputs["plain"]
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    from minisearch import Index

    index = Index.open(workdir / ".minisearch")
    hits = index.search("What about (Crimea referendum?", k=10, syntax=False).hits
    index.close()
    assert hits
    assert [r["id"] for r in records] == [h.id for h in hits]
    assert [r["score"] for r in records] == pytest.approx([h.score for h in hits], rel=1e-9)
