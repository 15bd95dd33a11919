"""Ranking-quality measures with trec_eval semantics, computed on plain data.

This module owns the arithmetic of IR evaluation: parsing measure names such as ``"ndcg@10"``,
and scoring a run (query id -> ranked ``(doc id, score)`` list) against qrels (query id -> doc id
-> graded relevance). It never imports the search engine, so it can be tested on hand-made data
and checked against ``pytrec_eval``; the engine-facing ``evaluate()`` is built on top of it.

The semantics follow trec_eval as used by BEIR and Anserini:

* A document is relevant when its grade is > 0. Grades of 0 or below are judged non-relevant
  and contribute no gain (trec_eval treats a negative grade as gain 0 too).
* ``nDCG@k`` is trec_eval ``ndcg_cut.k``: gain is the grade (linear), discount is
  ``1 / log2(rank + 1)``, and the ideal DCG ranks all judged grades of the query in descending
  order, cut at k.
* ``Recall@k`` is relevant retrieved in the top k over the total number of relevant documents.
* ``MAP@k`` is trec_eval ``map`` on the run cut at k (``map_cut.k``): the sum of precision at
  the rank of every relevant document retrieved within k, over the total number of relevant.
* ``MRR@k`` is ``1 / rank`` of the first relevant document within k (0 when there is none),
  i.e. trec_eval ``recip_rank`` on the run cut at k.
* ``P@k`` is relevant retrieved in the top k over k, even when fewer than k were retrieved.

Query handling follows trec_eval ``-c``: a query judged in the qrels but with no relevant
document is skipped (and reported); a query with relevant documents that is absent from the run
scores 0 on every measure and counts in the mean; run queries absent from the qrels are ignored.

One deliberate difference: the run's list order is authoritative. The engine already breaks
score ties deterministically, so ranks are list positions. trec_eval instead re-sorts every
query's results by score descending, then by doc id *descending*, so the two agree only when
the scores within a query are distinct (or already ordered that way).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

Qrels = Mapping[str, Mapping[str, int]]
"""Query id -> doc id -> graded relevance (> 0 relevant; 0 or negative judged non-relevant)."""

Run = Mapping[str, Sequence[tuple[str, float]]]
"""Query id -> ranked ``(doc id, score)`` list, best first; ranks are list positions."""

_CANONICAL: Final[dict[str, str]] = {
    "ndcg": "nDCG",
    "recall": "Recall",
    "map": "MAP",
    "mrr": "MRR",
    "p": "P",
}
"""Measure family (lower-case, as parsed) -> canonical spelling used in names and reports."""

_NEEDS_CUTOFF: Final[frozenset[str]] = frozenset({"p"})
"""Families without a meaning when no cutoff is given (precision over 'everything' is not one)."""

DEFAULT_MEASURES: Final[tuple[str, ...]] = ("ndcg@10", "recall@100", "map@1000", "mrr@10", "p@10")


def _allowed() -> str:
    return ", ".join(f"{name}@k" for name in _CANONICAL) + " (or ndcg, recall, map, mrr without @k)"


@dataclass(frozen=True, slots=True)
class Measure:
    """One measure: a family (``ndcg``, ``recall``, ``map``, ``mrr``, ``p``) and an optional cutoff.

    ``name`` is the lower-case family; ``cutoff`` is the rank depth k, or ``None`` to use the
    whole ranking (not allowed for ``p``).
    """

    name: str
    cutoff: int | None

    def __post_init__(self) -> None:
        if self.name not in _CANONICAL:
            raise ValueError(f"unknown measure family {self.name!r}; allowed: {_allowed()}")
        if self.cutoff is None and self.name in _NEEDS_CUTOFF:
            raise ValueError(f"measure {self.name!r} needs a cutoff, e.g. {self.name}@10")
        if self.cutoff is not None and self.cutoff < 1:
            raise ValueError(f"measure cutoff must be a positive integer, got {self.cutoff}")

    @classmethod
    def parse(cls, text: str) -> Measure:
        """Parse ``"ndcg@10"``, ``"Recall@100"``, ``"map"`` ... (case-insensitive).

        Raises ``ValueError`` naming the allowed families for anything else.
        """
        family, at, depth = text.strip().lower().partition("@")
        if family not in _CANONICAL:
            raise ValueError(f"unknown measure {text!r}; allowed: {_allowed()}")
        if not at:
            return cls(family, None)
        if not depth.isdigit():
            raise ValueError(
                f"bad cutoff in measure {text!r}: expected a positive integer after '@'"
            )
        return cls(family, int(depth))

    def __str__(self) -> str:
        base = _CANONICAL[self.name]
        return base if self.cutoff is None else f"{base}@{self.cutoff}"


@dataclass(frozen=True)
class EvaluationResult:
    """The outcome of `evaluate_run`.

    ``means`` maps each canonical measure name to its mean over the evaluated queries;
    ``per_query`` holds the same values per evaluated query (in qrels order). ``evaluated`` counts
    queries with at least one relevant document, including those in ``missing_from_run`` (which
    score 0). ``skipped_no_relevant`` lists judged queries with no relevant document; they are
    left out of the means, as trec_eval does.
    """

    means: dict[str, float]
    per_query: dict[str, dict[str, float]]
    evaluated: int
    skipped_no_relevant: list[str]
    missing_from_run: list[str]


def _score_query(
    ranking: Sequence[tuple[str, float]],
    judged: Mapping[str, int],
    measures: Sequence[Measure],
    qid: str,
) -> dict[str, float]:
    """All measures for one query that has at least one relevant document."""
    seen: set[str] = set()
    for doc_id, _score in ranking:
        if doc_id in seen:
            raise ValueError(f"query {qid!r}: document {doc_id!r} appears twice in the ranking")
        seen.add(doc_id)
    cutoffs = [m.cutoff for m in measures]
    depth = None if None in cutoffs else max(c for c in cutoffs if c is not None)
    grades = [judged.get(doc_id, 0) for doc_id, _score in ranking[:depth]]
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)
    return {str(m): _value(m, grades, ideal) for m in measures}


def _dcg(gains: Iterable[int]) -> float:
    return math.fsum(g / math.log2(rank + 1) for rank, g in enumerate(gains, start=1) if g > 0)


def _value(measure: Measure, grades: list[int], ideal: list[int]) -> float:
    """One measure from the run's grades (rank order) and the query's relevant grades, descending.

    ``len(ideal)`` is the number of relevant documents, and is never 0 here.
    """
    k = measure.cutoff
    top = grades[:k]
    hits = [rank for rank, g in enumerate(top, start=1) if g > 0]
    match measure.name:
        case "ndcg":
            return _dcg(top) / _dcg(ideal[:k])
        case "recall":
            return len(hits) / len(ideal)
        case "map":
            return math.fsum(n / rank for n, rank in enumerate(hits, start=1)) / len(ideal)
        case "mrr":
            return 1.0 / hits[0] if hits else 0.0
        case "p":
            assert k is not None  # Measure.__post_init__ guarantees a cutoff for P
            return len(hits) / k
    raise AssertionError(f"unhandled measure family {measure.name!r}")


def _resolve(measures: Sequence[Measure | str]) -> list[Measure]:
    """Parse strings, drop duplicates (``"NDCG@10"`` and ``"ndcg@10"`` are one), keep order."""
    if isinstance(measures, str):
        raise TypeError("measures must be a sequence of names, not one string")
    resolved: list[Measure] = []
    for m in measures:
        parsed = m if isinstance(m, Measure) else Measure.parse(m)
        if parsed not in resolved:
            resolved.append(parsed)
    if not resolved:
        raise ValueError("no measures given")
    return resolved


def evaluate_run(
    run: Run, qrels: Qrels, measures: Sequence[Measure | str] = DEFAULT_MEASURES
) -> EvaluationResult:
    """Score ``run`` against ``qrels`` on ``measures`` with trec_eval ``-c`` semantics.

    See the module docstring for the exact definitions. Raises ``ValueError`` when a measure
    name is unknown, when a query's ranking lists a document twice (trec_eval rejects that too),
    or when no query in the qrels has a relevant document (there would be nothing to average).
    """
    resolved = _resolve(measures)
    names = [str(m) for m in resolved]
    per_query: dict[str, dict[str, float]] = {}
    skipped: list[str] = []
    missing: list[str] = []
    for qid, judged in qrels.items():
        if not any(g > 0 for g in judged.values()):
            skipped.append(qid)
            continue
        ranking = run.get(qid)
        if ranking is None:
            missing.append(qid)
            per_query[qid] = dict.fromkeys(names, 0.0)
        else:
            per_query[qid] = _score_query(ranking, judged, resolved, qid)
    if not per_query:
        raise ValueError(
            "nothing to evaluate: no query in the qrels has a relevant document (grade > 0)"
        )
    means = {
        name: math.fsum(v[name] for v in per_query.values()) / len(per_query) for name in names
    }
    return EvaluationResult(
        means=means,
        per_query=per_query,
        evaluated=len(per_query),
        skipped_no_relevant=skipped,
        missing_from_run=missing,
    )
