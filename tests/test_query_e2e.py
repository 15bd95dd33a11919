"""The query language end to end, against a brute-force reference written here.

The reference shares nothing with the engine but the analyzer (`Analyzer.tokens` turns each
stored field into terms with positions): it evaluates a small query tree of its own over the
analyzed documents with plain Python -- matching sets, BM25 with Lucene's idf, BM25F for a
bare one-term word over several default text fields (docs/RELEVANCE.md), phrase
frequencies from positions, prefix and fuzzy expansion over the live vocabulary (its own
optimal-string-alignment distance), keyword and numeric filters, boolean combination. Every
case is a query STRING given to the engine plus the tree the documented rules say it means;
the engine must return exactly the reference's matching set with the same scores (1e-5).

A hypothesis test does the same for random small corpora over a tiny vocabulary (built in
two writer sessions, sometimes with a deletion) and random boolean queries rendered as text.
"""

from __future__ import annotations

import math
import os
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import open_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minisearch import Index, Schema
from minisearch.analysis import Analyzer
from minisearch.errors import QuerySyntaxError, UnknownFieldError
from minisearch.schema import KeywordField, NumericField, TextField

K1, B = 2.0, 0.75  # Bm25Params() defaults (docs/RELEVANCE.md)
TOL = 1e-5

# --- reference query tree ------------------------------------------------------------------


@dataclass(frozen=True)
class W:
    """A bare word (searched in every default text field unless `field` is given)."""

    text: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class P:
    """A quoted phrase."""

    text: str
    slop: int = 0
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class Pre:
    text: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class Fz:
    text: str
    edits: int = 2
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class Kw:
    field: str
    value: str


@dataclass(frozen=True)
class Rg:
    field: str
    lo: float | None = None
    hi: float | None = None
    incl_lo: bool = True
    incl_hi: bool = True


@dataclass(frozen=True)
class All:
    boost: float = 0.0


@dataclass(frozen=True)
class Bool:
    must: tuple[Any, ...] = ()
    should: tuple[Any, ...] = ()
    must_not: tuple[Any, ...] = ()
    boost: float = 1.0


def OR(*xs: Any, boost: float = 1.0) -> Bool:
    return Bool(should=tuple(xs), boost=boost)


def AND(*xs: Any, boost: float = 1.0) -> Bool:
    return Bool(must=tuple(xs), boost=boost)


# --- the reference engine -------------------------------------------------------------------


