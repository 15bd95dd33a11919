"""IR evaluation with trec_eval semantics, on plain data (no dependency on the engine).

`evaluate_run` scores a run against qrels; the loaders read BEIR and TREC files; `write_trec_run`
and `read_trec_run` exchange runs with trec_eval and other tools.
"""

from minisearch.evaluation.loaders import (
    BeirDataset,
    EvaluationInputError,
    load_beir_dir,
    load_qrels,
    load_queries,
)
from minisearch.evaluation.measures import (
    DEFAULT_MEASURES,
    EvaluationResult,
    Measure,
    Qrels,
    Run,
    evaluate_run,
)
from minisearch.evaluation.run import read_trec_run, write_trec_run

__all__ = [
    "DEFAULT_MEASURES",
    "BeirDataset",
    "EvaluationInputError",
    "EvaluationResult",
    "Measure",
    "Qrels",
    "Run",
    "evaluate_run",
    "load_beir_dir",
    "load_qrels",
    "load_queries",
    "read_trec_run",
    "write_trec_run",
]
