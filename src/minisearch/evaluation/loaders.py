"""Readers for IR test-collection files: queries, qrels, and BEIR dataset folders.

This module owns turning files on disk into the plain mappings `evaluate_run` works on. Files
are read line by line (never whole), gzip is detected from the file's magic bytes rather than
its name, and the format is detected from the content. Any malformed input raises
`EvaluationInputError` naming the file and the 1-based line, so a user can fix the file instead
of guessing.

Formats read:

* queries: BEIR JSONL (``{"_id": ..., "text": ...}``; ``id`` and ``query`` are accepted as key
  aliases) or TSV (``qid<TAB>text``, with an optional header line);
* qrels: TREC (``qid iter docid grade``, whitespace-separated) or BEIR TSV
  (``query-id<TAB>corpus-id<TAB>score``, with an optional header line).
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from minisearch.errors import MinisearchError

_GZIP_MAGIC = b"\x1f\x8b"
_QUERY_ID_KEYS = ("_id", "id")
_QUERY_TEXT_KEYS = ("text", "query")
_TSV_QUERY_HEADER_IDS = frozenset({"_id", "id", "qid", "query-id", "query_id", "queryid"})


class EvaluationInputError(MinisearchError):
    """A queries, qrels or run file is malformed; ``path`` and ``line`` (1-based) locate it.

    ``line`` is ``None`` when the fault is about the file as a whole (e.g. it is missing).
    """

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}" if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")


def _open_binary(path: Path) -> gzip.GzipFile | io.BufferedReader:
    """Open ``path`` for reading bytes, transparently decompressing gzip (found by magic bytes)."""
    try:
        with path.open("rb") as probe:
            compressed = probe.read(2) == _GZIP_MAGIC
        return gzip.open(path, "rb") if compressed else path.open("rb")
    except OSError as exc:
        raise EvaluationInputError(path, None, f"cannot open: {exc.strerror or exc}") from exc


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, text without its line ending)`` for each non-blank line of ``path``.

    The file may be gzipped. Lines end at ``\\n`` (a ``\\r`` before it is dropped), so line
    numbers match an editor's; a UTF-8 byte-order mark is dropped. Each line is decoded on its
    own, so invalid UTF-8 and corrupt gzip data raise `EvaluationInputError` at the right line.
    Raises `EvaluationInputError` if the file cannot be opened.
    """
    lineno = 0
    with _open_binary(path) as f:
        try:
            for lineno, raw in enumerate(f, start=1):
                text = raw.decode("utf-8-sig" if lineno == 1 else "utf-8").rstrip("\r\n")
                if text.strip():
                    yield lineno, text
        except UnicodeDecodeError as exc:
            raise EvaluationInputError(path, lineno, f"not valid UTF-8 ({exc.reason})") from exc
        except (OSError, EOFError, zlib.error) as exc:
            raise EvaluationInputError(path, lineno + 1, f"unreadable data: {exc}") from exc


