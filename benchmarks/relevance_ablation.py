"""Ranking ablation: analysis, BM25 variants (flat / multi-field sum / BM25F) and parameter grids.

Runs on the three judged collections in BEIR layout (scifact, cranfield, cacm) under
``<repo>/../shared/datasets`` (override with ``MINISEARCH_DATASETS``) and prints Markdown tables
of nDCG@10 (and Recall@100 for the headline rows)::

    python benchmarks/relevance_ablation.py [--quick]

It does not use the engine's index or searcher: each corpus is analyzed once per analyzer
configuration with `minisearch.analysis.Analyzer`, turned into per-field sparse postings, and
every query is scored with numpy for many parameter settings at once. Ranking: score
descending, ties by corpus order (the order of ``corpus.jsonl``); every document that matches at
least one query term in any field is ranked. nDCG@10 / Recall@100 are computed here with
trec_eval ``-c`` semantics (linear gain, log2(rank + 1) discount, ideal from the qrels) and the
headline rows are cross-checked against `minisearch.evaluation.evaluate_run`.

Scoring functions (q = analyzed query terms; qw(t) = number of times t occurs in q, or 1 when
duplicates are collapsed; N = all documents; idf(df) = ln(1 + (N - df + 0.5) / (df + 0.5));
avglen_f = total length of field f over all N documents / N, empty fields included):

* ``flat``:  one field holding title + " " + text; classic BM25 with its df and lengths.
* ``multi``: sum over fields f of w_f * BM25_f, each field with its own df, length, avglen and
  the same k1, b (Lucene/Elasticsearch ``multi_match`` ``most_fields``, minisearch today).
* ``bm25f``: tf~(t, d) = sum_f w_f * tf_f / (1 - b_f + b_f * len_f / avglen_f);
  score = sum_t qw(t) * idf(df_any(t)) * (k1 + 1) * tf~ / (k1 + tf~), with df_any = documents
  containing t in any field (Robertson & Zaragoza 2009, "simple BM25F").

Deterministic: no randomness, stable sorts, fixed iteration orders.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np

from minisearch.analysis import Analyzer, AnalyzerConfig
from minisearch.evaluation import evaluate_run, load_beir_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS = ("scifact", "cranfield", "cacm")
# 0.01 above the best peer system (title+text as one field, Lucene 33 stopwords, Snowball,
# k1 1.2, b 0.75).
TARGETS = {"scifact": 0.694, "cranfield": 0.379, "cacm": 0.501}

K1_GRID = (0.6, 0.9, 1.2, 1.5, 2.0, 2.5)  # the brief's grid plus 2.5 (BM25F peaks near 2)
B_GRID = (0.3, 0.4, 0.5, 0.6, 0.75, 0.9)
W_GRID = (1.0, 1.5, 2.0, 3.0, 5.0)

# The recommended default (see docs/RELEVANCE.md).
CHOSEN = {
    "model": "bm25f",
    "k1": 2.0,
    "b_title": 0.75,
    "b_body": 0.75,
    "w_title": 2.0,
    "dups": "each",
}
DEFAULT_ANALYZER = ("english", "english_snowball")  # (stemmer, stopwords)
LUCENE_ANALYZER = ("english", "english")  # the engine's analyzer today (Lucene's 33 stopwords)


def datasets_dir() -> Path:
    env = os.environ.get("MINISEARCH_DATASETS")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "datasets"


# --------------------------------------------------------------------------------------------
# Data and indexing


@dataclass
class Raw:
    name: str
    docids: list[str]
    titles: list[str]
    texts: list[str]
    qids: list[str]
    qtexts: list[str]
    qrels: dict[str, dict[str, int]]


def load_raw(name: str) -> Raw:
    folder = datasets_dir() / name
    ds = load_beir_dir(folder)
    docids, titles, texts = [], [], []
    with (
        gzip.open(ds.corpus_path, "rt", encoding="utf-8")
        if str(ds.corpus_path).endswith(".gz")
        else open(ds.corpus_path, encoding="utf-8") as f
    ):
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            docids.append(str(d["_id"]))
            titles.append(d.get("title") or "")
            texts.append(d.get("text") or "")
    qids = sorted(ds.queries, key=lambda q: (len(q), q))  # numeric-looking ids in numeric order
    return Raw(
        name,
        docids,
        titles,
        texts,
        qids,
        [ds.queries[q] for q in qids],
        {q: dict(r) for q, r in ds.qrels.items()},
    )


@dataclass
class QData:
    """One query, densified over its candidate documents (corpus order)."""

    qw_each: np.ndarray  # (m,) query-term counts
    idf_any: np.ndarray  # (m,)
    idf_t: np.ndarray
    idf_b: np.ndarray
    cands: np.ndarray  # (C,) doc indexes, ascending
    tft: np.ndarray  # (m, C)
    tfb: np.ndarray  # (m, C)
    lt: np.ndarray  # (C,)
    lb: np.ndarray  # (C,)
    gains: np.ndarray  # (C,) qrels grade of each candidate (0 if not relevant)
    idcg10: float
    nrel: int


@dataclass
class Prepared:
    name: str
    n_docs: int
    avg_t: float
    avg_b: float
    queries: list[QData]
    qids: list[str]
    docids: list[str]
    qrels: dict[str, dict[str, int]]


def _postings(
    doc_terms: list[list[str]], vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CSR postings of one field: (offsets by term id, doc indexes, tfs, field lengths)."""
    lengths = np.fromiter((len(t) for t in doc_terms), dtype=np.int64, count=len(doc_terms))
    tids = np.fromiter(
        (vocab.setdefault(t, len(vocab)) for ts in doc_terms for t in ts), dtype=np.int64
    )
    docs = np.repeat(np.arange(len(doc_terms), dtype=np.int64), lengths)
    return tids, docs, lengths, lengths  # finished in _csr once the vocabulary is complete


