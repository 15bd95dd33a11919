"""Relevance evaluation of the engine on a test collection: run every judged query, score it.

The measures themselves live in `minisearch.evaluation` (plain data, trec_eval semantics);
this module is the engine-facing side: it runs queries through a `Searcher`, deep enough for
the deepest cutoff asked for, and can build (or reuse) an index for a BEIR folder with the
default schema for such corpora (title and text as separate text fields).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analysis import AnalyzerConfig
from .evaluation import DEFAULT_MEASURES, EvaluationResult, Measure, evaluate_run
from .index import Index
from .schema import Schema, TextField
from .scoring import Bm25Params
from .searcher import Searcher

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class EvaluationReport:
    """Measures plus the run that produced them (query id -> ranked (doc id, score))."""

    result: EvaluationResult
    run: dict[str, list[tuple[str, float]]]
    queries: int


def evaluate(
    index: Index | Searcher,
    queries: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, int]],
    *,
    metrics: Sequence[Measure | str] = DEFAULT_MEASURES,
    params: Bm25Params | None = None,
    depth: int | None = None,
    progress: ProgressCallback | None = None,
) -> EvaluationReport:
    """Run every query that has judgments and evaluate the run against `qrels`.

    Queries are plain text (`Searcher.parse_plain`), searched `depth` deep (by default the
    deepest cutoff among `metrics`, at least 1,000 for cutoff-free measures). Available as
    ``minisearch.evaluate``.
    """
    resolved = [m if isinstance(m, Measure) else Measure.parse(m) for m in metrics]
    k = depth or max([m.cutoff or 1000 for m in resolved] + [10])
    searcher = index if isinstance(index, Searcher) else index.searcher(params=params)
    judged = [q for q in queries if q in qrels]
    run: dict[str, list[tuple[str, float]]] = {}
    try:
        for n, qid in enumerate(judged, 1):
            hits = searcher.search(queries[qid], k, stored_fields=False, syntax=False)
            run[qid] = [(hit.id, hit.score) for hit in hits]
            if progress:
                progress(n, len(judged))
    finally:
        if searcher is not index:
            searcher.close()
    return EvaluationReport(evaluate_run(run, qrels, resolved), run, len(judged))


def beir_schema() -> Schema:
    """Title (weight 2) and text as two text fields, as BEIR corpora are shaped."""
    return Schema([TextField("title", boost=2.0, stored=True), TextField("text", stored=False)])


def build_beir_index(
    corpus_path: Path,
    index_path: Path,
    *,
    analyzer: AnalyzerConfig | None = None,
    schema: Schema | None = None,
) -> Index:
    """Index a BEIR corpus.jsonl(.gz) into `index_path` (which must not hold an index)."""
    index = Index.create(index_path, schema=schema or beir_schema(), analyzer=analyzer)
    with index.writer() as writer:
        for record in _beir_corpus(corpus_path):
            writer.add(record)
    return index


def _beir_corpus(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                yield {
                    "id": str(row["_id"]),
                    "title": row.get("title") or "",
                    "text": row.get("text") or "",
                }
