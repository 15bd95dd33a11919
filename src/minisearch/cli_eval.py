"""``minisearch eval``: measure ranking quality on a test collection from the command line.

Two ways in: an existing index plus query and qrels files, or a BEIR folder (corpus, queries,
qrels/<split>.tsv), for which an index is built once under ``.minisearch-eval/<name>`` (or
``--index``) and reused afterwards. Prints nDCG@10, Recall@100, MAP@1000, MRR@10 and P@10 by
default, as a table or JSON, and can write the run in TREC format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .cli import (
    IndexOption,
    JsonOption,
    _long_running,
    _progress_bar,
    app,
    err,
    fail,
    out,
    user_errors,
)


@app.command("eval")
def eval_command(
    beir_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(
            help="A BEIR folder (corpus.jsonl[.gz], queries.jsonl[.gz], qrels/).",
            show_default=False,
        ),
    ] = None,
    *,
    index: IndexOption = None,
    queries: Annotated[
        Path | None, typer.Option(help="Queries: BEIR JSONL or TSV (id, text).")
    ] = None,
    qrels: Annotated[Path | None, typer.Option(help="Judgments: TREC qrels or BEIR TSV.")] = None,
    split: Annotated[str, typer.Option(help="BEIR qrels split.")] = "test",
    metric: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--metric",
            "-m",
            help="Measure such as ndcg@10, recall@100, map@1000, mrr@10, p@10 (repeatable).",
        ),
    ] = None,
    k1: Annotated[Optional[float], typer.Option(help="BM25 k1 (default 1.2).")] = None,  # noqa: UP045
    b: Annotated[Optional[float], typer.Option(help="BM25 b (default 0.75).")] = None,  # noqa: UP045
    run_out: Annotated[Optional[Path], typer.Option(help="Write the run in TREC format.")] = None,  # noqa: UP045
    as_json: JsonOption = False,
) -> None:
    """Run every judged query and print nDCG@10, Recall@100, MAP@1000, MRR@10, P@10."""
    _long_running()
    from .evaluation import (
        DEFAULT_MEASURES,
        load_beir_dir,
        load_qrels,
        load_queries,
        write_trec_run,
    )
    from .index import Index
    from .relevance import build_beir_index, evaluate
    from .scoring import Bm25Params

    with user_errors():
        if beir_dir is not None:
            dataset = load_beir_dir(beir_dir, split)
            query_map, qrel_map = dataset.queries, dataset.qrels
            path = index or Path(".minisearch-eval") / beir_dir.resolve().name
            if Index.exists(path):
                idx = Index.open(path)
            else:
                err.line(f"building an index of {dataset.corpus_path} in {path} ...")
                idx = build_beir_index(dataset.corpus_path, path)
        else:
            if queries is None or qrels is None:
                raise fail("give a BEIR folder, or --queries and --qrels with --index")
            query_map, qrel_map = load_queries(queries), load_qrels(qrels)
            from .cli import _open_index

            idx = _open_index(index)
        defaults = Bm25Params()
        try:
            params = Bm25Params(
                k1=defaults.k1 if k1 is None else k1, b=defaults.b if b is None else b
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
        report = evaluate(
            idx,
            query_map,
            qrel_map,
            metrics=tuple(metric or DEFAULT_MEASURES),
            params=params,
            progress=_progress_bar(as_json),
        )
        if run_out is not None:
            write_trec_run(report.run, run_out)
    result = report.result
    if as_json:
        payload: dict[str, Any] = {
            "means": result.means,
            "evaluated": result.evaluated,
            "skipped_no_relevant": len(result.skipped_no_relevant),
            "missing_from_run": len(result.missing_from_run),
        }
        out.line(json.dumps(payload))
        return
    width = max(len(name) for name in result.means)
    for name, value in result.means.items():
        out.line(f"{name:<{width}}  {value:.4f}")
    out.print(
        f"{result.evaluated} queries evaluated, {len(result.skipped_no_relevant)} skipped "
        "(no relevant documents)",
        style="dim",
    )
