"""One adapter per search engine, all with the same small interface.

Each adapter owns a work directory. ``build(docs)`` indexes documents into it
(``title + " " + text`` as ONE field) and writes everything to disk;
``open()`` drops any state and loads the index from disk (a fresh state, as a
new process would have); ``search(text, k)`` returns ``[(doc_id, score), ...]``
best first; ``size_on_disk()`` counts the bytes under the work directory.

Fairness rules applied here (see README.md):

* BM25 with ``k1 = 1.2`` and ``b = 0.75`` everywhere (tantivy and FTS5 hard-code
  these values; the others are configured).
* The same analysis (``common.analyze``: ``\\w+`` words, lower case, Lucene's 33
  English stopwords, PyStemmer ``english``) for every engine that accepts custom
  tokens: bm25s, rank_bm25 and SQLite FTS5 get pre-analysed text; whoosh gets an
  equivalent analyzer chain; tantivy gets a registered analyzer with the same
  regex, stopwords and the same Snowball English stemmer (rust-stemmers).
* One thread: tantivy's writer uses ``num_threads=1``, bm25s runs with
  ``n_threads=0`` (sequential; ``1`` would start a thread pool per call), whoosh
  uses ``procs=1``; run.py pins ``OMP_NUM_THREADS``/``NUMBA_NUM_THREADS`` to 1.

A peer whose package is missing reports why through ``unavailable_reason()`` and
is skipped by the harness.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import json
import pickle
import shutil
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from common import K1, B, analyze, english_stopwords, path_size, query_words, stem_word
from corpora import Doc

Hits = list[tuple[str, float]]


class Engine(ABC):
    """The interface the harness drives."""

    name: ClassVar[str]
    #: Python modules that must import for the engine to run.
    requires: ClassVar[tuple[str, ...]] = ()
    #: Distribution whose version is reported.
    distribution: ClassVar[str] = ""
    #: Largest corpus this engine is run on by default (None: no limit).
    max_docs: ClassVar[int | None] = None

    def __init__(self, workdir: Path, *, workers: int | None = None) -> None:
        self.workdir = workdir
        self.workers = workers

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """``None`` when the engine can run here, else a human-readable reason."""
        for module in cls.requires:
            try:
                importlib.import_module(module)
            except ImportError as exc:  # pragma: no cover - depends on the machine
                return f"{module} is not importable ({exc})"
        return None

    @classmethod
    def version(cls) -> str:
        try:
            return importlib.metadata.version(cls.distribution)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def reset_workdir(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)

    def size_on_disk(self) -> int:
        return path_size(self.workdir)

    @abstractmethod
    def build(self, docs: Sequence[Doc]) -> None: ...

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def search(self, text: str, k: int) -> Hits: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release open handles (default: nothing to do)."""


# --------------------------------------------------------------------------- minisearch


