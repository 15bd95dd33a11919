"""The ``minisearch`` command line: thin typer commands over the public Python API.

Commands only parse options, call library functions that return data, and print. User
errors (a missing index, a locked index, a corrupt file, a bad path) become one line on
stderr and exit code 1, never a traceback. Heavy modules are imported inside the commands so
that ``minisearch --help`` starts instantly. The default index is ``./.minisearch`` (or
``$MINISEARCH_INDEX``), so ``minisearch index seeds/`` then ``minisearch search ...`` just works.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from .index import Index

DEFAULT_INDEX = ".minisearch"
INDEX_ENV = "MINISEARCH_INDEX"

app = typer.Typer(
    name="minisearch",
    help="Full-text search: build an index from files, run ranked BM25 queries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class LazyConsole:
    """Standard output or error: plain lines (`line`), or a rich `Console` made on first use.

    Importing rich costs ~30 ms of every command's start; JSON output and error messages are
    plain lines and do without it.
    """

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def line(self, text: str) -> None:
        """`text` as it is, on a line of its own."""
        print(text, file=sys.stderr if self._stderr else sys.stdout)

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            width = None if self._stderr or sys.stdout.isatty() else 160
            self._console = Console(
                stderr=self._stderr, highlight=False, soft_wrap=True, width=width
            )
        return self._console

    def __getattr__(self, name: str) -> Any:  # print, is_terminal, ...
        return getattr(self.console, name)


out = LazyConsole()
err = LazyConsole(stderr=True)


def default_index() -> Path:
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


IndexOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional
    typer.Option(
        "--index",
        "-i",
        help=f"Index directory [default: ${INDEX_ENV} or ./{DEFAULT_INDEX}]",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def fail(message: str) -> typer.Exit:
    err.line(f"minisearch: error: {message}")
    return typer.Exit(code=1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into one stderr line and exit code 1."""
    from .errors import MinisearchError

    try:
        yield
    except MinisearchError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None


def _version(value: bool) -> None:
    if value:
        from . import __version__

        out.print(f"minisearch {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Full-text search with BM25 ranking over an on-disk index."""


def _open_index(path: Path | None) -> Index:
    from .index import Index

    return Index.open(path or default_index())


@app.command("index")
def index_command(
    sources: Annotated[
        list[Path], typer.Argument(help="Files or directories: .txt/.md trees, JSONL, CSV/TSV.")
    ],
    *,
    index: IndexOption = None,
    id_field: Annotated[str, typer.Option(help="JSONL/CSV key holding the document id.")] = "id",
    text_field: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--text-field",
            help="JSONL/CSV key to analyze as text (repeatable; default: all string keys).",
        ),
    ] = None,
    memory_mb: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            help="Flush a segment when buffered documents reach this size "
            "(default: the writer's, 512 MB).",
            show_default=False,
        ),
    ] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another writer's lock.")] = 0.0,
    workers: Annotated[
        int, typer.Option(min=0, help="Processes building segments in parallel (0: one per CPU).")
    ] = 1,
    as_json: JsonOption = False,
) -> None:
    """Index documents (creating the index if needed); existing ids are updated."""
    from .index_files import index_sources

    _long_running()
    path = index or default_index()
    for source in sources:
        if not source.exists():
            raise fail(f"no such file or directory: {source}")
    with user_errors():
        summary = index_sources(
            path,
            sources,
            id_field=id_field,
            text_fields=tuple(text_field or ()),
            memory_budget_mb=memory_mb,
            lock_timeout=wait,
            progress=_progress_bar(as_json),
            workers=workers,
        )
    if as_json:
        out.line(json.dumps(summary.to_dict()))
        return
    out.print(
        f"indexed {summary.added:,} new and {summary.updated:,} updated documents into {path} "
        f"in {summary.seconds:.2f}s: {summary.documents:,} documents, {summary.terms:,} terms, "
        f"{summary.segments} segment(s), {summary.size_bytes:,} bytes",
        markup=False,
    )
    if summary.skipped:
        reasons = Counter(_reason_kind(s.reason) for s in summary.skipped)
        detail = ", ".join(f"{n} {why}" for why, n in reasons.most_common())
        err.line(f"skipped {len(summary.skipped)} input(s): {detail}")
        for s in summary.skipped[:20]:
            where = f"{s.source}:{s.line}" if s.line else s.source
            err.line(f"  {where}: {s.reason}")
        if len(summary.skipped) > 20:
            err.line(f"  ... and {len(summary.skipped) - 20} more")


