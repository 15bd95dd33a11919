"""Corpora for the benchmarks: the BEIR test collections, the repo's seeds and a synthetic corpus.

``load_corpus(spec)`` understands:

* ``scifact``, ``cranfield``, ``cacm``: the BEIR-layout collections under
  ``<repo>/../shared/datasets/<name>`` (override the folder with the
  ``MINISEARCH_DATASETS`` environment variable); they have qrels.
* ``seeds``: the repo's demo corpus (``seeds/*.txt``, one document per file).
  It has no qrels; its queries are sampled from its own text (seeded).
* ``synthetic:N`` (``N`` may end in ``k`` or ``m``, e.g. ``synthetic:1m``): a
  deterministic synthetic corpus of ``N`` documents, generated once and cached
  as JSONL under ``benchmarks/.cache/``. Its qrels are known-item judgments:
  each query's one relevant document is the document its words were drawn
  from. That measures whether engines agree and behave, not real relevance.

The synthetic generator draws words from a Zipfian distribution (exponent 1.1)
over a vocabulary of pronounceable, syllable-built pseudo-words, where shorter
words get the more frequent ranks (Zipf's law of abbreviation). Document lengths
are log-normal with a mean of about 150 tokens. Queries have 1–5 terms and mix
frequent words (top 300 ranks) with words taken from a random target document,
so most queries match something. Word sampling is vectorised with numpy; a
million documents take well under a minute to generate.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from common import CACHE_DIR, REPO_ROOT, english_stopwords

BEIR_NAMES = ("scifact", "cranfield", "cacm")
SYNTHETIC_VERSION = 2
DEFAULT_SEED = 20240601


class Doc(NamedTuple):
    id: str
    title: str
    text: str

    @property
    def body(self) -> str:
        """Title and text as one field, the way every engine indexes them."""
        return f"{self.title} {self.text}" if self.title else self.text


@dataclass
class Corpus:
    name: str
    docs: list[Doc]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]] | None = None
    #: "judged" (human relevance judgments) or "known-item" (synthetic: the source doc).
    qrels_kind: str = "judged"

    @property
    def has_qrels(self) -> bool:
        return bool(self.qrels)

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "n_docs": len(self.docs),
            "n_queries": len(self.queries),
            "has_qrels": self.has_qrels,
            "n_qrels": sum(len(v) for v in (self.qrels or {}).values()),
            "qrels_kind": self.qrels_kind if self.has_qrels else None,
        }


def datasets_dir() -> Path:
    env = os.environ.get("MINISEARCH_DATASETS")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "datasets"


def _read_jsonl_gz(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def load_beir(name: str, root: Path | None = None) -> Corpus:
    """Load ``corpus.jsonl.gz``, ``queries.jsonl.gz`` and ``qrels/test.tsv.gz``."""
    folder = (root or datasets_dir()) / name
    if not folder.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {folder}")
    docs = [
        Doc(str(d["_id"]), d.get("title") or "", d.get("text") or "")
        for d in _read_jsonl_gz(folder / "corpus.jsonl.gz")
    ]
    queries = {str(q["_id"]): q["text"] for q in _read_jsonl_gz(folder / "queries.jsonl.gz")}
    qrels: dict[str, dict[str, int]] = {}
    with gzip.open(folder / "qrels" / "test.tsv.gz", "rt", encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, did, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                qrels.setdefault(qid, {})[did] = int(score)
    queries = {qid: text for qid, text in queries.items() if qid in qrels}
    return Corpus(name, docs, queries, qrels)


def sample_queries_from_docs(docs: list[Doc], n: int, seed: int = DEFAULT_SEED) -> dict[str, str]:
    """``n`` queries of 1–5 non-stopword words picked from random documents (seeded)."""
    rng = random.Random(seed)
    stop = english_stopwords()
    word_re = re.compile(r"[A-Za-z]{3,}")
    vocab_per_doc = [sorted({w.lower() for w in word_re.findall(d.body)} - stop) for d in docs]
    candidates = [i for i, words in enumerate(vocab_per_doc) if words]
    queries: dict[str, str] = {}
    for qi in range(n if candidates else 0):
        words = vocab_per_doc[rng.choice(candidates)]
        k = min(len(words), rng.randint(1, 5))
        queries[f"q{qi}"] = " ".join(rng.sample(words, k))
    return queries


def load_seeds(n_queries: int = 20, seed: int = DEFAULT_SEED) -> Corpus:
    files = sorted((REPO_ROOT / "seeds").glob("*.txt"))
    docs = [Doc(p.stem, "", p.read_text(encoding="utf-8", errors="replace")) for p in files]
    return Corpus("seeds", docs, sample_queries_from_docs(docs, n_queries, seed))


# --------------------------------------------------------------------------- synthetic

_ONSETS = (
    "", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v",
    "w", "z", "br", "cr", "dr", "fr", "gr", "pr", "tr", "st", "sp", "sl", "ch", "sh", "th",
    "pl", "bl", "cl", "gl", "qu",
)  # fmt: skip
_NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ee", "ou", "oo", "io", "y")
_CODAS = ("", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "rk", "nt", "ck", "ng", "x")

ZIPF_EXPONENT = 1.1
VOCAB_SIZE = 400_000
MEAN_DOC_LEN = 150
DOC_LEN_SIGMA = 0.6
FREQUENT_RANKS = 300


def make_vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """``size`` distinct pseudo-words, ordered from most to least frequent rank."""
    syllables = np.array([o + n + c for o in _ONSETS for n in _NUCLEI for c in _CODAS])
    seen: dict[str, None] = {}
    while len(seen) < size:
        batch = 2 * (size - len(seen)) + 1000
        n_syl = rng.choice(4, size=batch, p=[0.15, 0.4, 0.32, 0.13]) + 1
        parts = rng.integers(0, len(syllables), size=(batch, 4))
        for row, count in zip(syllables[parts].tolist(), n_syl.tolist(), strict=True):
            seen.setdefault("".join(row[:count]), None)
    words = list(seen)[:size]
    # Law of abbreviation: short words tend to get the frequent ranks.
    key = np.array([len(w) for w in words], dtype=np.float64) + rng.normal(0, 2.0, size)
    order = np.argsort(key, kind="stable")
    return [words[i] for i in order.tolist()]


def _zipf_cdf(size: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1, dtype=np.float64) ** exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _doc_lengths(n: int, rng: np.random.Generator) -> np.ndarray:
    mu = np.log(MEAN_DOC_LEN) - DOC_LEN_SIGMA**2 / 2
    return np.maximum(5, rng.lognormal(mu, DOC_LEN_SIGMA, n).round()).astype(np.int64)


def generate_synthetic(
    n_docs: int,
    out: Path,
    queries_out: Path,
    *,
    n_queries: int = 1000,
    seed: int = DEFAULT_SEED,
    chunk: int = 20_000,
) -> None:
    """Write ``n_docs`` synthetic documents to ``out`` and queries to ``queries_out`` (JSONL).

    Each query record carries ``target``, the id of the document it was drawn from.
    """
    rng = np.random.default_rng(seed)
    vocab = np.array(make_vocabulary(VOCAB_SIZE, rng), dtype=object)
    cdf = _zipf_cdf(len(vocab), ZIPF_EXPONENT)
    lengths = _doc_lengths(n_docs, rng)
    title_lens = rng.integers(3, 11, n_docs)
    targets = set(rng.choice(n_docs, size=min(n_queries, n_docs), replace=True).tolist())
    target_words: dict[int, list[int]] = {}

    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for start in range(0, n_docs, chunk):
            stop = min(n_docs, start + chunk)
            total = lengths[start:stop] + title_lens[start:stop]
            ids = np.searchsorted(cdf, rng.random(int(total.sum())), side="right")
            words = vocab[ids].tolist()
            offsets = np.concatenate(([0], np.cumsum(total))).tolist()
            lines = []
            for j in range(stop - start):
                lo, hi = offsets[j], offsets[j + 1]
                mid = lo + int(title_lens[start + j])
                title = " ".join(words[lo:mid])
                text = " ".join(words[mid:hi])
                lines.append(f'{{"_id": "d{start + j}", "title": "{title}", "text": "{text}"}}\n')
                if start + j in targets:
                    target_words[start + j] = ids[lo:hi].tolist()
            f.writelines(lines)
    tmp.replace(out)

    qrng = random.Random(seed + 1)
    target_list = sorted(target_words)
    tmp = queries_out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for qi in range(n_queries):
            target = qrng.choice(target_list)
            doc_words = sorted(set(target_words[target]))
            terms: list[str] = []
            for _ in range(qrng.choices((1, 2, 3, 4, 5), weights=(15, 30, 30, 15, 10))[0]):
                if qrng.random() < 0.35:
                    rank = qrng.randrange(FREQUENT_RANKS)
                else:
                    rank = qrng.choice(doc_words)
                terms.append(str(vocab[rank]))
            record = {"_id": f"q{qi}", "text": " ".join(terms), "target": f"d{target}"}
            f.write(json.dumps(record) + "\n")
    tmp.replace(queries_out)


def parse_size(text: str) -> int:
    """``"10000"``, ``"10k"``, ``"1m"`` → number of documents."""
    text = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def load_synthetic(
    n_docs: int, *, n_queries: int = 1000, seed: int = DEFAULT_SEED, cache_dir: Path = CACHE_DIR
) -> Corpus:
    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = f"synthetic-v{SYNTHETIC_VERSION}-n{n_docs}-s{seed}"
    docs_path = cache_dir / f"{stem}.jsonl"
    queries_path = cache_dir / f"{stem}-q{n_queries}.queries.jsonl"
    if not docs_path.exists() or not queries_path.exists():
        generate_synthetic(n_docs, docs_path, queries_path, n_queries=n_queries, seed=seed)
    with docs_path.open(encoding="utf-8") as f:
        docs = [Doc(d["_id"], d["title"], d["text"]) for d in map(json.loads, f)]
    with queries_path.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    queries = {q["_id"]: q["text"] for q in records}
    qrels = {q["_id"]: {q["target"]: 1} for q in records}
    return Corpus(f"synthetic:{n_docs}", docs, queries, qrels, qrels_kind="known-item")


def load_corpus(spec: str, *, max_queries: int | None = None, seed: int = DEFAULT_SEED) -> Corpus:
    """Load a corpus by its command-line name (see the module docstring)."""
    name, _, arg = spec.partition(":")
    if name in BEIR_NAMES:
        corpus = load_beir(name)
    elif name == "seeds":
        corpus = load_seeds(seed=seed)
    elif name == "synthetic":
        corpus = load_synthetic(parse_size(arg or "10000"), seed=seed)
    else:
        raise ValueError(f"unknown corpus {spec!r}")
    if max_queries is not None and len(corpus.queries) > max_queries:
        kept = dict(list(corpus.queries.items())[:max_queries])
        corpus.queries = kept
        if corpus.qrels is not None:
            corpus.qrels = {q: r for q, r in corpus.qrels.items() if q in kept}
    return corpus