class MinisearchEngine(Engine):
    name = "minisearch"
    requires = ("minisearch",)
    distribution = "minisearch"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        try:
            from minisearch import Index  # noqa: F401
        except ImportError as exc:
            return f"minisearch.Index is not importable ({exc})"
        return None

    @property
    def index_path(self) -> Path:
        return self.workdir / "index"

    @staticmethod
    def supports_workers() -> bool:
        """Whether ``Index.writer`` takes a ``workers=`` option (parallel builds)."""
        from minisearch import Index

        return "workers" in inspect.signature(Index.writer).parameters

    def build(self, docs: Sequence[Doc]) -> None:
        from minisearch import AnalyzerConfig, Index, Schema, TextField

        self.reset_workdir()
        schema = Schema([TextField("body", stored=False)], id_field="id")
        index = Index.create(
            self.index_path,
            schema=schema,
            analyzer=AnalyzerConfig(stopwords="english", stemmer="english"),
        )
        writer_kwargs: dict[str, Any] = {}
        if self.workers is not None and self.supports_workers():
            writer_kwargs["workers"] = self.workers
        self._write(index, docs, **writer_kwargs)

    def _write(self, index: Any, docs: Sequence[Doc], **writer_kwargs: Any) -> None:
        """Add `docs` in one writer session, commit, and close `index`."""
        try:
            with index.writer(**writer_kwargs) as writer:
                for doc in docs:
                    writer.add(self._record(doc))
        finally:
            index.close()

    def open(self) -> None:
        from minisearch import Bm25Params, Index

        self.close()
        self._index = Index.open(self.index_path)
        # The peers' parameters (k1 1.2, b 0.75), not minisearch's defaults: like for like.
        self._searcher = self._index.searcher(params=Bm25Params(k1=1.2, b=0.75))

    def search(self, text: str, k: int) -> Hits:
        hits = self._searcher.search(text, k=k, stored_fields=False, syntax=False).hits
        return [(hit.id, hit.score) for hit in hits]

    def add_and_commit(self, docs: Sequence[Doc]) -> None:
        """Add `docs` to the built index in one writer session and commit (incremental)."""
        from minisearch import Index

        self._write(Index.open(self.index_path), docs)

    def _record(self, doc: Doc) -> dict[str, str]:
        return {"id": doc.id, "body": doc.body}

    def close(self) -> None:
        index = getattr(self, "_index", None)
        if index is not None:
            index.close()
            self._index = None


class MinisearchDefaultEngine(MinisearchEngine):
    """minisearch as a user gets it: title and text as fields, default analysis and ranking.

    Not the same analysis as the peers (BM25F over title weight 2 and body, k1 2.0, Snowball
    English stopwords; docs/RELEVANCE.md): this row shows the quality users get by default.
    """

    name = "minisearch-default"

    def build(self, docs: Sequence[Doc]) -> None:
        from minisearch import Index
        from minisearch.relevance import beir_schema

        self.reset_workdir()
        self._write(Index.create(self.index_path, schema=beir_schema()), docs)

    def open(self) -> None:
        from minisearch import Index

        self.close()
        self._index = Index.open(self.index_path)
        self._searcher = self._index.searcher()

    def _record(self, doc: Doc) -> dict[str, str]:
        return {"id": doc.id, "title": doc.title, "text": doc.text}


class MinisearchNumbaEngine(MinisearchEngine):
    """The `minisearch` row with the optional numba kernel (``pip install minisearch[numba]``).

    The same index and hits; only the dense pass over small segments runs compiled.
    """

    name = "minisearch-numba"
    requires = ("minisearch", "numba")

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if importlib.util.find_spec("numba") is None:
            return "numba is not installed (pip install 'minisearch[numba]')"
        return super().unavailable_reason()

    def open(self) -> None:
        super().open()
        self._searcher.kernel = "numba"


# --------------------------------------------------------------------------- bm25s


class Bm25sEngine(Engine):
    """bm25s with the numpy backend; the index is its CSC score matrix (saved as .npy)."""

    name = "bm25s"
    requires = ("bm25s",)
    distribution = "bm25s"
    backend = "numpy"

    def build(self, docs: Sequence[Doc]) -> None:
        import bm25s

        self.reset_workdir()
        tokens = [analyze(doc.body) for doc in docs]
        retriever = bm25s.BM25(k1=K1, b=B, method="lucene", backend=self.backend)
        retriever.index(tokens, show_progress=False)
        retriever.save(str(self.workdir / "bm25s"))
        (self.workdir / "ids.json").write_text(json.dumps([doc.id for doc in docs]))

    def open(self) -> None:
        import bm25s

        self._retriever = bm25s.BM25.load(
            str(self.workdir / "bm25s"), show_progress=False, verbosity=0
        )
        self._retriever.backend = self.backend
        self._ids = json.loads((self.workdir / "ids.json").read_text())
        self._vocab = self._retriever.vocab_dict

    def search(self, text: str, k: int) -> Hits:
        terms = [t for t in analyze(text) if t in self._vocab]
        if not terms:
            return []
        docs, scores = self._retriever.retrieve(
            [terms], k=min(k, len(self._ids)), show_progress=False, n_threads=0
        )
        ids = self._ids
        return [
            (ids[d], float(s))
            for d, s in zip(docs[0].tolist(), scores[0].tolist(), strict=True)
            if s > 0
        ]