def osa(a: str, b: str) -> int:
    """Optimal string alignment distance (adjacent transpositions cost 1), plain DP."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def sloppy_freq(lists: list[list[int]], slop: int) -> int:
    """Matches of a sloppy phrase, as documented: walk every occurrence (shifted position,
    term index) in ascending order; at each one, the window is that occurrence plus, for every
    other term, its first occurrence after it in that order; count the windows no wider than
    `slop`; stop after the first occurrence that is the last of its term."""
    if any(not values for values in lists):
        return 0
    events = sorted((v, k, i) for k, values in enumerate(lists) for i, v in enumerate(values))
    count = 0
    for v, k, i in events:
        high = v
        for j, values in enumerate(lists):
            if j == k:
                continue
            nxt = next((x for x in values if (x, j) > (v, k)), None)
            assert nxt is not None
            high = max(high, nxt)
        if high - v <= slop:
            count += 1
        if i == len(lists[k]) - 1:
            break
    return count


def exact_freq(positions: list[list[int]], offsets: Sequence[int]) -> int:
    if any(not p for p in positions):
        return 0
    sets = [set(p) for p in positions]
    starts = {p - offsets[0] for p in positions[0]}
    return sum(
        1 for s in starts if all(s + off in st_ for off, st_ in zip(offsets, sets, strict=True))
    )


@dataclass
class RefDoc:
    id: str
    raw: dict[str, Any]
    tokens: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    tf: dict[str, Counter[str]] = field(default_factory=dict)
    pos: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    length: dict[str, int] = field(default_factory=dict)


class Reference:
    """Brute-force evaluation of reference trees over the LIVE documents (in index order)."""

    def __init__(
        self,
        analyzer: Analyzer,
        docs: Sequence[Mapping[str, Any]],
        text_fields: Mapping[str, float],
        keyword_fields: Sequence[str] = (),
        numeric_fields: Sequence[str] = (),
    ) -> None:
        self.analyzer = analyzer
        self.text_fields = dict(text_fields)
        self.keyword_fields = set(keyword_fields)
        self.numeric_fields = set(numeric_fields)
        self.docs: list[RefDoc] = []
        for raw in docs:
            d = RefDoc(str(raw["id"]), dict(raw))
            for name in self.text_fields:
                toks = [(t.text, t.position) for t in analyzer.tokens(raw.get(name) or "")]
                d.tokens[name] = toks
                d.tf[name] = Counter(t for t, _ in toks)
                positions: dict[str, list[int]] = {}
                for t, p in toks:
                    positions.setdefault(t, []).append(p)
                d.pos[name] = positions
                d.length[name] = len(toks)
            self.docs.append(d)
        self.n = len(self.docs)
        self.order = [d.id for d in self.docs]
        self.avgdl = {}
        self.df: dict[str, Counter[str]] = {}
        for name in self.text_fields:
            total = sum(d.length[name] for d in self.docs)
            self.avgdl[name] = total / self.n if self.n and total else 1.0
            df: Counter[str] = Counter()
            for d in self.docs:
                df.update(d.tf[name].keys())
            self.df[name] = df

    # -- scoring primitives

    def idf(self, name: str, term: str) -> float:
        df = self.df[name][term]
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def bm25(self, weight: float, tf: float, name: str, d: RefDoc) -> float:
        norm = K1 * (1 - B + B * d.length[name] / self.avgdl[name])
        return weight * tf * (K1 + 1) / (tf + norm)

    def term(self, name: str, term: str, boost: float) -> dict[str, float]:
        w = boost * self.idf(name, term)
        return {
            d.id: self.bm25(w, d.tf[name][term], name, d) for d in self.docs if d.tf[name][term]
        }

    def phrase(
        self, name: str, terms: Sequence[str], offsets: Sequence[int], slop: int, boost: float
    ) -> dict[str, float]:
        w = boost * sum(self.idf(name, t) for t in terms)
        out = {}
        for d in self.docs:
            positions = [d.pos[name].get(t, []) for t in terms]
            if slop == 0:
                freq = exact_freq(positions, offsets)
            else:
                freq = sloppy_freq(
                    [
                        sorted(p - off for p in ps)
                        for ps, off in zip(positions, offsets, strict=True)
                    ],
                    slop,
                )
            if freq:
                out[d.id] = self.bm25(w, freq, name, d)
        return out

    def combined(self, term: str, names: Sequence[str], boost: float) -> dict[str, float]:
        """BM25F for one term over `names` (a bare word over several default text fields):
        ``tf~ = sum_f w_f tf_f / (1 - b + b dl_f / avgdl_f)`` with w_f the field's schema
        boost, one idf from the documents having the term in any of the fields, and
        ``boost * idf * tf~ (k1 + 1) / (k1 + tf~)``."""
        having = [d for d in self.docs if any(d.tf[name][term] for name in names)]
        df = len(having)
        idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
        out = {}
        for d in having:
            pseudo = sum(
                self.text_fields[name]
                * d.tf[name][term]
                / (1 - B + B * d.length[name] / self.avgdl[name])
                for name in names
            )
            out[d.id] = boost * idf * pseudo * (K1 + 1) / (K1 + pseudo)
        return out

    def vocab(self, name: str) -> set[str]:
        return {t for t, df in self.df[name].items() if df > 0}

    # -- evaluation

    def run(self, node: Any, fields: Sequence[str] | None = None) -> dict[str, float]:
        res = self.eval(node, list(fields or self.text_fields))
        return {} if res is None else res

    def eval(self, node: Any, defaults: list[str]) -> dict[str, float] | None:
        if isinstance(node, Bool):
            return self._bool(node, defaults)
        if isinstance(node, All):
            return {d.id: node.boost for d in self.docs}
        if isinstance(node, Kw):
            return {d.id: 0.0 for d in self.docs if node.value in _values(d.raw.get(node.field))}
        if isinstance(node, Rg):
            return {d.id: 0.0 for d in self.docs if _in_range(d.raw.get(node.field), node)}
        names = [node.field] if node.field is not None else defaults
        if (
            isinstance(node, W)
            and node.field is None
            and len(names) >= 2
            and all(name in self.text_fields for name in names)
        ):
            terms = self.analyzer.terms(node.text)
            if len(terms) == 1:
                return self.combined(terms[0], names, node.boost)
        parts = []
        for name in names:
            if name in self.keyword_fields:
                parts.append(self.eval(Kw(name, node.text), defaults))
                continue
            if name in self.numeric_fields:
                v = float(node.text)
                parts.append(self.eval(Rg(name, v, v), defaults))
                continue
            r = self._text_leaf(node, name, node.boost * self.text_fields[name])
            if r is not None:
                parts.append(r)
        if not parts:
            return None
        return _union_sum(parts)

    def _text_leaf(self, node: Any, name: str, boost: float) -> dict[str, float] | None:
        if isinstance(node, Pre):
            prefix = normalise(node.text)
            return _union_sum(
                [
                    self.term(name, t, boost)
                    for t in sorted(self.vocab(name))
                    if t.startswith(prefix)
                ]
            )
        if isinstance(node, Fz):
            q = self.analyzer.analyze_term(node.text) or normalise(node.text)
            parts = []
            for t in sorted(self.vocab(name)):
                dist = osa(q, t)
                if dist <= node.edits:
                    parts.append(self.term(name, t, boost * (1 - dist / (len(q) + 1))))
            return _union_sum(parts)
        toks = self.analyzer.tokens(node.text)
        if not toks:
            return None
        if len(toks) == 1:
            return self.term(name, toks[0].text, boost)
        slop = node.slop if isinstance(node, P) else 0
        return self.phrase(
            name, [t.text for t in toks], [t.position - toks[0].position for t in toks], slop, boost
        )

    def _bool(self, node: Bool, defaults: list[str]) -> dict[str, float] | None:
        must = [r for c in node.must if (r := self.eval(c, defaults)) is not None]
        should = [r for c in node.should if (r := self.eval(c, defaults)) is not None]
        must_not = [r for c in node.must_not if (r := self.eval(c, defaults)) is not None]
        if not (must or should or must_not):
            return None
        out: dict[str, float] = {}
        for d in self.docs:
            if any(d.id in r for r in must_not):
                continue
            if must and not all(d.id in r for r in must):
                continue
            if not must and should and not any(d.id in r for r in should):
                continue
            score = sum(r[d.id] for r in must) + sum(r[d.id] for r in should if d.id in r)
            out[d.id] = score * node.boost
        return out


def _union_sum(parts: Sequence[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, 0.0) + v
    return out


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _in_range(value: Any, r: Rg) -> bool:
    if value is None:
        return False
    if r.lo is not None and not (value >= r.lo if r.incl_lo else value > r.lo):
        return False
    return not (r.hi is not None and not (value <= r.hi if r.incl_hi else value < r.hi))


def assert_matches(
    index_or_searcher: Any,
    query: str,
    expected: Mapping[str, float],
    *,
    context: str = "",
    **kwargs: Any,
) -> Any:
    """The engine's full result set for `query` equals `expected` (ids and scores)."""
    res = index_or_searcher.search(query, k=1000, **kwargs)
    got = {h.id: h.score for h in res.hits}
    where = f"{context} query {query!r}"
    assert set(got) == set(expected), (
        f"{where}: engine matched {sorted(got)} but reference {sorted(expected)}; "
        f"missing {sorted(set(expected) - set(got))}, extra {sorted(set(got) - set(expected))}"
    )
    assert res.total == len(expected), f"{where}: total {res.total} != {len(expected)}"
    for doc_id, score in expected.items():
        assert got[doc_id] == pytest.approx(score, rel=TOL, abs=TOL), (
            f"{where}: score of {doc_id} is {got[doc_id]!r}, reference {score!r}"
        )
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True), f"{where}: hits not in score order"
    return res