def _csr(
    tids: np.ndarray, docs: np.ndarray, n_docs: int, n_terms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keys, tfs = np.unique(tids * n_docs + docs, return_counts=True)  # sorted by term, then doc
    t = keys // n_docs
    d = keys % n_docs
    offsets = np.zeros(n_terms + 1, dtype=np.int64)
    np.add.at(offsets, t + 1, 1)
    return np.cumsum(offsets), d, tfs.astype(np.float64)


def prepare(raw: Raw, stemmer: str | None, stops: str | None) -> Prepared:
    an = Analyzer(AnalyzerConfig(stemmer=stemmer, stopwords=stops))
    vocab: dict[str, int] = {}
    tt = [an.terms(s) for s in raw.titles]
    tb = [an.terms(s) for s in raw.texts]
    ti, td, lt, _ = _postings(tt, vocab)
    bi, bd, lb, _ = _postings(tb, vocab)
    n, v = len(raw.docids), len(vocab)
    ot, dt, ft = _csr(ti, td, n, v)
    ob, db, fb = _csr(bi, bd, n, v)
    lt = lt.astype(np.float64)
    lb = lb.astype(np.float64)
    docidx = {d: i for i, d in enumerate(raw.docids)}

    def idf(df: np.ndarray) -> np.ndarray:
        return np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    queries = []
    for qid, text in zip(raw.qids, raw.qtexts, strict=True):
        terms = [vocab.get(t, -1) for t in an.terms(text)]
        uniq: dict[int, int] = {}
        for t in terms:
            uniq[t] = uniq.get(t, 0) + 1
        known = [t for t in uniq if t >= 0]
        qrel = raw.qrels.get(qid, {})
        grades = sorted((g for g in qrel.values() if g > 0), reverse=True)[:10]
        idcg = float(sum(g / np.log2(r + 2) for r, g in enumerate(grades)))
        nrel = sum(1 for g in qrel.values() if g > 0)
        pt = [dt[ot[t] : ot[t + 1]] for t in known]
        pb = [db[ob[t] : ob[t + 1]] for t in known]
        cands = np.unique(np.concatenate(pt + pb)) if known else np.zeros(0, dtype=np.int64)
        m, c = len(known), len(cands)
        tft = np.zeros((m, c))
        tfb = np.zeros((m, c))
        df_any = np.zeros(m)
        for i, t in enumerate(known):
            tft[i, np.searchsorted(cands, pt[i])] = ft[ot[t] : ot[t + 1]]
            tfb[i, np.searchsorted(cands, pb[i])] = fb[ob[t] : ob[t + 1]]
            df_any[i] = len(np.union1d(pt[i], pb[i]))
        gains = np.zeros(c)
        for d, g in qrel.items():
            j = docidx.get(d)
            if g > 0 and j is not None:
                k = np.searchsorted(cands, j)
                if k < c and cands[k] == j:
                    gains[k] = g
        queries.append(
            QData(
                qw_each=np.array([uniq[t] for t in known], dtype=np.float64),
                idf_any=idf(df_any),
                idf_t=idf(np.diff(ot)[known].astype(np.float64)) if m else np.zeros(0),
                idf_b=idf(np.diff(ob)[known].astype(np.float64)) if m else np.zeros(0),
                cands=cands,
                tft=tft,
                tfb=tfb,
                lt=lt[cands],
                lb=lb[cands],
                gains=gains,
                idcg10=idcg,
                nrel=nrel,
            )
        )
    return Prepared(
        raw.name, n, lt.sum() / n, lb.sum() / n, queries, raw.qids, raw.docids, raw.qrels
    )


# --------------------------------------------------------------------------------------------
# Scoring (vectorised over a batch of S parameter settings)


@dataclass(frozen=True)
class Setting:
    model: str  # flat | multi | bm25f
    k1: float
    b_title: float
    b_body: float
    w_title: float = 1.0
    dups: str = "each"  # each | once

    def label(self) -> str:
        b = (
            f"{self.b_title:g}"
            if self.b_title == self.b_body
            else f"{self.b_title:g}/{self.b_body:g}"
        )
        w = "" if self.model == "flat" else f" w={self.w_title:g}"
        return f"{self.model} k1={self.k1:g} b={b}{w}"


def score_batch(p: Prepared, q: QData, settings: list[Setting]) -> np.ndarray:
    """(S, C) scores of q's candidates under each setting (all settings share model and dups)."""
    model = settings[0].model
    qw = q.qw_each if settings[0].dups == "each" else np.ones_like(q.qw_each)
    k1 = np.array([s.k1 for s in settings])[:, None, None]
    bt = np.array([s.b_title for s in settings])[:, None, None]
    bb = np.array([s.b_body for s in settings])[:, None, None]
    wt = np.array([s.w_title for s in settings])[:, None, None]
    if model == "flat":
        tf = (q.tft + q.tfb)[None]
        ln = (q.lt + q.lb)[None, None]
        norm = k1 * (1 - bt + bt * ln / (p.avg_t + p.avg_b))
        part = tf * (k1 + 1) / (tf + norm)
        return np.einsum("smc,m->sc", part, qw * q.idf_any)
    if model == "multi":
        nt = k1 * (1 - bt + bt * q.lt[None, None] / p.avg_t)
        nb = k1 * (1 - bb + bb * q.lb[None, None] / p.avg_b)
        tft, tfb = q.tft[None], q.tfb[None]
        part_t = tft * (k1 + 1) / (tft + nt)
        part_b = tfb * (k1 + 1) / (tfb + nb)
        return np.einsum("smc,m->sc", wt * part_t, qw * q.idf_t) + np.einsum(
            "smc,m->sc", part_b, qw * q.idf_b
        )
    if model == "bm25f":
        # b_f = 1 and an empty field give 0/0; a zero tf contributes nothing.
        with np.errstate(divide="ignore", invalid="ignore"):
            xt = np.where(
                q.tft[None] > 0, q.tft[None] / (1 - bt + bt * q.lt[None, None] / p.avg_t), 0.0
            )
            xb = np.where(
                q.tfb[None] > 0, q.tfb[None] / (1 - bb + bb * q.lb[None, None] / p.avg_b), 0.0
            )
        tfx = wt * xt + xb
        part = tfx * (k1 + 1) / (k1 + tfx)
        return np.einsum("smc,m->sc", part, qw * q.idf_any)
    raise ValueError(model)


def evaluate(p: Prepared, settings: list[Setting], depth: int = 10) -> np.ndarray:
    """Mean nDCG@10 (and Recall@100 when depth >= 100) per setting: array (S,) or (S, 2)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(settings):
        groups.setdefault((s.model, s.dups), []).append(i)
    ndcg = np.zeros(len(settings))
    rec = np.zeros(len(settings))
    disc = 1.0 / np.log2(np.arange(2, 12))
    for idx in groups.values():
        batch = [settings[i] for i in idx]
        for q in p.queries:
            if q.nrel == 0 or q.idcg10 == 0:
                continue
            if len(q.cands) == 0:
                continue
            sc = score_batch(p, q, batch)
            order = np.argsort(-sc, axis=1, kind="stable")[:, :depth]  # ties: corpus order
            g = q.gains[order]
            k = min(10, g.shape[1])
            ndcg[idx] += (g[:, :k] * disc[:k]).sum(axis=1) / q.idcg10
            if depth >= 100:
                rec[idx] += (g[:, :100] > 0).sum(axis=1) / q.nrel
    n_eval = sum(1 for q in p.queries if q.nrel > 0)
    if depth >= 100:
        return np.stack([ndcg / n_eval, rec / n_eval], axis=1)
    return ndcg / n_eval


def run_for(p: Prepared, s: Setting, k: int = 1000) -> dict[str, list[tuple[str, float]]]:
    """A full run (for cross-checking with minisearch.evaluation.evaluate_run)."""
    run = {}
    for qid, q in zip(p.qids, p.queries, strict=True):
        if len(q.cands) == 0:
            run[qid] = []
            continue
        sc = score_batch(p, q, [s])[0]
        order = np.argsort(-sc, kind="stable")[:k]
        run[qid] = [(p.docids[q.cands[j]], float(sc[j])) for j in order]
    return run


# --------------------------------------------------------------------------------------------
# Reporting helpers


def md_table(header: list[str], rows: list[list[str]]) -> str:
    out = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def fmt(x: float) -> str:
    return f"{x:.4f}"


def mark(name: str, x: float) -> str:
    return fmt(x) + ("" if x >= TARGETS[name] else "*")


class Bench:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.raw = {}
        for c in COLLECTIONS:
            self.raw[c] = load_raw(c)
        self.cache: dict[tuple[str, str | None, str | None], Prepared] = {}

    def prep(self, c: str, stemmer: str | None, stops: str | None) -> Prepared:
        key = (c, stemmer, stops)
        if key not in self.cache:
            self.cache[key] = prepare(self.raw[c], stemmer, stops)
        return self.cache[key]

    def ndcg(self, settings: list[Setting], analyzer=DEFAULT_ANALYZER) -> dict[str, np.ndarray]:
        return {c: evaluate(self.prep(c, *analyzer), settings) for c in COLLECTIONS}

    def rows(
        self, labels: list[str], settings: list[Setting], analyzer=DEFAULT_ANALYZER
    ) -> list[list[str]]:
        res = self.ndcg(settings, analyzer)
        rows = []
        for i, lab in enumerate(labels):
            vals = [res[c][i] for c in COLLECTIONS]
            margin = min(v - TARGETS[c] for v, c in zip(vals, COLLECTIONS, strict=True))
            rows.append(
                [lab]
                + [mark(c, v) for c, v in zip(COLLECTIONS, vals, strict=True)]
                + [fmt(float(np.mean(vals))), f"{margin:+.4f}"]
            )
        return rows


HEAD = ["configuration", *COLLECTIONS, "mean", "min margin"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="smaller grids (about a quarter of the work)"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    B = Bench(args.quick)
    k1_grid = (0.9, 1.2, 1.5) if args.quick else K1_GRID
    b_grid = (0.4, 0.6, 0.75) if args.quick else B_GRID
    w_grid = (1.0, 2.0, 3.0) if args.quick else W_GRID
    ch = CHOSEN
    chosen = Setting(ch["model"], ch["k1"], ch["b_title"], ch["b_body"], ch["w_title"], ch["dups"])

    print("# minisearch relevance ablation\n")
    print(
        "nDCG@10. `*` = below the target ("
        + ", ".join(f"{c} >= {TARGETS[c]}" for c in COLLECTIONS)
        + "); "
        "min margin = smallest (nDCG@10 - target) over the three collections.\n"
    )

    # 1. Headline: models at the classic parameters, and the chosen default.
    print("## 1. Models\n")
    print(
        "Analyzer: Snowball English stemmer, Snowball English stopwords (chosen), and below it "
        "the same "
        "rows with Lucene's 33 stopwords (the engine's analyzer today).\n"
    )
    heads = [
        Setting("flat", 1.2, 0.75, 0.75),
        Setting("flat", 0.9, 0.4, 0.4),
        Setting("multi", 1.2, 0.75, 0.75, 1.0),
        Setting("multi", 1.2, 0.75, 0.75, 2.0),
        Setting("bm25f", 1.2, 0.75, 0.75, 1.0),
        Setting("bm25f", 1.2, 0.75, 0.75, 2.0),
        Setting("bm25f", 1.2, 0.75, 0.75, 3.0),
        chosen,
    ]
    labels = [s.label() + (" (multi w=1: engine today)" if s == heads[2] else "") for s in heads]
    labels[-1] += " **(chosen)**"
    print(md_table(HEAD, B.rows(labels, heads)))
    print()
    print("Same rows, Lucene's 33 stopwords:\n")
    print(md_table(HEAD, B.rows(labels, heads, analyzer=LUCENE_ANALYZER)))
    print()

    # Recall@100 and the cross-check with minisearch.evaluation.evaluate_run.
    print(
        "Chosen default, with Recall@100; `evaluate_run` = the same run scored by "
        "minisearch.evaluation:\n"
    )
    rows = []
    for c in COLLECTIONS:
        p = B.prep(c, *DEFAULT_ANALYZER)
        mine = evaluate(p, [chosen], depth=100)[0]
        ev = {
            k.lower(): v
            for k, v in evaluate_run(
                run_for(p, chosen), p.qrels, ["ndcg@10", "recall@100"]
            ).means.items()
        }
        rows.append(
            [
                c,
                fmt(mine[0]),
                fmt(mine[1]),
                fmt(ev["ndcg@10"]),
                fmt(ev["recall@100"]),
                f"{TARGETS[c]:.3f}",
            ]
        )
    print(
        md_table(
            [
                "collection",
                "nDCG@10",
                "R@100",
                "evaluate_run nDCG@10",
                "evaluate_run R@100",
                "target",
            ],
            rows,
        )
    )
    print()

    # 2. Analysis ablation, at the chosen model and at flat 1.2/0.75.
    print("## 2. Analysis (stemmer x stopwords)\n")
    stemmers = ("english", "porter", None)
    stoplists = ("english", "english_snowball", None)
    if args.quick:
        combos = [
            ("english", "english"),
            ("porter", "english"),
            (None, "english"),
            ("english", None),
            ("english", "english_snowball"),
        ]
    else:
        combos = list(product(stemmers, stoplists))
    for s in (chosen, Setting("flat", 1.2, 0.75, 0.75)):
        print(f"### {s.label()}\n")
        rows = []
        for stem, stop in combos:
            lab = f"stemmer={stem or 'none'}, stopwords={stop or 'none'}"
            rows += B.rows([lab], [s], analyzer=(stem, stop))
        print(md_table(HEAD, rows))
        print()

    # 3. k1 x b grids per model (one b for both fields), at each title weight.
    print("## 3. k1 x b grids (one b for both fields)\n")
    grids: dict[tuple[str, float], dict[str, np.ndarray]] = {}
    for model in ("flat", "multi", "bm25f"):
        for w in (1.0,) if model == "flat" else w_grid:
            sets = [Setting(model, k1, b, b, w) for k1 in k1_grid for b in b_grid]
            grids[(model, w)] = {
                c: v.reshape(len(k1_grid), len(b_grid)) for c, v in B.ndcg(sets).items()
            }

    def grid_table(res: dict[str, np.ndarray], what: str) -> str:
        rows = []
        for i, k1 in enumerate(k1_grid):
            row = [f"k1={k1:g}"]
            for j in range(len(b_grid)):
                if what == "mean":
                    row.append(fmt(float(np.mean([res[c][i, j] for c in COLLECTIONS]))))
                elif what == "margin":
                    row.append(f"{min(res[c][i, j] - TARGETS[c] for c in COLLECTIONS):+.4f}")
                else:
                    row.append(mark(what, res[what][i, j]))
            rows.append(row)
        return md_table([what] + [f"b={b:g}" for b in b_grid], rows)

    # Summary: best cell and the chosen-parameter cell per (model, w).
    rows = []
    for (model, w), res in grids.items():
        mean = np.mean([res[c] for c in COLLECTIONS], axis=0)
        margin = np.min([res[c] - TARGETS[c] for c in COLLECTIONS], axis=0)
        i, j = np.unravel_index(np.argmax(margin), margin.shape)
        n_ok = int((margin >= 0).sum())
        wl = "-" if model == "flat" else f"{w:g}"
        rows.append(
            [
                model,
                wl,
                f"{n_ok}/{margin.size}",
                f"k1={k1_grid[i]:g} b={b_grid[j]:g}",
                f"{margin[i, j]:+.4f}",
                fmt(float(mean.max())),
            ]
        )
    print("### Summary per model and title weight\n")
    print(
        "cells clearing all three targets; the cell with the largest min margin; best mean "
        "nDCG@10 in the grid.\n"
    )
    print(
        md_table(
            ["model", "w_title", "cells OK", "best-margin cell", "its min margin", "best mean"],
            rows,
        )
    )
    print()

    for model, w in (("bm25f", chosen.w_title), ("flat", 1.0), ("multi", 1.0)):
        if (model, w) not in grids:
            continue
        res = grids[(model, w)]
        wl = "" if model == "flat" else f", w_title={w:g}"
        print(f"### {model}{wl}\n")
        for what in ("mean", "margin", *COLLECTIONS):
            print(grid_table(res, what))
            print()

    print("### bm25f, w_title=2, Lucene's 33 stopwords (min margin)\n")
    sets = [Setting("bm25f", k1, b, b, chosen.w_title) for k1 in k1_grid for b in b_grid]
    res = {
        c: v.reshape(len(k1_grid), len(b_grid)) for c, v in B.ndcg(sets, LUCENE_ANALYZER).items()
    }
    print(grid_table(res, "margin"))
    print()

    # 3b. Fine neighbourhood of the chosen point, both stopword lists.
    print("## 3b. Neighbourhood of the chosen point (BM25F, min margin / mean nDCG@10)\n")
    fk = (1.6, 1.8, 2.0, 2.2, 2.5)
    fb = (0.6, 0.65, 0.7, 0.75, 0.8)
    fw = (1.5, 2.0, 2.5, 3.0) if not args.quick else (2.0,)
    for an_label, an in (
        ("Snowball stopwords", DEFAULT_ANALYZER),
        ("Lucene 33 stopwords", LUCENE_ANALYZER),
    ):
        sets = [Setting("bm25f", k1, b, b, w) for w in fw for k1 in fk for b in fb]
        res = B.ndcg(sets, an)
        for wi, w in enumerate(fw):
            rows = []
            for ki, k1 in enumerate(fk):
                row = [f"k1={k1:g}"]
                for bi in range(len(fb)):
                    k = (wi * len(fk) + ki) * len(fb) + bi
                    mg = min(res[c][k] - TARGETS[c] for c in COLLECTIONS)
                    row.append(f"{mg:+.4f} / {np.mean([res[c][k] for c in COLLECTIONS]):.4f}")
                rows.append(row)
            print(f"{an_label}, w_title={w:g}:\n")
            print(md_table(["k1 \\ b"] + [f"b={b:g}" for b in fb], rows))
            print()
        cells = len(sets)
        ok = sum(1 for k in range(cells) if min(res[c][k] - TARGETS[c] for c in COLLECTIONS) >= 0)
        print(f"{an_label}: {ok}/{cells} neighbourhood cells clear all three targets.\n")

    # 4. Title weight at the chosen k1/b.
    print("## 4. Title weight (k1 and b as chosen)\n")
    sets, labels = [], []
    for model in ("multi", "bm25f"):
        for w in W_GRID:
            s = Setting(model, chosen.k1, chosen.b_title, chosen.b_body, w)
            sets.append(s)
            labels.append(s.label())
    print(md_table(HEAD, B.rows(labels, sets)))
    print()

    # 5. Separate b for title and body (BM25F, chosen k1 and w).
    print("## 5. BM25F with separate b_title / b_body (k1 and w_title as chosen)\n")
    bt_grid = (0.0, 0.3, 0.5, 0.75, 0.9, 1.0) if not args.quick else (0.3, 0.75, 1.0)
    bb_grid = B_GRID if not args.quick else (0.4, 0.75)
    sets = [Setting("bm25f", chosen.k1, bt, bb, chosen.w_title) for bt in bt_grid for bb in bb_grid]
    res = B.ndcg(sets)
    for what in ("mean", "margin"):
        rows = []
        for i, bt in enumerate(bt_grid):
            row = [f"b_title={bt:g}"]
            for j in range(len(bb_grid)):
                k = i * len(bb_grid) + j
                if what == "mean":
                    row.append(fmt(float(np.mean([res[c][k] for c in COLLECTIONS]))))
                else:
                    row.append(f"{min(res[c][k] - TARGETS[c] for c in COLLECTIONS):+.4f}")
            rows.append(row)
        print(md_table([what] + [f"b_body={b:g}" for b in bb_grid], rows))
        print()

    # 6. Query-side duplicates.
    print("## 6. Repeated query terms: counted each time vs once\n")
    sets, labels = [], []
    for base in (chosen, Setting("flat", 1.2, 0.75, 0.75), Setting("multi", 1.2, 0.75, 0.75, 1.0)):
        for d in ("each", "once"):
            s = Setting(base.model, base.k1, base.b_title, base.b_body, base.w_title, d)
            sets.append(s)
            labels.append(f"{s.label()}, duplicates {d}")
    print(md_table(HEAD, B.rows(labels, sets)))
    print()
    print(f"_elapsed {time.perf_counter() - t0:.0f} s_", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
