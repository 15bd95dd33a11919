"""Damaged indexes fail loudly, with the right error naming the right file.

A small committed index (two segments, one with a deletions file) is damaged one file at a
time: truncated, or one bit flipped in the header, the middle or the last byte. Opening and
searching must raise `CorruptIndexError` whose `.path` is that file (and whose message names
it); never a wrong answer, a numpy error or a msgpack exception. Files too large for the eager
check at open are caught by `SegmentReader.verify()`. Distinct errors for a directory that
holds no index, a foreign file, and format versions from the future or the distant past.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import flip_bit, open_writer, truncate

from minisearch import (
    CorruptIndexError,
    Index,
    IndexFormatTooNewError,
    IndexFormatTooOldError,
    IndexNotFoundError,
    KeywordField,
    MinisearchError,
    NumericField,
    Schema,
    StoredField,
    TextField,
    codec,
)
from minisearch.commit import read_latest
from minisearch.segment import reader as reader_module
from minisearch.segment.reader import SegmentReader

SCHEMA = Schema(
    [
        TextField("title"),
        TextField("body"),
        KeywordField("lang"),
        NumericField("year"),
        StoredField("url"),
    ]
)
WORDS = [
    "crimea",
    "referendum",
    "vote",
    "russia",
    "ukraine",
    "kerry",
    "lavrov",
    "talks",
    "sanctions",
    "moscow",
    "kyiv",
]


def _doc(i: int) -> dict[str, object]:
    body = " ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(5 + i % 7))
    return {
        "id": f"doc-{i}",
        "title": f"{WORDS[i % len(WORDS)]} report {i}",
        "body": body,
        "lang": "en" if i % 2 else "de",
        "year": 2000 + i,
        "url": f"https://example.org/{i}",
    }


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pristine") / "idx"
    Index.create(path, schema=SCHEMA)
    with open_writer(path) as w:
        for i in range(12):
            w.add(_doc(i))
    with open_writer(path) as w:
        for i in range(12, 20):
            w.add(_doc(i))
        w.delete("doc-3")  # a deletions file for the first segment
    commit = read_latest(path)
    assert len(commit.segments) == 2
    assert commit.segments[0].del_gen == 1
    return path


def index_files(path: Path) -> list[str]:
    """Every file the newest commit names (manifest included), relative to the index."""
    return sorted(read_latest(path).referenced_files())


@pytest.fixture
def damaged(tmp_path: Path, pristine: Path) -> Path:
    copy = tmp_path / "idx"
    shutil.copytree(pristine, copy)
    return copy


def open_and_search(path: Path) -> None:
    index = Index.open(path)
    try:
        res = index.search("crimea referendum", k=5)
        for hit in res.hits:
            assert hit.fields
        with index.searcher() as s:
            for seg in s.segments:
                seg.verify()
    finally:
        index.close()


def assert_corrupt_names(path: Path, exc: BaseException) -> None:
    assert isinstance(exc, CorruptIndexError), f"{type(exc).__name__}: {exc}"
    assert exc.path.resolve() == path.resolve(), f"names {exc.path}, expected {path}"
    assert str(exc.path) in str(exc)


def test_pristine_index_is_fine(pristine: Path) -> None:
    open_and_search(pristine)
    names = index_files(pristine)
    assert any(n.startswith("manifest-") for n in names)
    for component in ("terms", "postings", "norms", "values", "docs", "ids", "deletes-1"):
        assert any(n.endswith("/" + component) for n in names), component


def _cases() -> list[str]:
    return [
        "truncate-half",
        "truncate-1",
        "truncate-empty",
        "flip-header",
        "flip-middle",
        "flip-last",
    ]


@pytest.mark.parametrize("damage", _cases())
def test_every_file_damaged_raises_corrupt(damaged: Path, damage: str) -> None:
    for name in index_files(damaged):
        # Each file of a fresh copy, one at a time.
        work = damaged.parent / f"work-{damage}"
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(damaged, work)
        target = work / name
        size = target.stat().st_size
        header = len(codec.MAGIC) + 3  # first byte of the component name (not the version)
        match damage:
            case "truncate-half":
                truncate(target, size // 2)
            case "truncate-1":
                truncate(target, size - 1)
            case "truncate-empty":
                truncate(target, 0)
            case "flip-header":
                flip_bit(target, header, 1)
            case "flip-middle":
                flip_bit(target, size // 2, 3)
            case "flip-last":
                flip_bit(target, size - 1, 7)
        with pytest.raises(MinisearchError) as info:
            open_and_search(work)
        assert_corrupt_names(target, info.value)


def test_magic_flip_is_not_an_index_file(damaged: Path) -> None:
    for name in index_files(damaged):
        work = damaged.parent / "work"
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(damaged, work)
        flip_bit(work / name, 0)
        with pytest.raises(CorruptIndexError, match="not a minisearch index file") as info:
            open_and_search(work)
        assert_corrupt_names(work / name, info.value)


def test_large_files_are_caught_by_verify(damaged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the eager-verification size, opening skips the CRC; `verify()` must catch it."""
    monkeypatch.setattr(reader_module, "EAGER_VERIFY_BYTES", 0)
    commit = read_latest(damaged)
    meta = commit.segments[1]
    for component in ("postings", "docs"):
        work = damaged.parent / f"work-{component}"
        shutil.copytree(damaged, work)
        target = meta.path(work, reader_module.Component(component))
        # A bit flip in the middle of the payload, where decoding may well still succeed.
        flip_bit(target, target.stat().st_size // 2, 2)
        try:
            reader = SegmentReader(work, meta, commit.schema)
        except CorruptIndexError as exc:  # also acceptable: caught while decoding
            assert_corrupt_names(target, exc)
            continue
        try:
            with pytest.raises(CorruptIndexError) as info:
                reader.verify()
            assert_corrupt_names(target, info.value)
        finally:
            reader.close()


def test_resealed_file_differs_from_manifest_checksum(damaged: Path) -> None:
    """A file rewritten with a valid footer but other content: the manifest's CRC catches it."""
    commit = read_latest(damaged)
    meta = commit.segments[0]
    target = meta.path(damaged, reader_module.Component.IDS)
    data = target.read_bytes()
    body = bytearray(data[: -codec.FOOTER_SIZE])
    i = body.rindex(b"doc-1")
    body[i : i + 5] = b"doc-X"  # same size, still valid msgpack
    target.write_bytes(codec.seal(bytes(body)))
    reader = SegmentReader(damaged, meta, commit.schema)
    try:
        with pytest.raises(CorruptIndexError, match="manifest") as info:
            reader.verify()
        assert_corrupt_names(target, info.value)
    finally:
        reader.close()


def test_file_from_another_segment(damaged: Path) -> None:
    commit = read_latest(damaged)
    a, b = commit.segments
    src = a.path(damaged, reader_module.Component.NORMS)
    dst = b.path(damaged, reader_module.Component.NORMS)
    dst.write_bytes(src.read_bytes())
    with pytest.raises(CorruptIndexError) as info:
        open_and_search(damaged)
    assert_corrupt_names(dst, info.value)


def test_missing_segment_file_is_corrupt(damaged: Path) -> None:
    """A file the manifest names but the directory lacks is corruption of that file, reported
    as a `MinisearchError` (the CLI's one-line errors rely on it), not a bare OSError."""
    commit = read_latest(damaged)
    target = commit.segments[1].path(damaged, reader_module.Component.POSTINGS)
    target.unlink()
    with pytest.raises(MinisearchError) as info:
        open_and_search(damaged)
    assert_corrupt_names(target, info.value)


# --- not an index, foreign files, versions ----------------------------------------------------


def test_not_an_index(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    for path, words in [
        (empty, "no manifest"),
        (tmp_path / "missing", "does not exist"),
        (empty / "notes.txt", "not a directory"),
    ]:
        with pytest.raises(IndexNotFoundError) as info:
            Index.open(path)
        message = str(info.value)
        assert str(path) in message and words in message, message
        assert not Index.exists(path)


def test_foreign_manifest(damaged: Path) -> None:
    manifest = damaged / index_files(damaged)[0]
    assert manifest.name.startswith("manifest-")
    manifest.write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a zip file under a manifest's name
    with pytest.raises(CorruptIndexError, match="not a minisearch index file") as info:
        Index.open(damaged)
    assert_corrupt_names(manifest, info.value)


def test_foreign_segment_file(damaged: Path) -> None:
    meta = read_latest(damaged).segments[0]
    target = meta.path(damaged, reader_module.Component.TERMS)
    size = target.stat().st_size
    target.write_bytes((b"SQLite format 3\x00" * size)[:size])
    with pytest.raises(CorruptIndexError, match="not a minisearch index file") as info:
        open_and_search(damaged)
    assert_corrupt_names(target, info.value)


def _reseal_with_version(path: Path, version: int) -> None:
    data = path.read_bytes()
    raw = bytearray(data[: -codec.FOOTER_SIZE])
    raw[len(codec.MAGIC) : len(codec.MAGIC) + 2] = version.to_bytes(2, "little")
    path.write_bytes(codec.seal(bytes(raw)))


@pytest.mark.parametrize(
    ("version", "error", "words"),
    [
        (codec.FORMAT_VERSION + 1, IndexFormatTooNewError, "too new"),
        (0xFFFF, IndexFormatTooNewError, "too new"),
        (0, IndexFormatTooOldError, "too old"),
    ],
)
def test_format_versions(damaged: Path, version: int, error: type[Exception], words: str) -> None:
    names = index_files(damaged)
    for name in names:
        work = damaged.parent / "work"
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(damaged, work)
        target = work / name
        _reseal_with_version(target, version)
        with pytest.raises(error) as info:
            open_and_search(work)
        message = str(info.value)
        assert info.value.path.resolve() == target.resolve()
        assert str(target) in message and words in message and str(version) in message, message
        assert f"{codec.OLDEST_SUPPORTED_VERSION} to {codec.FORMAT_VERSION}" in message
