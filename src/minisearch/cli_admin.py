"""Maintenance commands of the ``minisearch`` CLI: ``delete``, ``merge`` and ``check``.

They live apart from cli.py so that the write-side maintenance surface (and its imports of
the writer, merge and check modules) stays out of the search path; cli.py imports this
module at start-up, which only registers the commands. Conventions are cli.py's: errors are
one stderr line and exit 1, ``--json`` prints one JSON object, ``--wait`` is how long a
writing command waits for another writer's lock (default: fail at once).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from .cli import (
    IndexOption,
    JsonOption,
    _long_running,
    _open_index,
    app,
    err,
    fail,
    out,
    user_errors,
)

WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for another writer's lock.")
]


def _open_writer(index: IndexOption, wait: float) -> Any:
    from .writer import IndexWriter

    return IndexWriter(_open_index(index).path, lock_timeout=wait)


@app.command("delete")
def delete_command(
    ids: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional
        typer.Argument(help="External ids of the documents to delete."),
    ] = None,
    *,
    query: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--query", "-q", help="Also delete every document matching this query."),
    ] = None,
    index: IndexOption = None,
    wait: WaitOption = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Delete documents by id (and/or by query) and commit."""
    if not ids and query is None:
        raise fail("nothing to delete: give document ids or --query")
    with user_errors():
        with _open_writer(index, wait) as writer:
            missing = [doc_id for doc_id in ids or [] if not writer.delete(doc_id)]
            by_query = writer.delete_by_query(query) if query is not None else 0
            deleted = writer.stats.deleted
        generation = writer.commit_point.generation
    if as_json:
        record = {
            "deleted": deleted,
            "by_query": by_query,
            "missing": missing,
            "generation": generation,
        }
        out.line(json.dumps(record))
        return
    out.line(f"deleted {deleted:,} document(s) (generation {generation})")
    if missing:
        err.line(f"not found: {', '.join(missing)}")


@app.command("merge")
def merge_command(
    *,
    max_segments: Annotated[
        int, typer.Option(min=1, help="Merge down to at most this many segments.")
    ] = 1,
    index: IndexOption = None,
    wait: WaitOption = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Merge segments (default: into one), dropping deleted documents."""
    _long_running()
    with user_errors(), _open_writer(index, wait) as writer:
        before = len(writer.commit_point.segments)
        commit = writer.merge(max_segments=max_segments)
    record = {
        "segments_before": before,
        "segments": len(commit.segments),
        "generation": commit.generation,
    }
    if as_json:
        out.line(json.dumps(record))
        return
    out.print(
        f"merged {before} segment(s) into {len(commit.segments)} (generation {commit.generation})",
        markup=False,
    )


@app.command("check")
def check_command(*, index: IndexOption = None, as_json: JsonOption = False) -> None:
    """Verify every checksum and structural invariant; exit 1 if anything is wrong."""
    from .check import check_index
    from .cli import default_index

    path = index or default_index()
    with user_errors():
        report = check_index(path)
    if as_json:
        out.line(json.dumps(report.to_dict()))
    else:
        for warning in report.warnings:
            err.line(f"warning: {warning.file}: {warning.message}")
        for problem in report.problems:
            err.line(f"error: {problem.file}: {problem.message}")
        status = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        out.print(
            f"{path}: {status}; generation {report.generation}, {report.segments} segment(s), "
            f"{report.documents:,} documents, {report.files_checked} files checked",
            markup=False,
        )
    if not report.ok:
        raise typer.Exit(code=1)