class Bm25sNumbaEngine(Bm25sEngine):
    """bm25s with its numba backend (JIT-compiled top-k; the warm-up absorbs compilation)."""

    name = "bm25s-numba"
    requires = ("bm25s", "numba")
    backend = "numba"


# --------------------------------------------------------------------------- tantivy


class TantivyEngine(Engine):
    """tantivy-py with a registered analyzer matching ``common.analyze``."""

    name = "tantivy"
    requires = ("tantivy",)
    distribution = "tantivy"
    analyzer_name = "bench_en"

    def _register(self, index: Any) -> None:
        import tantivy

        analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"\w+"))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.custom_stopword(sorted(english_stopwords())))
            .filter(tantivy.Filter.stemmer("english"))
            .build()
        )
        index.register_tokenizer(self.analyzer_name, analyzer)

    def build(self, docs: Sequence[Doc]) -> None:
        import tantivy

        self.reset_workdir()
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field(
            "body", stored=False, tokenizer_name=self.analyzer_name, index_option="position"
        )
        index = tantivy.Index(builder.build(), path=str(self.workdir))
        self._register(index)
        writer = index.writer(heap_size=256_000_000, num_threads=1)
        for doc in docs:
            writer.add_document(tantivy.Document(id=doc.id, body=doc.body))
        writer.commit()
        writer.wait_merging_threads()

    def open(self) -> None:
        import tantivy

        self._index = tantivy.Index.open(str(self.workdir))
        self._register(self._index)
        self._searcher = self._index.searcher()

    def search(self, text: str, k: int) -> Hits:
        words = query_words(text)
        if not words:
            return []
        query = self._index.parse_query(words, ["body"])
        searcher = self._searcher
        return [
            (searcher.doc(address)["id"][0], float(score))
            for score, address in searcher.search(query, k, count=False).hits
        ]


# --------------------------------------------------------------------------- SQLite FTS5


class SqliteFts5Engine(Engine):
    """SQLite FTS5 over pre-analysed text (stemmed terms joined by spaces), ranked by bm25()."""

    name = "sqlite-fts5"
    distribution = ""

    @classmethod
    def unavailable_reason(cls) -> str | None:
        try:
            sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        except sqlite3.OperationalError as exc:  # pragma: no cover - depends on the build
            return f"this sqlite3 has no FTS5 ({exc})"
        return None

    @classmethod
    def version(cls) -> str:
        return sqlite3.sqlite_version

    @property
    def db_path(self) -> Path:
        return self.workdir / "fts.db"

    def build(self, docs: Sequence[Doc]) -> None:
        self.reset_workdir()
        con = sqlite3.connect(self.db_path)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.execute(
                "CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, body,"
                " tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")"
            )
            con.executemany(
                "INSERT INTO docs(doc_id, body) VALUES (?, ?)",
                ((doc.id, " ".join(analyze(doc.body))) for doc in docs),
            )
            con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
            con.commit()
        finally:
            con.close()

    def open(self) -> None:
        self.close()
        self._con = sqlite3.connect(self.db_path)

    def search(self, text: str, k: int) -> Hits:
        terms = dict.fromkeys(analyze(text))
        if not terms:
            return []
        match = " OR ".join(f'"{term}"' for term in terms)
        rows = self._con.execute(
            "SELECT doc_id, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?",
            (match, k),
        )
        return [(doc_id, -score) for doc_id, score in rows]

    def close(self) -> None:
        con = getattr(self, "_con", None)
        if con is not None:
            con.close()
            self._con = None


