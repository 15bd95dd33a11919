"""The README's CLI tour and Python quick start run as written, so the docs cannot rot."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(marker: str, language: str) -> str:
    match = re.search(rf"<!-- {marker}.*?```{language}\n(.*?)```", README, re.S)
    assert match, f"README lost its {marker} block"
    return match.group(1)


def test_first_lines_are_the_install_and_test_commands() -> None:
    commands = re.findall(r"```bash\n(.*?)\n```", README, re.S)[:2]
    assert "minisearch index seeds/" in commands[0] and "minisearch search" in commands[0]
    assert "pytest" in commands[1] and ".[test]" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].rsplit("&& ", 1)[-1] in ci, "CI must run the README's test command"


@pytest.fixture()
def seeded_dir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path


def test_cli_tour_runs(seeded_dir: Path) -> None:
    lines = [line for line in _block("cli-tour", "bash").splitlines() if line.strip()]
    outputs = []
    for line in lines:
        args = line.split(" ", 1)[1]
        argv = [sys.executable, "-m", "minisearch", *_split(args)]
        proc = subprocess.run(argv, cwd=seeded_dir, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{line!r} failed: {proc.stderr}"
        assert "Traceback" not in proc.stderr
        outputs.append(proc.stdout)
    searches = dict(zip(lines, outputs, strict=True))
    table = searches['minisearch search "Crimea referendum" -k 3']
    assert "002_7bcb281cd61d8685.txt" in table.splitlines()[1], (
        "the Lavrov/Crimea report ranks first"
    )
    hits = [
        json.loads(x)
        for x in searches['minisearch search "Crimea referendum" -k 2 --json'].splitlines()
    ]
    assert [h["rank"] for h in hits] == [1, 2] and hits[0]["score"] >= hits[1]["score"]
    assert "5 live" in searches["minisearch info"]


def _split(args: str) -> list[str]:
    import shlex

    return shlex.split(args)


def test_python_quickstart_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _block("python-quickstart", "python")
    monkeypatch.chdir(tmp_path)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "README.md", "exec"), {})
    printed = buffer.getvalue().splitlines()
    expected = [
        m.group(1).split(":")[0].strip() for m in re.finditer(r"print\(.*\)\s+# (.*)", code)
    ]
    assert printed[0] == expected[0]
    assert printed[2] == expected[1]
    assert printed[1].startswith("2 ")
