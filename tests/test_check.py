"""`check_index` and ``minisearch check``: a clean index passes, damage is reported by file."""

from __future__ import annotations

import json
import random
from pathlib import Path

from conftest import flip_bit
from stress.common import SCHEMA, make_doc
from typer.testing import CliRunner

from minisearch import codec
from minisearch.check import check_index
from minisearch.cli import app
from minisearch.commit import read_latest
from minisearch.index import Index
from minisearch.segment.meta import Component
from minisearch.termdict import FieldTerms, FieldTermsBuilder
from minisearch.writer import IndexWriter


def _index(path: Path) -> Path:
    rng = random.Random(5)
    Index.create(path, schema=SCHEMA)
    with IndexWriter(path, merge_policy=None) as w:
        w.add_many(make_doc(str(i), rng) for i in range(300))
        w.commit()
        w.add_many(make_doc(str(i), rng) for i in range(250, 320))
        w.delete("7")
    return path


def test_clean_index_passes(tmp_path: Path) -> None:
    report = check_index(_index(tmp_path / "ix"))
    assert report.ok, report.problems
    assert report.segments == 2 and report.documents == 319
    assert report.files_checked == 2 * 6 + 1
    assert not report.warnings


def test_flipped_byte_is_reported_with_file(tmp_path: Path) -> None:
    ix = _index(tmp_path / "ix")
    seg = read_latest(ix).segments[0]
    target = seg.path(ix, Component.POSTINGS)
    flip_bit(target, len(target.read_bytes()) // 2)
    report = check_index(ix)
    assert not report.ok
    assert any(p.file == str(target) and "checksum" in p.message for p in report.problems)


def test_unsorted_terms_with_valid_checksums_are_reported(tmp_path: Path) -> None:
    """Rewrite a term dictionary with two terms swapped and a correct CRC (manifest patched too)."""
    ix = _index(tmp_path / "ix")
    commit = read_latest(ix)
    seg = commit.segments[0]
    path = seg.path(ix, Component.TERMS)
    body = codec.decode_split(
        codec.check_file(path.read_bytes(), path, "terms", seg.id_bytes), path
    )
    dictionary = FieldTerms(body["fields"]["body"])
    swapped = FieldTermsBuilder.empty()
    words = list(dictionary.terms)
    words[0], words[1] = words[1], words[0]
    for ordinal, word in enumerate(words):
        swapped.append(word, dictionary.entry(ordinal))
    body["fields"]["body"] = swapped.to_body()
    data = codec.encode_file_split("terms", body, seg.id_bytes)
    path.unlink()
    path.write_bytes(data)
    manifest = ix / f"manifest-{commit.generation}"
    doc = commit.to_dict()
    doc["segments"][0]["files"]["terms"] = [len(data), codec.file_crc(data)]
    manifest.unlink()
    manifest.write_bytes(codec.encode_file("manifest", doc))
    report = check_index(ix)
    assert any(p.file == str(path) and "not sorted" in p.message for p in report.problems), (
        report.problems
    )


def test_a_length_sum_that_is_not_the_norms_is_reported(tmp_path: Path) -> None:
    """The manifest's per-field length sums (average lengths come from them) must be the
    norms' sums: one off by one, in a manifest with a valid checksum, is reported."""
    ix = _index(tmp_path / "ix")
    commit = read_latest(ix)
    sums = commit.segments[0].extra["length_sums"]
    assert set(sums) == {f.name for f in commit.schema.text_fields}
    doc = commit.to_dict()
    doc["segments"][0]["extra"]["length_sums"]["body"] += 1
    manifest = ix / f"manifest-{commit.generation}"
    manifest.unlink()
    manifest.write_bytes(codec.encode_file("manifest", doc))
    report = check_index(ix)
    assert [p.message for p in report.problems] == [
        "body: the manifest's length sum is not the norms'"
    ]


def test_leftovers_are_warnings(tmp_path: Path) -> None:
    ix = _index(tmp_path / "ix")
    (ix / "seg-leftover").mkdir()
    (ix / "seg-leftover" / "terms").write_bytes(b"x")
    report = check_index(ix)
    assert report.ok and any("seg-leftover" in w.file for w in report.warnings)


def test_cli_check(tmp_path: Path) -> None:
    ix = _index(tmp_path / "ix")
    runner = CliRunner()
    good = runner.invoke(app, ["check", "--index", str(ix), "--json"])
    assert good.exit_code == 0 and json.loads(good.stdout)["ok"] is True
    seg = read_latest(ix).segments[1]
    flip_bit(seg.path(ix, Component.IDS), 40)
    bad = runner.invoke(app, ["check", "--index", str(ix)])
    assert bad.exit_code == 1
    assert str(seg.path(ix, Component.IDS)) in bad.stderr
    missing = runner.invoke(app, ["check", "--index", str(tmp_path / "nothing")])
    assert missing.exit_code == 1
