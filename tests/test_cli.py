"""The command line end to end, in real subprocesses (``python -m minisearch``) in a tmp cwd.

What a user sees: `index seeds/` then `search` prints a ranked table; `--json` prints one
parseable object per hit; `info` describes the index. Every user error (no index, missing
source, corrupt file, locked index) exits 1 with exactly one line on stderr and no traceback.
Bad input files are skipped and reported, the good ones indexed. A few checks run in-process
through typer's CliRunner, which is faster.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, copy_tree_writable, flip_bit
from typer.testing import CliRunner

from minisearch import Index, codec
from minisearch.cli import app
from minisearch.commit import read_latest

CRIMEA_TOP = "002_7bcb281cd61d8685.txt"
runner = CliRunner()


def run(
    cwd: Path, *args: str, timeout: float = 120, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    drop = {"MINISEARCH_INDEX", "MINISEARCH_KERNEL"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["COLUMNS"] = "200"
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "minisearch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def assert_user_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 1, exactly one line on stderr, no traceback; returns that line."""
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with seeds/ and the default ./.minisearch index built by the CLI.

    Shared by the read-only tests of this module; tests that change it use `indexed_copy`.
    """
    cwd = tmp_path_factory.mktemp("cli")
    copy_tree_writable(SEEDS, cwd / "seeds")
    proc = run(cwd, "index", "seeds/")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"indexed 5 new and 0 updated documents", proc.stdout), proc.stdout
    assert re.search(r"5 documents, [\d,]+ terms, 1 segment\(s\)", proc.stdout), proc.stdout
    assert (cwd / ".minisearch").is_dir()
    return cwd


@pytest.fixture
def indexed_copy(tmp_path: Path, indexed: Path) -> Path:
    shutil.copytree(indexed, tmp_path / "cwd")
    return tmp_path / "cwd"


# --- the happy path ----------------------------------------------------------------------


def test_search_prints_a_ranked_table(indexed: Path) -> None:
    proc = run(indexed, "search", "Crimea referendum")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    header = lines[0].split()
    assert header[:3] == ["rank", "score", "id"], lines[0]
    expected = Index.open(indexed / ".minisearch").search("Crimea referendum", k=10).hits
    rows = lines[1 : 1 + len(expected)]
    assert len(expected) >= 3
    for hit, row in zip(expected, rows, strict=True):
        rank, score, doc_id = row.split()[:3]
        assert (int(rank), doc_id) == (hit.rank, hit.id)
        assert float(score) == pytest.approx(hit.score, abs=1e-4)
    assert rows[0].split()[2] == CRIMEA_TOP
    assert "West and Russia still differ on Crimea" in rows[0]  # the title column


def test_search_json_lines(indexed: Path) -> None:
    proc = run(indexed, "search", "Crimea referendum", "--json", "-k", "3")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(records) == 3
    expected = Index.open(indexed / ".minisearch").search("Crimea referendum", k=3).hits
    for record, hit in zip(records, expected, strict=True):
        assert {"rank", "id", "score", "fields"} <= set(record)
        assert record["rank"] == hit.rank and record["id"] == hit.id
        assert record["score"] == pytest.approx(hit.score, rel=1e-12)
        assert record["fields"]["title"] == hit.fields["title"]
        assert record["fields"]["body"].startswith(record["fields"]["title"])
    assert [r["rank"] for r in records] == [1, 2, 3]
    assert records[0]["id"] == CRIMEA_TOP


def test_search_with_the_numba_kernel_prints_the_same_hits(indexed: Path) -> None:
    pytest.importorskip("numba", reason="the numba kernel needs the numba extra")
    query = ("search", "Russia OR Crimea OR election OR vote", "--json", "-k", "4")
    plain = run(indexed, *query)
    compiled = run(indexed, *query, env_extra={"MINISEARCH_KERNEL": "numba"})
    assert plain.returncode == 0 and compiled.returncode == 0, plain.stderr + compiled.stderr
    records = [json.loads(line) for line in plain.stdout.splitlines() if line.strip()]
    assert len(records) == 4
    assert compiled.stdout == plain.stdout  # the same ids, scores (to the last digit), order


def test_unknown_kernel_is_a_user_error(indexed: Path) -> None:
    proc = run(indexed, "search", "Crimea", env_extra={"MINISEARCH_KERNEL": "fortran"})
    assert_user_error(proc, "MINISEARCH_KERNEL", "fortran")


def test_search_no_hits_is_not_an_error(indexed: Path) -> None:
    proc = run(indexed, "search", "zzyzx", "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_info_text_and_json(indexed: Path) -> None:
    proc = run(indexed, "info")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert re.search(r"documents\s+5 live", text), text
    assert re.search(rf"format\s+v{codec.FORMAT_VERSION}\b", text), text
    m = re.search(r"segments\s+(\d+)", text)
    assert m and int(m.group(1)) >= 1, text
    assert "title" in text and "body" in text

    proc = run(indexed, "info", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["documents"] == 5
    assert info["format_version"] == codec.FORMAT_VERSION
    assert info["segments"] >= 1
    assert info["deleted"] == 0
    assert [f["name"] for f in info["fields"]] == ["title", "body"]
    assert info["terms"]["body"] > 100
    assert info["size_bytes"] > 0


def test_index_option_and_reindex_updates(tmp_path: Path, seeds_dir: Path) -> None:
    """`--index` elsewhere; indexing the same files again updates instead of duplicating."""
    target = tmp_path / "elsewhere"
    for expected in ("indexed 5 new and 0 updated", "indexed 0 new and 5 updated"):
        result = runner.invoke(app, ["index", str(seeds_dir), "--index", str(target)])
        assert result.exit_code == 0, result.output
        assert expected in result.stdout, result.stdout
    result = runner.invoke(app, ["info", "--json", "--index", str(target)])
    assert json.loads(result.stdout)["documents"] == 5


# --- user errors: exit 1, one line, no traceback --------------------------------------------


def test_search_without_an_index(tmp_path: Path) -> None:
    line = assert_user_error(run(tmp_path, "search", "crimea"), "no index")
    assert line.startswith("minisearch: error:")
    assert ".minisearch" in line


def test_missing_source_path(tmp_path: Path) -> None:
    assert_user_error(run(tmp_path, "index", "nothere/"), "nothere")
    assert not (tmp_path / ".minisearch").exists()


def test_corrupt_index_file(indexed_copy: Path) -> None:
    indexed = indexed_copy
    index_dir = indexed / ".minisearch"
    meta = read_latest(index_dir).segments[0]
    postings = index_dir / meta.dirname / "postings"
    flip_bit(postings, postings.stat().st_size // 2)
    line = assert_user_error(run(indexed, "search", "crimea"), "corrupt")
    assert "postings" in line and meta.dirname in line


def test_locked_index(indexed_copy: Path) -> None:
    index = Index.open(indexed_copy / ".minisearch")
    with index.writer():
        line = assert_user_error(run(indexed_copy, "index", "seeds/"), "locked", "write.lock")
        assert f"pid={os.getpid()}" in line
    assert index.info().documents == 5


# --- ingestion problems ------------------------------------------------------------------------


def test_directory_with_a_latin1_file(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good1.txt").write_text("Alpine lakes\nClear water in the mountains.", encoding="utf-8")
    (docs / "good2.md").write_text("# Deserts\nSand dunes and café nights.", encoding="utf-8")
    (docs / "latin1.txt").write_bytes("Caf\u00e9 cr\u00e8me\nEncoded in Latin-1.".encode("latin-1"))
    proc = run(tmp_path, "index", "docs")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "indexed 2 new" in proc.stdout, proc.stdout
    assert "skipped 1 input" in proc.stderr, proc.stderr
    assert "latin1.txt" in proc.stderr and "UTF-8" in proc.stderr, proc.stderr
    index = Index.open(tmp_path / ".minisearch")
    assert index.info().documents == 2
    assert sorted(h.id for h in index.search("dunes lakes", k=10).hits) == ["good1.txt", "good2.md"]


def test_jsonl_with_id_and_text_fields_and_a_bad_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"_id": "d1", "title": "Solar panels", "text": "Photovoltaic energy.", "year": 2020}
        ),
        '{"_id": "d2", "title": "broken',  # not JSON
        json.dumps(
            {"_id": "d3", "title": "Wind turbines", "text": "Energy from wind.", "year": 2021}
        ),
        json.dumps({"title": "no id here", "text": "x"}),
        json.dumps({"_id": 4, "title": "Hydro power", "text": "Energy from water."}),
    ]
    (tmp_path / "data.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run(
        tmp_path,
        "index",
        "data.jsonl",
        "--id-field",
        "_id",
        "--text-field",
        "title",
        "--text-field",
        "text",
    )
    assert proc.returncode == 0, proc.stderr
    assert "indexed 3 new" in proc.stdout, proc.stdout
    assert "skipped 2 input" in proc.stderr, proc.stderr
    assert "data.jsonl:2" in proc.stderr and "data.jsonl:4" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr

    index = Index.open(tmp_path / ".minisearch")
    assert [f.name for f in index.schema.text_fields] == ["title", "text"]
    hits = index.search("energy", k=10).hits
    assert sorted(h.id for h in hits) == ["4", "d1", "d3"]
    by_id = {h.id: h for h in hits}
    assert by_id["d1"].fields["year"] == 2020  # other keys are stored
    assert by_id["d1"].fields["title"] == "Solar panels"
    assert "_id" not in by_id["d1"].fields


def test_every_entry_point_has_every_command_and_exit_status(tmp_path: Path) -> None:
    """`minisearch`, `python -m minisearch` and `python -m minisearch.cli` are the same
    program: all commands, and typer's exit status (2 for a usage error) comes through the
    quick exit of `main`."""
    commands = ("index", "search", "similar", "info", "delete", "merge", "check", "eval")
    for module in ("minisearch", "minisearch.cli"):
        proc = subprocess.run(
            [sys.executable, "-m", module, "--help"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "200"},
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 0, proc.stderr
        listed = {line.split()[1] for line in proc.stdout.splitlines() if line.startswith("│ ")}
        assert listed.issuperset(commands), (module, proc.stdout)
    usage = run(tmp_path, "search")  # the query argument is missing
    assert usage.returncode == 2 and "Missing argument" in usage.stderr, usage.stderr


# --- fast in-process checks (CliRunner) ---------------------------------------------------------


def test_cli_runner_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("minisearch ")
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("index", "search", "info"):
        assert command in result.stdout


def test_index_help_states_the_writers_memory_budget() -> None:
    """The CLI cannot import the writer to print its default (start-up time), so its help
    spells the number out: it must be the writer's."""
    from minisearch.writer import DEFAULT_MEMORY_BUDGET_MB

    result = runner.invoke(app, ["index", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert f"{DEFAULT_MEMORY_BUDGET_MB:g} MB" in " ".join(result.stdout.split())


def test_cli_runner_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "x", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no index" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    result = runner.invoke(app, ["search", "x", "-k", "-1", "--index", str(tmp_path)])
    assert result.exit_code == 2  # usage error from the option's range check


def test_cli_runner_index_and_search(tmp_path: Path, seeds_dir: Path) -> None:
    target = tmp_path / "idx"
    result = runner.invoke(app, ["index", str(seeds_dir), "--index", str(target), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["added"] == 5 and summary["documents"] == 5 and summary["skipped"] == []
    result = runner.invoke(
        app, ["search", "Crimea referendum", "--index", str(target), "--json", "-k", "1"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["id"] == CRIMEA_TOP