def _reason_kind(reason: str) -> str:
    return reason.split(" (", 1)[0].split(":", 1)[0]


def _progress_bar(disabled: bool) -> Any:
    """A callback(done, total) drawing a progress bar on stderr, or None."""
    if disabled or not err.is_terminal:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err.console,
        transient=True,
    )
    state: dict[str, Any] = {}

    def update(done: int, total: int | None) -> None:
        if "task" not in state:
            progress.start()
            state["task"] = progress.add_task("indexing", total=total)
        progress.update(state["task"], completed=done, total=total)
        if total is not None and done >= total:
            progress.stop()

    return update


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Query text.")],
    *,
    index: IndexOption = None,
    k: Annotated[int, typer.Option("-k", "--limit", min=0, help="Number of hits.")] = 10,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many hits (pagination).")] = 0,
    field: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--field", "-f", help="Search only this text field (repeatable)."),
    ] = None,
    all_terms: Annotated[bool, typer.Option("--and", help="Require every query term.")] = False,
    plain: Annotated[
        bool, typer.Option("--plain", help="Plain words: no operators, quotes or fields.")
    ] = False,
    show_snippets: Annotated[
        bool, typer.Option("--snippets/--no-snippets", help="Show highlighted fragments.")
    ] = True,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show how each hit's score is computed.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run a ranked query (see docs/QUERIES.md for the syntax) and print the best hits."""
    from .errors import QuerySyntaxError

    with user_errors():
        started = time.perf_counter()
        idx = _open_index(index)
        try:
            results = idx.search(
                query,
                k,
                offset=offset,
                fields=field or None,
                default_operator="AND" if all_terms else "OR",
                with_snippets=show_snippets,
                syntax=not plain,
            )
        except QuerySyntaxError as exc:
            err.line(f"minisearch: error: {exc.message}")
            err.line(f"  {query}\n  {' ' * exc.position}^")
            raise typer.Exit(code=1) from None
        elapsed = time.perf_counter() - started
        explanations = (
            {h.id: idx.explain(results.query, h.id) for h in results.hits} if explain else {}
        )
        suggestion = (
            idx.did_you_mean(query) if results.total == 0 or len(results.hits) < k else None
        )
    if as_json:
        for hit in results.hits:
            record: dict[str, Any] = {
                "rank": hit.rank,
                "id": hit.id,
                "score": hit.score,
                "fields": hit.fields,
            }
            if show_snippets:
                record["snippets"] = {
                    f: [fr.to_dict() for fr in frs] for f, frs in hit.snippets.items()
                }
            if explain and explanations.get(hit.id) is not None:
                record["explanation"] = explanations[hit.id].to_dict()  # type: ignore[union-attr]
            out.line(json.dumps(record, ensure_ascii=False, default=str))
        if suggestion:
            err.line(f"did you mean: {suggestion}")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column(
        "id", no_wrap=True, min_width=min(max((len(h.id) for h in results.hits), default=2), 40)
    )
    table.add_column("title", overflow="ellipsis", no_wrap=True)
    for hit in results.hits:
        title = _title_of(hit.fields)
        table.add_row(str(hit.rank), f"{hit.score:.4f}", hit.id, title)
    out.print(table)
    for hit in results.hits:
        if (show_snippets and hit.snippets) or explain:
            out.print(f"[bold]{hit.rank}. {escape(hit.id)}[/bold]")
        if show_snippets:
            for fragments in hit.snippets.values():
                for fragment in fragments:
                    text = fragment.marked("\x00", "\x01").replace("\n", " ")
                    text = (
                        escape(text)
                        .replace("\x00", "[bold yellow]")
                        .replace("\x01", "[/bold yellow]")
                    )
                    out.print(f"   …{text}…")
        explanation = explanations.get(hit.id)
        if explanation is not None:
            out.line(explanation.render(indent=2))
    out.print(
        f"{len(results.hits)} of {results.total:,} matching documents ({elapsed * 1000:.1f} ms)",
        style="dim",
    )
    if suggestion:
        out.print(f"did you mean: [bold]{escape(suggestion)}[/bold]")