# --- the hand-made corpus ---------------------------------------------------------------

SCHEMA_FIELDS = {"title": 2.0, "body": 1.0}

CORPUS: list[dict[str, Any]] = [
    {
        "id": "d01",
        "title": "West and Russia still differ on Crimea",
        "body": "Lavrov says Russia will respect the referendum in Crimea. Talks with Kerry failed",
        "lang": "en",
        "year": 2014,
    },
    {
        "id": "d02",
        "title": "Crimea referendum",
        "body": "The referendum on Crimea joining Russia; referendums were held before.",
        "lang": "en",
        "year": 2014,
    },
    {
        "id": "d03",
        "title": "Kerry, Lavrov begin crisis talks",
        "body": "Kerry and Lavrov are meeting in London on the Ukraine crisis.",
        "lang": "en",
        "year": 2014,
    },
    {
        "id": "d04",
        "title": "F-16 jets over the Black Sea",
        "body": "Two F-16 fighters and an F 16 trainer flew; pro-Kremlin media reported it.",
        "lang": "en",
        "year": 2013,
    },
    {
        "id": "d05",
        "title": "Krim-Referendum",
        "body": "Die Krim stimmt ab. Russland und der Westen streiten über die Krim.",
        "lang": "de",
        "year": 2014,
    },
    {
        "id": "d06",
        "title": "Crimée: le référendum",
        "body": "Le référendum en Crimée divise la Russie et l'Occident.",
        "lang": "fr",
        "year": 2014,
    },
    {
        "id": "d07",
        "title": "Russia Russia Russia",
        "body": "russia russian russians Russia's",
        "lang": "en",
        "year": 2010,
    },
    {
        "id": "d08",
        "title": "Talks collapse",
        "body": "talks talks talks between Moscow and Washington collapse",
        "lang": ["en", "de"],
        "year": 2011,
    },
    {
        "id": "d09",
        "title": "Sanctions",
        "body": "Washington prepares sanctions against Moscow after the Crimea vote",
        "lang": "en",
        "year": 2012,
    },
    {
        "id": "d10",
        "title": "Weather report",
        "body": "Sunny in London, rain in Moscow. Nothing about politics.",
        "lang": "en",
    },
    {
        "id": "d11",
        "title": "Referendum results",
        "body": "results of the referendum: crimea votes, russia annexes crimea",
        "year": 2014.5,
    },
    {
        "id": "d12",
        "title": "Crisis in Ukraine",
        "body": "crisis crisis: the Ukraine crisis deepens as Russia moves troops into Crimea",
        "lang": "en",
        "year": 2015,
    },
    {
        "id": "d13",
        "title": "Old news",
        "body": "differ crimea russia west",
        "lang": "en",
        "year": 2009,
    },
    {
        "id": "d14",
        "title": "Kremlin denies",
        "body": "The Kremlin denied that Russia differs with the West over Crimea.",
        "lang": "ru",
        "year": 2014,
    },
    {
        "id": "d15",
        "title": "Refugees and referendums",
        "body": "Refugees reference the referee; refer to the reef.",
        "lang": "en",
        "year": 2013,
    },
]
DELETED = {"d10"}  # deleted in a second session: statistics count live documents only
UPDATED = {
    "id": "d09",
    "title": "Sanctions over Crimea",
    "body": "Washington prepares sanctions against Moscow after the Crimea vote and the referendum",
    "lang": "en",
    "year": 2014,
}


