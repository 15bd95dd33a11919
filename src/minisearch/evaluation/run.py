"""TREC run files: writing the engine's rankings out and reading rankings back in.

This module owns the six-column TREC run format (``qid Q0 docid rank score tag``) that
trec_eval, pytrec_eval and most IR tooling exchange. Writing one lets a minisearch run be checked
with the reference tools; reading one lets any system's run be scored with `evaluate_run`.

Ranks written are 1-based list positions. Scores are written with ``repr`` (the shortest text
that reads back as the same float), so a written run reads back identical. Note that trec_eval
ignores the rank column and re-sorts by score (ties by doc id descending); `read_trec_run`
instead orders by the rank column, which is what the writer of the file meant.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from minisearch.evaluation.loaders import EvaluationInputError, numbered_lines


def _check_token(value: str, what: str) -> None:
    if not value or any(c.isspace() for c in value):
        raise ValueError(f"{what} {value!r} cannot be written to a TREC run: empty or has spaces")


def write_trec_run(
    run: Mapping[str, Sequence[tuple[str, float]]],
    path_or_file: str | os.PathLike[str] | TextIO,
    tag: str = "minisearch",
) -> None:
    """Write ``run`` as ``qid Q0 docid rank score tag`` lines, ranks 1-based in list order.

    ``path_or_file`` is a path (created or overwritten, UTF-8) or an open text file (written to,
    not closed). Raises ``ValueError`` for an id or tag that is empty or contains whitespace, or
    a score that is not finite: trec_eval could not read either back.
    """
    _check_token(tag, "run tag")
    if isinstance(path_or_file, str | os.PathLike):
        with Path(path_or_file).open("w", encoding="utf-8", newline="\n") as f:
            _write(run, f, tag)
    else:
        _write(run, path_or_file, tag)


def _write(run: Mapping[str, Sequence[tuple[str, float]]], out: TextIO, tag: str) -> None:
    for qid, ranking in run.items():
        _check_token(qid, "query id")
        for rank, (doc_id, score) in enumerate(ranking, start=1):
            _check_token(doc_id, "document id")
            value = float(score)
            if not math.isfinite(value):
                raise ValueError(f"query {qid!r}, document {doc_id!r}: score {value} is not finite")
            out.write(f"{qid} Q0 {doc_id} {rank} {value!r} {tag}\n")


def read_trec_run(path: str | os.PathLike[str]) -> dict[str, list[tuple[str, float]]]:
    """Read a TREC run file (optionally gzipped): query id -> ``(doc id, score)`` sorted by rank.

    Queries keep the order of their first line in the file; lines with equal ranks keep file
    order. A malformed line, or a document listed twice for one query, raises
    `EvaluationInputError` naming the file and line.
    """
    p = Path(path)
    ranked: dict[str, list[tuple[int, str, float]]] = {}
    seen: dict[str, set[str]] = {}
    for lineno, line in numbered_lines(p):
        fields = line.split()
        if len(fields) != 6:
            raise EvaluationInputError(
                p, lineno, f"expected 6 columns 'qid Q0 docid rank score tag', got {len(fields)}"
            )
        qid, _q0, doc_id, rank_text, score_text, _tag = fields
        try:
            rank = int(rank_text)
        except ValueError:
            raise EvaluationInputError(p, lineno, f"rank {rank_text!r} is not an integer") from None
        try:
            score = float(score_text)
        except ValueError:
            raise EvaluationInputError(p, lineno, f"score {score_text!r} is not a number") from None
        docs = seen.setdefault(qid, set())
        if doc_id in docs:
            raise EvaluationInputError(
                p, lineno, f"document {doc_id!r} listed twice for query {qid!r}"
            )
        docs.add(doc_id)
        ranked.setdefault(qid, []).append((rank, doc_id, score))
    return {
        qid: [(doc_id, score) for _rank, doc_id, score in sorted(rows, key=lambda r: r[0])]
        for qid, rows in ranked.items()
    }
