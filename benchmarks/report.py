"""Turning measured rows into ratios, a Markdown report and the QPS-vs-size plot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REFERENCE = "minisearch"

#: Metrics compared as minisearch / peer, with the direction that is better.
RATIO_METRICS: dict[str, str] = {
    "build_s": "lower",
    "docs_per_s": "higher",
    "size_bytes": "lower",
    "open_s": "lower",
    "rss_open_bytes": "lower",
    "rss_after_queries_bytes": "lower",
    "anon_after_queries_bytes": "lower",
    "qps_k10": "higher",
    "qps_k100": "higher",
    "p50_ms_k10": "lower",
    "p99_ms_k10": "lower",
    "ndcg@10": "higher",
    "recall@100": "higher",
}

_MB = 1024 * 1024


def _num(fmt: str, scale: float = 1.0) -> Callable[[Any], str]:
    def render(value: Any) -> str:
        return "–" if value is None else format(value * scale, fmt)

    return render


#: (column header, row key, formatter) of the per-corpus engine table.
COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("build s", "build_s", _num(".2f")),
    ("docs/s", "docs_per_s", _num(",.0f")),
    ("disk MB", "size_bytes", _num(".1f", 1 / _MB)),
    ("import ms", "import_s", _num(".0f", 1000)),
    ("open ms", "open_s", _num(".1f", 1000)),
    ("1st query ms", "first_query_s", _num(".1f", 1000)),
    ("RSS open MB", "rss_open_bytes", _num(".0f", 1 / _MB)),
    ("RSS queried MB", "rss_after_queries_bytes", _num(".0f", 1 / _MB)),
    ("anon queried MB", "anon_after_queries_bytes", _num(".0f", 1 / _MB)),
    ("QPS k=10", "qps_k10", _num(",.0f")),
    ("QPS k=100", "qps_k100", _num(",.0f")),
    ("p50 ms", "p50_ms_k10", _num(".3f")),
    ("p99 ms", "p99_ms_k10", _num(".3f")),
    ("nDCG@10", "ndcg@10", _num(".4f")),
    ("R@100", "recall@100", _num(".4f")),
    ("top-10 overlap", "overlap@10_vs_minisearch", _num(".2f")),
]


def ratios(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """``{peer: {metric: minisearch_value / peer_value}}`` for one corpus's rows."""
    ref = next((r for r in rows if r["engine"] == REFERENCE), None)
    if ref is None:
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for row in rows:
        if row["engine"] == REFERENCE:
            continue
        out[row["engine"]] = {
            metric: (ref[metric] / row[metric])
            if isinstance(ref.get(metric), int | float) and row.get(metric)
            else None
            for metric in RATIO_METRICS
        }
    return out


def _table(header: list[str], body: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return lines


def markdown(results: dict[str, Any]) -> str:
    """The human-readable report (``results/latest.md``)."""
    meta = results["meta"]
    lines = [
        "# minisearch benchmarks",
        "",
        f"Run {meta['timestamp']} on {meta['platform']} ({meta['cpu_count']} cores),"
        f" Python {meta['python']}; {meta['rounds']} timing rounds, one thread"
        " (`OMP_NUM_THREADS=NUMBA_NUM_THREADS=1`).",
        "",
        "Times are medians. QPS and latencies are warm, single-threaded, in one process;"
        " open time and RSS come from a fresh process per engine. Ratios are"
        " minisearch ÷ peer: above 1 is better for docs/s, QPS, nDCG and recall;"
        " below 1 is better for times, bytes and memory.",
    ]
    for corpus in results["corpora"]:
        name = corpus["name"]
        rows = [r for r in results["results"] if r["corpus"] == name]
        lines += ["", f"## {name}", ""]
        lines.append(
            f"{corpus['n_docs']:,} docs, {corpus['n_queries']:,} queries"
            + (
                f", {corpus['n_qrels']:,} {corpus['qrels_kind']} qrels."
                if corpus["has_qrels"]
                else ", no qrels."
            )
        )
        lines.append("")
        header = ["engine", *(title for title, _, _ in COLUMNS)]
        body = [
            [f"{r['engine']} {r.get('version', '')}".strip()]
            + [fmt(r.get(key)) for _, key, fmt in COLUMNS]
            for r in rows
        ]
        lines += _table(header, body)
        for r in rows:
            if r.get("error"):
                lines.append(f"\n- **{r['engine']} failed**: {r['error']}")
        ref = next((r for r in rows if r["engine"] == REFERENCE), {})
        if "cli_search_s" in ref:
            lines.append(
                f"\n`minisearch search` CLI, one call in a new process: "
                f"{ref['cli_search_s'] * 1000:.0f} ms (bare `python -c pass`: "
                f"{ref['python_startup_s'] * 1000:.0f} ms)."
            )
        elif "cli_error" in ref:
            lines.append(f"\nCLI timing unavailable: {ref['cli_error']}")
        if "build_parallel_s" in ref:
            lines.append(
                f"\nminisearch build with {ref['build_parallel_workers']} workers: "
                f"{ref['build_parallel_s']:.2f} s ({ref['docs_per_s_parallel']:,.0f} docs/s)."
            )
        if "update_s" in ref:
            peers = ", ".join(
                f"{r['engine']} {r['build_s']:.2f} s"
                for r in rows
                if r["engine"] != REFERENCE and r.get("build_s")
            )
            lines.append(
                f"\nAdding {ref['update_docs']:,} documents to the minisearch index and "
                f"committing: {ref['update_s']:.2f} s (peers rebuild: {peers or 'none'})."
            )
        corpus_ratios = results["ratios"].get(name, {})
        if corpus_ratios:
            lines += ["", "minisearch ÷ peer:", ""]
            metrics = list(RATIO_METRICS)
            body = [
                [peer] + ["–" if v is None else f"{v:.2f}" for v in (r[m] for m in metrics)]
                for peer, r in corpus_ratios.items()
            ]
            lines += _table(["peer", *metrics], body)
    if results.get("skipped"):
        lines += ["", "## Skipped", ""]
        lines += [f"- {s}" for s in results["skipped"]]
    return "\n".join(lines) + "\n"


def plot_qps_vs_size(results: dict[str, Any], out: Path) -> str:
    """QPS (k=10) against synthetic corpus size, one line per engine. Returns a status line."""
    points: dict[str, list[tuple[int, float]]] = {}
    sizes = {c["name"]: c["n_docs"] for c in results["corpora"] if c["name"].startswith("synth")}
    for row in results["results"]:
        if row["corpus"] in sizes and row.get("qps_k10"):
            points.setdefault(row["engine"], []).append((sizes[row["corpus"]], row["qps_k10"]))
    if not points:
        return "no synthetic corpus in this run: QPS-vs-size plot skipped"
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: QPS-vs-size plot skipped"
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for engine, pts in sorted(points.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=engine)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("documents (synthetic corpus)")
    ax.set_ylabel("queries per second (k=10, one thread)")
    ax.set_title("Warm query throughput vs corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return f"wrote {out}"