def build_index(path: Path, docs: Sequence[Mapping[str, Any]], *, sessions: int = 1) -> Index:
    schema = Schema(
        [
            TextField("title", boost=SCHEMA_FIELDS["title"]),
            TextField("body", boost=SCHEMA_FIELDS["body"]),
            KeywordField("lang"),
            NumericField("year"),
        ]
    )
    index = Index.create(path, schema=schema)
    chunks = [list(docs)] if sessions == 1 else [list(docs[i::sessions]) for i in range(sessions)]
    for chunk in chunks:
        with open_writer(path) as writer:
            for doc in chunk:
                writer.add({k: v for k, v in doc.items() if v is not None})
    return index


def live_corpus() -> list[dict[str, Any]]:
    docs = [d for d in CORPUS if d["id"] not in DELETED and d["id"] != UPDATED["id"]]
    return [*docs, UPDATED]


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    path = tmp_path_factory.mktemp("e2e") / "ix"
    index = build_index(path, CORPUS)
    with open_writer(path) as writer:
        for doc_id in DELETED:
            assert writer.delete(doc_id)
        writer.add(UPDATED)
    yield index
    index.close()


@pytest.fixture(scope="module")
def ref(corpus_index: Index) -> Reference:
    analyzer = Analyzer(corpus_index.analyzer_config)
    return Reference(analyzer, live_corpus(), SCHEMA_FIELDS, ["lang"], ["year"])


def test_corpus_is_live_and_multi_segment(corpus_index: Index, ref: Reference) -> None:
    info = corpus_index.info()
    assert info.segments >= 2
    assert info.documents == ref.n == 14
    got = corpus_index.search("*:*", k=100)
    assert [h.id for h in got.hits] == ref.order  # score 0 everywhere: index order


T, Bd = "title", "body"