@app.command("similar")
def similar_command(
    doc_id: Annotated[str, typer.Argument(help="Id of the document to find neighbours of.")],
    *,
    index: IndexOption = None,
    k: Annotated[int, typer.Option("-k", "--limit", min=1, help="Number of hits.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Documents most similar to a given one (its most distinctive terms as a query)."""
    with user_errors():
        results = _open_index(index).more_like_this(doc_id, k)
    for hit in results.hits:
        if as_json:
            out.line(json.dumps({"rank": hit.rank, "id": hit.id, "score": hit.score}))
        else:
            out.line(f"{hit.rank:>3}  {hit.score:8.4f}  {hit.id}  {_title_of(hit.fields)}")


def _title_of(fields: dict[str, Any]) -> str:
    for key in ("title", "name", "subject"):
        value = fields.get(key)
        if isinstance(value, str) and value:
            return value
    for value in fields.values():
        if isinstance(value, str) and value:
            return value.strip().split("\n", 1)[0]
    return ""


@app.command("info")
def info_command(*, index: IndexOption = None, as_json: JsonOption = False) -> None:
    """Describe an index: documents, segments, fields, terms, format, size."""
    with user_errors():
        info = _open_index(index).info()
    if as_json:
        out.line(json.dumps(_asdict(info)))
        return
    out.line(f"index          {info.path}")
    out.print(f"format         v{info.format_version} (generation {info.generation})")
    out.print(f"documents      {info.documents:,} live, {info.deleted:,} deleted")
    out.print(f"segments       {info.segments}")
    out.print(f"size on disk   {info.size_bytes:,} bytes")
    for f in info.fields:
        extra = f", {info.terms[f['name']]:,} terms" if f["name"] in info.terms else ""
        boost = f", boost {f['boost']:g}" if f["kind"] == "text" else ""
        out.line(f"field          {f['name']} ({f['kind']}{boost}{extra})")
    analyzer = info.analyzer
    out.print(
        f"analyzer       stopwords={analyzer.get('stopwords')} stemmer={analyzer.get('stemmer')} "
        f"fold_accents={analyzer.get('fold_accents')}",
        markup=False,
    )


def _asdict(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(obj)


def _register_command_modules() -> None:
    """Commands that live in their own modules (maintenance, evaluation) attach to `app` here."""
    from importlib import import_module

    for name in ("cli_admin", "cli_eval"):
        try:
            import_module(f"minisearch.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"minisearch.{name}":
                raise


def main() -> NoReturn:
    """Console-script entry point: run one command, then end the process at once.

    A command is a short-lived process, and two parts of Python's usual life cost it time
    for nothing (measured on a search of a million-document index, about 350 ms in all):
    - the cyclic garbage collector, 15-20 ms: start-up makes tens of thousands of lasting
      objects (modules, classes, an index's dictionaries), which it scans again and again.
      It is off while a command runs; the ones that may run long (`index`, `merge`, `eval`)
      turn it back on (`_long_running`).
    - tearing the interpreter down at exit, 65 ms: freeing every module, class and array,
      and a last collection. Nothing needs it: commands write, sync and close their files
      before they return, and the kernel releases maps and locks. Once the command is done,
      atexit handlers run and the output is flushed, the process exits without it.
    An exception other than the exit typer raises takes the usual way out (a traceback).
    """
    gc.disable()
    try:
        app()
        status: object = 0
    except SystemExit as stop:
        status = stop.code
    _exit_now(status)


def _exit_now(status: object) -> NoReturn:
    """Exit with `status` (as `sys.exit` reads it) without tearing the interpreter down."""
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader went away (a closed pipe): the output is lost
        status = status or 1
    os._exit(status)


def _long_running() -> None:
    """Turn the cyclic garbage collector back on, for commands whose work grows with their
    input (`main` turns it off for start-up). What start-up made is frozen: never scanned."""
    if not gc.isenabled():  # off since `main`; a caller in-process keeps its own settings
        gc.freeze()
        gc.enable()


if __name__ == "__main__":  # pragma: no cover
    # `python -m minisearch.cli` runs this file as a module of its own, named __main__; the
    # maintenance and evaluation commands attach to the app of minisearch.cli proper.
    from minisearch.cli import main as _main

    _main()
else:
    _register_command_modules()