def _parse_int(path: Path, lineno: int, text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise EvaluationInputError(path, lineno, f"{what} {text!r} is not an integer") from None


def load_queries(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a queries file: BEIR JSONL or TSV, optionally gzipped; returns query id -> text.

    The format is chosen from the first non-blank line (``{`` means JSONL). A TSV header line is
    recognised when its first column is a usual id column name (``qid``, ``query-id``, ``_id``,
    ...). Duplicate query ids and empty ids or texts are errors.
    """
    p = Path(path)
    queries: dict[str, str] = {}
    lines = numbered_lines(p)
    first = next(lines, None)
    if first is None:
        return queries
    is_jsonl = first[1].lstrip().startswith("{")
    parse = _parse_jsonl_query if is_jsonl else _parse_tsv_query
    is_header = not is_jsonl and first[1].split("\t", 1)[0].strip().lower() in _TSV_QUERY_HEADER_IDS
    for lineno, line in lines if is_header else itertools.chain([first], lines):
        qid, text = parse(p, lineno, line)
        if qid in queries:
            raise EvaluationInputError(p, lineno, f"duplicate query id {qid!r}")
        queries[qid] = text
    return queries


def _parse_jsonl_query(path: Path, lineno: int, line: str) -> tuple[str, str]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvaluationInputError(path, lineno, f"invalid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise EvaluationInputError(path, lineno, "expected a JSON object")
    qid = next((obj[k] for k in _QUERY_ID_KEYS if k in obj), None)
    text = next((obj[k] for k in _QUERY_TEXT_KEYS if k in obj), None)
    if isinstance(qid, bool) or not isinstance(qid, str | int) or str(qid).strip() == "":
        raise EvaluationInputError(
            path, lineno, 'missing or empty query id (expected a string "_id" or "id")'
        )
    if not isinstance(text, str) or not text.strip():
        raise EvaluationInputError(
            path, lineno, 'missing or empty query text (expected a string "text" or "query")'
        )
    return str(qid), text


def _parse_tsv_query(path: Path, lineno: int, line: str) -> tuple[str, str]:
    qid, tab, text = line.partition("\t")
    qid = qid.strip()
    if not tab or not qid or not text.strip():
        raise EvaluationInputError(path, lineno, "expected 'query id<TAB>query text'")
    return qid, text


def load_qrels(path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    """Read relevance judgments: TREC or BEIR TSV, optionally gzipped.

    Returns query id -> doc id -> grade, keeping every judged row (grades <= 0 included: they
    mark judged non-relevant documents). The format is chosen from the first non-blank line: three
    tab-separated columns mean BEIR TSV (a header there is skipped when its score column is not
    an integer), four whitespace-separated columns mean TREC (``qid iter docid grade``; the
    iteration column is ignored). A document judged twice with different grades is an error; an
    exact repeat is accepted.
    """
    p = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    lines = numbered_lines(p)
    first = next(lines, None)
    if first is None:
        return qrels
    beir = len(first[1].split("\t")) == 3
    if not beir and len(first[1].split()) != 4:
        raise EvaluationInputError(
            p,
            first[0],
            "unrecognised qrels format: expected TREC 'qid iter docid grade' "
            "or BEIR 'query-id<TAB>corpus-id<TAB>score'",
        )
    has_header = beir and not _is_int(first[1].split("\t")[2])
    for lineno, line in lines if has_header else itertools.chain([first], lines):
        if beir:
            fields = [f.strip() for f in line.split("\t")]
            if len(fields) != 3 or not all(fields):
                raise EvaluationInputError(p, lineno, "expected 'query-id<TAB>corpus-id<TAB>score'")
            qid, doc_id, grade_text = fields
        else:
            fields = line.split()
            if len(fields) != 4:
                raise EvaluationInputError(p, lineno, "expected 'qid iter docid grade'")
            qid, _iteration, doc_id, grade_text = fields
        grade = _parse_int(p, lineno, grade_text, "relevance grade")
        judged = qrels.setdefault(qid, {})
        if judged.get(doc_id, grade) != grade:
            raise EvaluationInputError(
                p,
                lineno,
                f"query {qid!r} judges document {doc_id!r} twice with different grades "
                f"({judged[doc_id]} and {grade})",
            )
        judged[doc_id] = grade
    return qrels


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


class BeirDataset(NamedTuple):
    """What `load_beir_dir` returns: the corpus file (not read), queries and qrels of one split."""

    corpus_path: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def _find(folder: Path, *names: str) -> Path:
    for name in names:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise EvaluationInputError(folder, None, f"no {' or '.join(names)} in this folder")


def load_beir_dir(path: str | os.PathLike[str], split: str = "test") -> BeirDataset:
    """Load a BEIR-layout folder: ``corpus.jsonl[.gz]``, ``queries.jsonl[.gz]``,
    ``qrels/<split>.tsv[.gz]``.

    The corpus is only located (it can be large; indexing streams it). As BEIR's own loader does,
    the queries are restricted to those judged in the split's qrels; a qrels query with no text
    in the queries file is an error naming the qrels file.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise EvaluationInputError(folder, None, "not a directory")
    corpus_path = _find(folder, "corpus.jsonl", "corpus.jsonl.gz")
    queries_path = _find(folder, "queries.jsonl", "queries.jsonl.gz")
    qrels_path = _find(folder / "qrels", f"{split}.tsv", f"{split}.tsv.gz")
    all_queries = load_queries(queries_path)
    qrels = load_qrels(qrels_path)
    missing = [qid for qid in qrels if qid not in all_queries]
    if missing:
        shown = ", ".join(repr(q) for q in missing[:5])
        raise EvaluationInputError(
            qrels_path,
            None,
            f"{len(missing)} judged queries have no text in {queries_path.name}: {shown}"
            + (" ..." if len(missing) > 5 else ""),
        )
    queries = {qid: all_queries[qid] for qid in qrels}
    return BeirDataset(corpus_path, queries, qrels)