# (query string, reference tree, default operator)
CASES: list[tuple[str, Any, str]] = [
    # terms, default OR / AND, case and stemming
    ("crimea", W("crimea"), "OR"),
    ("CRIMEA", W("crimea"), "OR"),
    ("referendums", W("referendum"), "OR"),
    ("russia talks", OR(W("russia"), W("talks")), "OR"),
    ("russia talks", AND(W("russia"), W("talks")), "AND"),
    ("kerry talks crisis", AND(W("kerry"), W("talks"), W("crisis")), "AND"),
    ("the", OR(), "OR"),  # stopword only: nothing to search
    ("the crimea", W("crimea"), "OR"),
    ("the crimea", W("crimea"), "AND"),  # a dropped stopword does not make AND fail
    ("zzzz", W("zzzz"), "OR"),
    # explicit operators and precedence (NOT > AND > OR)
    ("crimea AND referendum", AND(W("crimea"), W("referendum")), "OR"),
    ("crimea && referendum", AND(W("crimea"), W("referendum")), "OR"),
    ("crimea OR kerry", OR(W("crimea"), W("kerry")), "AND"),
    ("crimea || kerry", OR(W("crimea"), W("kerry")), "OR"),
    ("kerry OR crimea AND referendum", OR(W("kerry"), AND(W("crimea"), W("referendum"))), "OR"),
    ("kerry crimea AND referendum", OR(W("kerry"), AND(W("crimea"), W("referendum"))), "OR"),
    ("kerry crimea OR referendum", OR(AND(W("kerry"), W("crimea")), W("referendum")), "AND"),
    ("crimea NOT referendum", Bool(should=(W("crimea"),), must_not=(W("referendum"),)), "OR"),
    ("crimea AND NOT referendum", Bool(must=(W("crimea"),), must_not=(W("referendum"),)), "OR"),
    ("crimea OR NOT referendum", Bool(should=(W("crimea"),), must_not=(W("referendum"),)), "OR"),
    ("russia !crimea", Bool(should=(W("russia"),), must_not=(W("crimea"),)), "OR"),
    # +/- markers
    ("+crimea referendum", Bool(must=(W("crimea"),), should=(W("referendum"),)), "OR"),
    (
        "+crimea -referendum russia",
        Bool(must=(W("crimea"),), should=(W("russia"),), must_not=(W("referendum"),)),
        "OR",
    ),
    ("+crimea +russia -vote", Bool(must=(W("crimea"), W("russia")), must_not=(W("vote"),)), "OR"),
    ("crimea -referendum", Bool(must=(W("crimea"),), must_not=(W("referendum"),)), "AND"),
    # nested groups
    (
        "(crimea OR kerry) AND (talks OR referendum)",
        AND(OR(W("crimea"), W("kerry")), OR(W("talks"), W("referendum"))),
        "OR",
    ),
    (
        "((crimea AND russia) OR (kerry AND lavrov)) -london",
        Bool(
            must=(OR(AND(W("crimea"), W("russia")), AND(W("kerry"), W("lavrov"))),),
            must_not=(W("london"),),
        ),
        "AND",
    ),
    (
        "russia (crimea -referendum)",
        OR(W("russia"), Bool(should=(W("crimea"),), must_not=(W("referendum"),))),
        "OR",
    ),
    ("russia (-crimea)", OR(W("russia"), Bool(must_not=(W("crimea"),))), "OR"),
    (
        "+(moscow washington) +(sanctions talks)",
        AND(OR(W("moscow"), W("washington")), OR(W("sanctions"), W("talks"))),
        "OR",
    ),
    # phrases
    ('"crimea referendum"', P("crimea referendum"), "OR"),
    ('"referendum crimea"', P("referendum crimea"), "OR"),
    ('"differ on crimea"', P("differ on crimea"), "OR"),
    ('"differ crimea"', P("differ crimea"), "OR"),
    ('"differ of the crimea"', P("differ of the crimea"), "OR"),
    ('"talks talks"', P("talks talks"), "OR"),
    ('"russia russia russia"', P("russia russia russia"), "OR"),
    ('"lavrov begin crisis"', P("lavrov begin crisis"), "OR"),
    ('"crimea"', P("crimea"), "OR"),
    ('"the"', OR(), "OR"),
    # sloppy phrases
    ('"differ crimea"~1', P("differ crimea", 1), "OR"),
    ('"crimea russia"~1', P("crimea russia", 1), "OR"),
    ('"crimea russia"~2', P("crimea russia", 2), "OR"),
    ('"russia crimea"~3', P("russia crimea", 3), "OR"),
    ('"lavrov kerry"~2', P("lavrov kerry", 2), "OR"),
    ('"kerry crisis talks"~4', P("kerry crisis talks", 4), "OR"),
    ('"washington moscow"~5', P("washington moscow", 5), "OR"),
    ('"talks talks"~1', P("talks talks", 1), "OR"),
    # words analyzing to several terms become phrases
    ("F-16", P("F 16"), "OR"),
    ("pro-kremlin", P("pro kremlin"), "OR"),
    ("Krim-Referendum", P("krim referendum"), "OR"),
    ("F-16 crimea", OR(P("F 16"), W("crimea")), "OR"),
    # prefix
    ("refer*", Pre("refer"), "OR"),
    ("REF*", Pre("ref"), "OR"),
    ("russ*", Pre("russ"), "OR"),
    ("crimé*", Pre("crime"), "OR"),
    ("title:ref*", Pre("ref", T), "OR"),
    ("refer* -crimea", Bool(should=(Pre("refer"),), must_not=(W("crimea"),)), "OR"),
    # fuzzy
    ("referendm~1", Fz("referendm", 1), "OR"),
    ("referendm~2", Fz("referendm", 2), "OR"),
    ("referendm~", Fz("referendm", 2), "OR"),
    ("crmiea~1", Fz("crmiea", 1), "OR"),
    ("russias~1", Fz("russias", 1), "OR"),
    ("talk~1", Fz("talk", 1), "OR"),
    ("body:lavorv~2", Fz("lavorv", 2, Bd), "OR"),
    ("kremlin~0", Fz("kremlin", 0), "OR"),
    # fields
    ("title:crimea", W("crimea", T), "OR"),
    ("body:crimea", W("crimea", Bd), "OR"),
    ('title:"crimea referendum"', P("crimea referendum", 0, T), "OR"),
    ('body:"kerry lavrov"~2', P("kerry lavrov", 2, Bd), "OR"),
    ("title:(crimea OR talks)", OR(W("crimea", T), W("talks", T)), "OR"),
    ("title:(crimea referendum)", AND(W("crimea", T), W("referendum", T)), "AND"),
    ("title:(crimea body:referendum)", OR(W("crimea", T), W("referendum", Bd)), "OR"),
    ("title:F-16", P("F 16", 0, T), "OR"),
    # boosts
    ("crimea^2", W("crimea", boost=2.0), "OR"),
    ("crimea^0.5 referendum^3", OR(W("crimea", boost=0.5), W("referendum", boost=3.0)), "OR"),
    ('"crimea referendum"^3', P("crimea referendum", boost=3.0), "OR"),
    ('"kerry lavrov"~2^2', P("kerry lavrov", 2, boost=2.0), "OR"),
    ("(crimea OR talks)^2", OR(W("crimea"), W("talks"), boost=2.0), "OR"),
    (
        "(crimea OR talks^3)^0.5 kerry",
        OR(OR(W("crimea"), W("talks", boost=3.0), boost=0.5), W("kerry")),
        "OR",
    ),
    ("title:crimea^4", W("crimea", T, 4.0), "OR"),
    ("refer*^2", Pre("refer", boost=2.0), "OR"),
    ("referendm~1^2", Fz("referendm", 1, boost=2.0), "OR"),
    ("(crimea)^2", W("crimea", boost=2.0), "OR"),
    # keyword filters
    ("lang:en", Kw("lang", "en"), "OR"),
    ("lang:de", Kw("lang", "de"), "OR"),
    ("lang:EN", Kw("lang", "EN"), "OR"),
    ("crimea AND lang:en", AND(W("crimea"), Kw("lang", "en")), "OR"),
    ("+talks +lang:de", AND(W("talks"), Kw("lang", "de")), "OR"),
    ("crimea lang:ru", OR(W("crimea"), Kw("lang", "ru")), "OR"),
    ("crimea -lang:en", Bool(should=(W("crimea"),), must_not=(Kw("lang", "en"),)), "OR"),
    ("talks lang:(en OR de)", AND(W("talks"), OR(Kw("lang", "en"), Kw("lang", "de"))), "AND"),
    # numeric: values, ranges, comparisons
    ("year:2014", Rg("year", 2014, 2014), "OR"),
    ("year:2014.5", Rg("year", 2014.5, 2014.5), "OR"),
    ("year:[2010 TO 2012]", Rg("year", 2010, 2012), "OR"),
    ("year:{2010 TO 2012}", Rg("year", 2010, 2012, False, False), "OR"),
    ("year:[2010 TO 2012}", Rg("year", 2010, 2012, True, False), "OR"),
    ("year:{2010 TO 2012]", Rg("year", 2010, 2012, False, True), "OR"),
    ("year:[2013 TO *]", Rg("year", 2013, None), "OR"),
    ("year:[* TO 2011]", Rg("year", None, 2011), "OR"),
    ("year:{2013 TO *}", Rg("year", 2013, None, False, True), "OR"),
    ("year:[* TO *]", Rg("year", None, None), "OR"),
    ("year:>2013", Rg("year", 2013, None, False), "OR"),
    ("year:>=2013", Rg("year", 2013, None, True), "OR"),
    ("year:<2012", Rg("year", None, 2012, True, False), "OR"),
    ("year:<=2012", Rg("year", None, 2012), "OR"),
    ("crimea AND year:[2013 TO 2014]", AND(W("crimea"), Rg("year", 2013, 2014)), "OR"),
    (
        "+russia +year:>2013 -lang:en",
        Bool(must=(W("russia"), Rg("year", 2013, None, False)), must_not=(Kw("lang", "en"),)),
        "OR",
    ),
    # pure negatives and match-all
    ("-crimea", Bool(must_not=(W("crimea"),)), "OR"),
    ("NOT crimea", Bool(must_not=(W("crimea"),)), "OR"),
    ("NOT lang:en", Bool(must_not=(Kw("lang", "en"),)), "OR"),
    ("-crimea -russia", Bool(must_not=(W("crimea"), W("russia"))), "OR"),
    ("-year:[2010 TO 2014]", Bool(must_not=(Rg("year", 2010, 2014),)), "OR"),
    ("*:*", All(), "OR"),
    ("*:*^2", All(2.0), "OR"),
    ("*:* -crimea", Bool(should=(All(),), must_not=(W("crimea"),)), "OR"),
    ("*:* crimea", OR(All(), W("crimea")), "OR"),
    ("+*:* +crimea^2", AND(All(), W("crimea", boost=2.0)), "OR"),
]


