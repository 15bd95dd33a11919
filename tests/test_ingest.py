"""Tests for minisearch.ingest: real files in tmp_path, read back as records and skips."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import pytest

from minisearch.ingest import (
    IngestOptions,
    IngestStats,
    Record,
    Skipped,
    count_inputs,
    detect_format,
    infer_text_fields,
    iter_records,
)


def ingest(
    *paths: Path, options: IngestOptions | None = None
) -> tuple[list[Record], list[Skipped], IngestStats]:
    skipped: list[Skipped] = []
    stats = IngestStats()
    records = list(iter_records(list(paths), options or IngestOptions(), skipped.append, stats))
    return records, skipped, stats


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- text trees ---------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    write(root / "b.txt", "\n\n   Second file  \nmore text\n")
    write(root / "a.md", "# Alpha\nbody of alpha\n")
    write(root / "sub" / "deeper" / "c.txt", "Gamma line\n")
    write(root / "sub" / "d.MD", "\ufeffDelta\n")
    write(root / ".hidden.txt", "hidden file\n")
    write(root / ".git" / "e.txt", "inside a hidden directory\n")
    write(root / "notes.rst", "not a matching extension\n")
    write(root / "sub" / "latin.txt", "caf\xe9 au lait\n".encode("latin-1"))
    write(root / "empty.txt", "")
    return root


def test_tree_walk_yields_matching_files_sorted_with_relative_ids(tree: Path) -> None:
    records, _, _ = ingest(tree)
    assert [r["id"] for r in records] == [
        "a.md",
        "b.txt",
        "empty.txt",
        "sub/d.MD",
        "sub/deeper/c.txt",
    ]


def test_tree_title_is_first_non_empty_line_and_body_is_whole_text(tree: Path) -> None:
    by_id = {r["id"]: r for r in ingest(tree)[0]}
    assert by_id["b.txt"] == {
        "id": "b.txt",
        "title": "Second file",
        "body": "\n\n   Second file  \nmore text\n",
    }
    assert by_id["a.md"]["title"] == "# Alpha"
    assert by_id["empty.txt"]["title"] == ""
    assert by_id["sub/d.MD"] == {"id": "sub/d.MD", "title": "Delta", "body": "Delta\n"}


def test_tree_reports_undecodable_file_with_path_and_offset(tree: Path) -> None:
    _, skipped, stats = ingest(tree)
    assert skipped == [
        Skipped(
            str(tree / "sub" / "latin.txt"),
            None,
            "not valid UTF-8 (byte 0xe9 at offset 3)",
        )
    ]
    assert stats.skipped == 1
    assert stats.records == 5


def test_tree_honours_configured_extensions(tree: Path) -> None:
    records, _, _ = ingest(tree, options=IngestOptions(extensions=("rst",)))
    assert [r["id"] for r in records] == ["notes.rst"]


def test_tree_encoding_option_decodes_latin1(tree: Path) -> None:
    records, skipped, _ = ingest(
        tree / "sub" / "latin.txt", options=IngestOptions(encoding="latin-1")
    )
    assert skipped == []
    assert records[0]["body"] == "café au lait\n"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_tree_follows_symlinks_but_not_loops(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root / "real" / "x.txt", "x\n")
    (root / "real" / "loop").symlink_to(root, target_is_directory=True)
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    records, skipped, _ = ingest(root)
    assert [r["id"] for r in records] == ["alias/x.txt", "real/x.txt"]
    assert {s.reason for s in skipped} == {"symbolic link loop, not followed"}
    assert sorted(s.source for s in skipped) == [
        str(root / "alias" / "loop"),
        str(root / "real" / "loop"),
    ]


def test_single_text_file_id_is_its_name(tmp_path: Path) -> None:
    path = write(tmp_path / "nested" / "readme.txt", "\r\n  Hello there \r\nworld")
    records, _, _ = ingest(path)
    assert records == [
        {"id": "readme.txt", "title": "Hello there", "body": "\r\n  Hello there \r\nworld"}
    ]


def test_missing_source_is_reported_not_raised(tmp_path: Path) -> None:
    records, skipped, _ = ingest(tmp_path / "nope.jsonl", tmp_path / "gone.txt")
    assert records == []
    assert [(s.source, s.line) for s in skipped] == [
        (str(tmp_path / "nope.jsonl"), None),
        (str(tmp_path / "gone.txt"), None),
    ]
    assert all(s.reason == "cannot read: No such file or directory" for s in skipped)


# --- JSON Lines ---------------------------------------------------------------------------

JSONL_LINES = [
    b'{"id": "a", "title": "First", "n": 1, "tags": ["x", "y"]}',  # 1
    b"",  # 2: blank, ignored
    b'{"id": "b", "title": broken}',  # 3: invalid JSON
    b'["id", "c"]',  # 4: array
    b'{"title": "no id"}',  # 5: missing id
    b'{"id": 42, "title": "numeric id", "score": 1.5, "extra": null}',  # 6
    b"   ",  # 7: whitespace only, ignored
    b'{"id": "bad", "title": "caf\xe9"}',  # 8: not UTF-8
    b'{"id": 1.5, "title": "float id"}',  # 9
    b'{"id": true}',  # 10
    b'{"id": "", "title": "empty id"}',  # 11
    b'{"id": "z", "title": "Last"}',  # 12
]


def jsonl_bytes() -> bytes:
    return b"\n".join(JSONL_LINES) + b"\n"


def test_jsonl_keeps_good_lines_and_values_as_they_are(tmp_path: Path) -> None:
    records, _, stats = ingest(write(tmp_path / "data.jsonl", jsonl_bytes()))
    assert records == [
        {"id": "a", "title": "First", "n": 1, "tags": ["x", "y"]},
        {"id": "42", "title": "numeric id", "score": 1.5, "extra": None},
        {"id": "z", "title": "Last"},
    ]
    assert stats == IngestStats(records=3, skipped=7, duplicate_ids=0)


def test_jsonl_reports_each_bad_line_by_number(tmp_path: Path) -> None:
    path = write(tmp_path / "data.jsonl", jsonl_bytes())
    _, skipped, _ = ingest(path)
    assert all(s.source == str(path) for s in skipped)
    assert [(s.line, s.reason) for s in skipped] == [
        (3, "invalid JSON: Expecting value (column 22)"),
        (4, "line is an array, not a JSON object"),
        (5, "record has no 'id'"),
        (8, "not valid UTF-8 (byte 0xe9 at offset 27 in the line)"),
        (9, "'id' must be a string or an integer, not a float"),
        (10, "'id' must be a string or an integer, not a boolean"),
        (11, "record has an empty 'id'"),
    ]


def test_jsonl_gzip_reads_the_same_records(tmp_path: Path) -> None:
    plain = write(tmp_path / "data.jsonl", jsonl_bytes())
    packed = write(tmp_path / "data.jsonl.gz", gzip.compress(jsonl_bytes()))
    plain_records, plain_skipped, _ = ingest(plain)
    packed_records, packed_skipped, _ = ingest(packed)
    assert packed_records == plain_records
    assert [(s.line, s.reason) for s in packed_skipped] == [
        (s.line, s.reason) for s in plain_skipped
    ]


def test_jsonl_truncated_gzip_keeps_earlier_records_and_reports(tmp_path: Path) -> None:
    body = b"".join(b'{"id": %d, "text": "%s"}\n' % (i, b"w" * 50) for i in range(2000))
    packed = gzip.compress(body)
    path = write(tmp_path / "cut.ndjson.gz", packed[: len(packed) // 2])
    records, skipped, _ = ingest(path)
    assert 0 < len(records) < 2000
    assert [r["id"] for r in records] == [str(i) for i in range(len(records))]
    assert len(skipped) == 1
    assert skipped[0].line is None
    assert skipped[0].reason.startswith("cannot read: ")


def test_jsonl_custom_id_field_and_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "d.ndjson", b'\xef\xbb\xbf{"key": 7, "body": "x"}\r\n{"body": "y"}')
    records, skipped, _ = ingest(path, options=IngestOptions(id_field="key"))
    assert records == [{"id": "7", "body": "x"}]
    assert [(s.line, s.reason) for s in skipped] == [(2, "record has no 'key'")]


def test_duplicate_ids_are_kept_and_counted(tmp_path: Path) -> None:
    first = write(tmp_path / "one.jsonl", '{"id": 1, "v": "old"}\n{"id": "2"}\n')
    second = write(tmp_path / "two.jsonl", '{"id": "1", "v": "new"}\n')
    records, skipped, stats = ingest(first, second)
    assert [(r["id"], r.get("v")) for r in records] == [("1", "old"), ("2", None), ("1", "new")]
    assert skipped == []
    assert stats == IngestStats(records=3, skipped=0, duplicate_ids=1)


# --- CSV / TSV ----------------------------------------------------------------------------


def test_csv_rows_become_string_records_and_ragged_rows_are_reported(tmp_path: Path) -> None:
    text = (
        "id, title ,body\r\n"  # 1 (header names are stripped)
        "1,Hello,first body\r\n"  # 2
        "2,Ragged\r\n"  # 3
        '3,"Multi\r\nline",quoted body\r\n'  # 4-5
        "\r\n"  # 6 blank
        ",No id,x\r\n"  # 7
        "4,Four,a,b\r\n"  # 8
        "5,Five,last\r\n"  # 9
    )
    path = write(tmp_path / "data.csv", "\ufeff" + text)
    records, skipped, _ = ingest(path)
    assert records == [
        {"id": "1", "title": "Hello", "body": "first body"},
        {"id": "3", "title": "Multi\r\nline", "body": "quoted body"},
        {"id": "5", "title": "Five", "body": "last"},
    ]
    assert [(s.line, s.reason) for s in skipped] == [
        (3, "row has 2 fields, the header has 3"),
        (7, "record has an empty 'id'"),
        (8, "row has 4 fields, the header has 3"),
    ]


def test_tsv_uses_tabs_and_reports_undecodable_line(tmp_path: Path) -> None:
    data = b"title\tid\nA, with comma\ta1\nbad \xff\ta2\n\tragged\textra\nB\tb1\n"
    path = write(tmp_path / "data.tsv.gz", gzip.compress(data))
    records, skipped, _ = ingest(path)
    assert records == [{"id": "a1", "title": "A, with comma"}, {"id": "b1", "title": "B"}]
    assert [(s.line, s.reason) for s in skipped] == [
        (3, "not valid UTF-8 (byte 0xff at offset 4 in the line)"),
        (4, "row has 3 fields, the header has 2"),
    ]


def test_csv_header_without_id_column_skips_file(tmp_path: Path) -> None:
    path = write(tmp_path / "noid.csv", "key,title\n1,x\n")
    records, skipped, _ = ingest(path)
    assert records == []
    assert skipped == [Skipped(str(path), None, "header has no 'id' column")]


def test_csv_header_with_repeated_column_skips_file(tmp_path: Path) -> None:
    path = write(tmp_path / "dup.csv", "id,title,title\n1,x,y\n")
    records, skipped, _ = ingest(path)
    assert records == []
    assert skipped == [Skipped(str(path), None, "header repeats column 'title'")]


# --- detection, estimates, order, helpers ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.jsonl", "jsonl"),
        ("a.NDJSON", "jsonl"),
        ("a.jsonl.gz", "jsonl"),
        ("a.csv", "csv"),
        ("a.tsv", "csv"),
        ("a.csv.gz", "csv"),
        ("a.txt", "text"),
        ("a.md", "text"),
        ("README", "text"),
        ("a.gz", "text"),
    ],
)
def test_detect_format_by_extension(tmp_path: Path, name: str, expected: str) -> None:
    assert detect_format(tmp_path / name) == expected


def test_detect_format_directory(tmp_path: Path) -> None:
    assert detect_format(tmp_path) == "dir"
    assert detect_format(write(tmp_path / "x.jsonl", "")) == "jsonl"


def test_count_inputs_estimates_per_source(tree: Path, tmp_path: Path) -> None:
    jsonl = write(tmp_path / "data.jsonl", jsonl_bytes())
    packed = write(tmp_path / "data.jsonl.gz", gzip.compress(b'{"id": 1}\n{"id": 2}'))
    csv_path = write(tmp_path / "data.csv", "id,t\n1,a\n2,b\n")
    single = write(tmp_path / "one.txt", "x")
    assert count_inputs([tree], IngestOptions()) == 6  # matching files, latin-1 included
    assert count_inputs([jsonl], IngestOptions()) == len(JSONL_LINES)
    assert count_inputs([packed], IngestOptions()) == 2
    assert count_inputs([csv_path], IngestOptions()) == 2
    assert count_inputs([single, tmp_path / "missing.jsonl"], IngestOptions()) == 1


def test_record_order_is_deterministic_across_sources(tree: Path, tmp_path: Path) -> None:
    jsonl = write(tmp_path / "data.jsonl", jsonl_bytes())
    first = [r["id"] for r in ingest(jsonl, tree)[0]]
    second = [r["id"] for r in ingest(jsonl, tree)[0]]
    assert first == second
    assert first[:3] == ["a", "42", "z"]
    assert first[3] == "a.md"


def test_infer_text_fields_takes_string_values_except_id() -> None:
    record: Record = {"id": "1", "title": "t", "n": 3, "tags": ["a"], "body": "b", "x": None}
    assert infer_text_fields(record) == ("title", "body")


def test_unknown_encoding_is_rejected_up_front() -> None:
    with pytest.raises(ValueError, match="unknown text encoding 'no-such-codec'"):
        IngestOptions(encoding="no-such-codec")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_jsonl_is_streamed_not_loaded(tmp_path: Path) -> None:
    pipe = tmp_path / "live.jsonl"
    os.mkfifo(pipe)
    first_consumed = threading.Event()
    seen_in_time: list[bool] = []

    def produce() -> None:
        with pipe.open("wb") as out:
            out.write(b'{"id": 1}\n')
            out.flush()
            seen_in_time.append(first_consumed.wait(timeout=5))
            out.write(b'{"id": 2}\n')

    writer = threading.Thread(target=produce)
    writer.start()
    stream = iter_records([pipe], IngestOptions(), lambda skipped: None)
    assert next(stream) == {"id": "1"}
    first_consumed.set()
    assert list(stream) == [{"id": "2"}]
    writer.join()
    assert seen_in_time == [True]  # record 1 arrived while the writer still held the pipe open