# --------------------------------------------------------------------------- whoosh


class WhooshEngine(Engine):
    """whoosh (whoosh-reloaded) with BM25F and an analyzer chain equal to ``common.analyze``."""

    name = "whoosh"
    requires = ("whoosh",)
    distribution = "whoosh-reloaded"
    max_docs = 200_000

    @classmethod
    def version(cls) -> str:
        version = super().version()
        if version == "unknown":
            cls.distribution = "Whoosh"
            version = super().version()
        return version

    def build(self, docs: Sequence[Doc]) -> None:
        from whoosh import analysis, fields, index

        self.reset_workdir()
        analyzer = (
            analysis.RegexTokenizer(r"\w+")
            | analysis.LowercaseFilter()
            | analysis.StopFilter(stoplist=english_stopwords(), minsize=1)
            | analysis.StemFilter(stemfn=stem_word, cachesize=-1)
        )
        schema = fields.Schema(id=fields.ID(stored=True), body=fields.TEXT(analyzer=analyzer))
        ix = index.create_in(str(self.workdir), schema)
        writer = ix.writer(procs=1, limitmb=256)
        for doc in docs:
            writer.add_document(id=doc.id, body=doc.body)
        writer.commit()

    def open(self) -> None:
        from whoosh import index, qparser, scoring

        self.close()
        ix = index.open_dir(str(self.workdir))
        self._searcher = ix.searcher(weighting=scoring.BM25F(B=B, K1=K1))
        self._parser = qparser.QueryParser("body", ix.schema, group=qparser.OrGroup)

    def search(self, text: str, k: int) -> Hits:
        words = query_words(text)
        if not words:
            return []
        results = self._searcher.search(self._parser.parse(words), limit=k)
        return [(hit["id"], float(hit.score)) for hit in results]

    def close(self) -> None:
        searcher = getattr(self, "_searcher", None)
        if searcher is not None:
            searcher.close()
            self._searcher = None


# --------------------------------------------------------------------------- rank_bm25


class RankBm25Engine(Engine):
    """rank_bm25's BM25Okapi (pure Python/numpy, O(N) per query: small corpora only).

    It has no on-disk format; the fitted object is pickled, and that file is its size.
    Note that BM25Okapi floors negative IDFs with ``epsilon * mean_idf`` (not Lucene's IDF).
    """

    name = "rank_bm25"
    requires = ("rank_bm25",)
    distribution = "rank-bm25"
    max_docs = 20_000

    def build(self, docs: Sequence[Doc]) -> None:
        from rank_bm25 import BM25Okapi

        self.reset_workdir()
        model = BM25Okapi([analyze(doc.body) for doc in docs], k1=K1, b=B)
        with (self.workdir / "rank_bm25.pkl").open("wb") as f:
            pickle.dump((model, [doc.id for doc in docs]), f, protocol=pickle.HIGHEST_PROTOCOL)

    def open(self) -> None:
        with (self.workdir / "rank_bm25.pkl").open("rb") as f:
            self._model, self._ids = pickle.load(f)

    def search(self, text: str, k: int) -> Hits:
        terms = analyze(text)
        if not terms:
            return []
        scores = self._model.get_scores(terms)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self._ids[i], float(scores[i])) for i in top.tolist() if scores[i] != 0]


ENGINES: dict[str, type[Engine]] = {
    cls.name: cls
    for cls in (
        MinisearchEngine,
        MinisearchDefaultEngine,
        MinisearchNumbaEngine,
        Bm25sEngine,
        Bm25sNumbaEngine,
        TantivyEngine,
        SqliteFts5Engine,
        WhooshEngine,
        RankBm25Engine,
    )
}


def create_engine(name: str, workdir: Path, *, workers: int | None = None) -> Engine:
    try:
        cls = ENGINES[name]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}") from None
    return cls(workdir, workers=workers)