@pytest.mark.parametrize(("query", "tree", "op"), CASES, ids=[f"{q}|{op}" for q, _, op in CASES])
def test_query_against_reference(
    corpus_index: Index, ref: Reference, query: str, tree: Any, op: str
) -> None:
    assert_matches(corpus_index, query, ref.run(tree), default_operator=op)


def test_cases_are_not_vacuous(ref: Reference) -> None:
    """Most cases match something (a broken reference returning {} would pass silently)."""
    empty = [q for q, tree, _ in CASES if not ref.run(tree)]
    assert len(empty) <= 5, empty


def test_pure_negative_is_index_order_with_zero_scores(corpus_index: Index, ref: Reference) -> None:
    res = corpus_index.search("-crimea", k=100)
    expected = [i for i in ref.order if i not in ref.run(W("crimea"))]
    assert [h.id for h in res.hits] == expected
    assert all(h.score == 0.0 for h in res.hits)


def test_fields_restriction_argument(corpus_index: Index, ref: Reference) -> None:
    """`fields=["body"]` makes bare words search the body only."""
    expected = ref.run(OR(W("crimea"), P("F 16")), fields=["body"])
    assert_matches(corpus_index, "crimea F-16", expected, fields=["body"])


def test_bare_word_is_bm25f_over_the_default_fields(corpus_index: Index, ref: Reference) -> None:
    """A bare one-term word over two or more text fields is one `CombinedFieldQuery` (BM25F,
    docs/RELEVANCE.md), not the sum of per-field BM25; over one field it is a `TermQuery`."""
    from minisearch.query import BooleanQuery, CombinedFieldQuery, PhraseQuery, TermQuery

    res = assert_matches(corpus_index, "Crimea^3", ref.run(W("crimea", boost=3.0)))
    assert res.query == CombinedFieldQuery("crimea", (("title", 2.0), ("body", 1.0)), boost=3.0)
    summed = ref.run(OR(W("crimea", T, 3.0), W("crimea", Bd, 3.0)))
    assert set(summed) == set(res.hits[i].id for i in range(len(res.hits)))
    assert any(h.score != pytest.approx(summed[h.id], rel=1e-6) for h in res.hits)
    # d02 has crimea in its title and body: one saturation and one idf, not two.
    d02 = ref.combined("crimea", ["title", "body"], 3.0)["d02"]
    assert {h.id: h.score for h in res.hits}["d02"] == pytest.approx(d02, rel=1e-9)
    # Naming both fields is the same thing; the order of the fields is the order given.
    res = assert_matches(corpus_index, "crimea", ref.run(W("crimea")), fields=["body", "title"])
    assert res.query == CombinedFieldQuery("crimea", (("body", 1.0), ("title", 2.0)))
    # One field: plain BM25 with the field's boost.
    res = assert_matches(corpus_index, "crimea", ref.run(W("crimea"), ["title"]), fields=["title"])
    assert res.query == TermQuery("title", "crimea", 2.0)
    res = assert_matches(corpus_index, "title:crimea", ref.run(W("crimea", T)))
    assert res.query == TermQuery("title", "crimea", 2.0)
    # Several terms (F-16): a phrase per field, summed.
    res = assert_matches(corpus_index, "F-16", ref.run(P("F 16")))
    assert isinstance(res.query, BooleanQuery)
    assert all(isinstance(c, PhraseQuery) for c in res.query.should)


def test_unknown_field_names_known_fields(corpus_index: Index) -> None:
    with pytest.raises(UnknownFieldError) as info:
        corpus_index.search("author:kerry")
    assert isinstance(info.value, QuerySyntaxError)
    message = str(info.value)
    for name in ("title", "body", "lang", "year"):
        assert name in message
    assert info.value.position == 0
    with pytest.raises(UnknownFieldError) as info:
        corpus_index.search("crimea AND nosuch:(a OR b)")
    assert info.value.position == len("crimea AND ")


def test_stored_only_field_is_not_searchable(tmp_path: Path) -> None:
    from minisearch.schema import StoredField

    index = Index.create(
        tmp_path / "ix",
        schema=Schema([TextField("body"), KeywordField("lang"), StoredField("url")]),
    )
    with index.writer() as writer:
        writer.add({"id": "1", "body": "crimea", "url": "http://x", "lang": "en"})
    with pytest.raises(UnknownFieldError) as info:
        index.search("url:x")
    assert "body" in str(info.value) and "lang" in str(info.value)
    assert "url" not in str(info.value).split("(", 1)[1]
    assert [h.id for h in index.search("crimea").hits] == ["1"]
    index.close()


@pytest.mark.parametrize(
    "query",
    [
        "crimea AND",
        '"crimea',
        "(crimea",
        "crimea)",
        "year:[2010 TO]",
        "lang:en*",
        "year:abc",
        "title:[1 TO 2]",
        "crimea^x",
        "",
    ],
)
def test_malformed_queries_raise_with_position(corpus_index: Index, query: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        corpus_index.search(query)
    assert 0 <= info.value.position <= len(query)


def test_search_pages_agree_with_full_result(corpus_index: Index, ref: Reference) -> None:
    expected = ref.run(OR(W("crimea"), W("russia"), W("referendum")))
    full = corpus_index.search("crimea russia referendum", k=100)
    assert full.total == len(expected)
    pages = [
        h.id
        for off in range(0, len(expected), 3)
        for h in corpus_index.search("crimea russia referendum", k=3, offset=off).hits
    ]
    assert pages == [h.id for h in full.hits]


# --- randomized: tiny vocabulary, random corpora, random boolean queries --------------------

VOCAB = ["apple", "apples", "banana", "cherry", "date", "the", "of", "fig"]
TEXT_FIELDS = ("title", "body")


def render(node: Any, op: str) -> str:
    def boost(b: float) -> str:
        return "" if b == 1.0 else f"^{b:g}"

    def fld(f: str | None) -> str:
        return "" if f is None else f"{f}:"

    if isinstance(node, W):
        return f"{fld(node.field)}{node.text}{boost(node.boost)}"
    if isinstance(node, P):
        slop = f"~{node.slop}" if node.slop else ""
        return f'{fld(node.field)}"{node.text}"{slop}{boost(node.boost)}'
    if isinstance(node, Pre):
        return f"{fld(node.field)}{node.text}*{boost(node.boost)}"
    if isinstance(node, Fz):
        return f"{fld(node.field)}{node.text}~{node.edits}{boost(node.boost)}"
    if isinstance(node, Kw):
        return f"{node.field}:{node.value}"
    if isinstance(node, Rg):
        lo = "*" if node.lo is None else f"{node.lo:g}"
        hi = "*" if node.hi is None else f"{node.hi:g}"
        return (
            f"{node.field}:{'[' if node.incl_lo else '{'}{lo} TO {hi}{']' if node.incl_hi else '}'}"
        )
    if isinstance(node, All):
        return "*:*" + ("" if node.boost == 0.0 else f"^{node.boost:g}")
    assert isinstance(node, Bool)
    unmarked = "should" if op == "OR" else "must"
    parts = []
    for occur, kids in (("must", node.must), ("should", node.should), ("must_not", node.must_not)):
        for kid in kids:
            mark = (
                "" if occur == unmarked else {"must": "+", "must_not": "-", "should": None}[occur]
            )
            assert mark is not None
            parts.append(mark + render(kid, op))
    return "(" + " ".join(parts) + ")" + boost(node.boost)


words = st.sampled_from(VOCAB)
boosts = st.sampled_from([1.0, 1.0, 1.0, 2.0, 0.5, 3.0])
fields_ = st.sampled_from([None, None, "title", "body"])


@st.composite
def leaves(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["w", "w", "w", "p", "pre", "fz", "kw", "rg", "all"]))
    f, b = draw(fields_), draw(boosts)
    if kind == "w":
        return W(draw(words), f, b)
    if kind == "p":
        text = " ".join(draw(st.lists(words, min_size=2, max_size=3)))
        return P(text, draw(st.sampled_from([0, 0, 1, 2, 3])), f, b)
    if kind == "pre":
        w = draw(words)
        return Pre(w[: draw(st.integers(1, len(w)))], f, b)
    if kind == "fz":
        w = list(draw(words))
        i = draw(st.integers(0, len(w) - 1))
        mutation = draw(st.sampled_from(["del", "sub", "swap", "none"]))
        if mutation == "del" and len(w) > 2:
            del w[i]
        elif mutation == "sub":
            w[i] = "x"
        elif mutation == "swap" and i + 1 < len(w):
            w[i], w[i + 1] = w[i + 1], w[i]
        return Fz("".join(w), draw(st.sampled_from([1, 2])), f, b)
    if kind == "kw":
        return Kw("lang", draw(st.sampled_from(["en", "de"])))
    if kind == "rg":
        lo = draw(st.sampled_from([None, 2010, 2012]))
        hi = draw(st.sampled_from([None, 2012, 2014]))
        return Rg(
            "year", lo, hi, draw(st.booleans()) or lo is None, draw(st.booleans()) or hi is None
        )
    return All(draw(st.sampled_from([0.0, 0.0, 1.0])))


def _bools(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    @st.composite
    def make(draw: st.DrawFn) -> Any:
        kids = draw(
            st.lists(
                st.tuples(st.sampled_from(["must", "should", "should", "must_not"]), children),
                min_size=2,
                max_size=4,
            )
        )
        return Bool(
            must=tuple(k for o, k in kids if o == "must"),
            should=tuple(k for o, k in kids if o == "should"),
            must_not=tuple(k for o, k in kids if o == "must_not"),
            boost=draw(boosts),
        )

    return make()


queries = st.recursive(leaves(), _bools, max_leaves=8)


@st.composite
def corpora(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 8))
    docs = []
    for i in range(n):
        doc: dict[str, Any] = {
            "id": f"r{i}",
            "title": " ".join(draw(st.lists(words, max_size=3))),
            "body": " ".join(draw(st.lists(words, max_size=9))),
        }
        lang = draw(st.sampled_from([None, "en", "de", ["en", "de"]]))
        if lang is not None:
            doc["lang"] = lang
        year = draw(st.sampled_from([None, 2010, 2011, 2012, 2013, 2014]))
        if year is not None:
            doc["year"] = year
        docs.append(doc)
    return docs


def _has_should(node: Any) -> bool:
    return isinstance(node, Bool) and (
        bool(node.should) or any(_has_should(k) for k in (*node.must, *node.must_not))
    )


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    docs=corpora(),
    qs=st.lists(queries, min_size=1, max_size=8),
    split=st.integers(0, 8),
    delete=st.booleans(),
    data=st.data(),
)
def test_random_corpora_and_queries(
    docs: list[dict[str, Any]], qs: list[Any], split: int, delete: bool, data: st.DataObject
) -> None:
    # on the suite's temporary root (tmpfs when conftest chose it): fsync-bound otherwise
    with tempfile.TemporaryDirectory(dir=os.environ.get("PYTEST_DEBUG_TEMPROOT")) as tmp:
        path = Path(tmp) / "ix"
        first = docs[:split] if 0 < split < len(docs) else docs
        rest = docs[len(first) :]
        index = build_index(path, first)
        live = list(docs)
        if rest:  # a second writer session: a second segment
            with open_writer(path) as writer:
                for d in rest:
                    writer.add(d)
        if delete and len(live) > 1:
            victim = data.draw(st.sampled_from([d["id"] for d in live]))
            with open_writer(path) as writer:
                writer.delete(victim)
            live = [d for d in live if d["id"] != victim]
        reference = Reference(
            Analyzer(index.analyzer_config), live, SCHEMA_FIELDS, ["lang"], ["year"]
        )
        with index.searcher() as searcher:
            for tree in qs:
                op = "AND" if not _has_should(tree) and data.draw(st.booleans()) else "OR"
                text = render(tree, op)
                assert_matches(
                    searcher,
                    text,
                    reference.run(tree),
                    default_operator=op,
                    context=f"corpus {live!r}",
                )
        index.close()


def test_render_round_trip_examples() -> None:
    """The renderer speaks the documented syntax (sanity check of the test's own tool)."""
    tree = Bool(
        must=(W("apple", "title", 2.0),),
        should=(P("banana fig", 2),),
        must_not=(Rg("year", 2010, None, False),),
    )
    assert render(tree, "OR") == '(+title:apple^2 "banana fig"~2 -year:{2010 TO *])'
    assert render(AND(W("a"), W("b")), "AND") == "(a b)"
