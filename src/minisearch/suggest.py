"""Query help built from the index itself: "did you mean" and "more like this".

Did-you-mean looks at each query word whose term is missing from the index (or far rarer
than a close neighbour), finds the nearest frequent term with the fuzzy expansion over the
term dictionaries, and shows it in a surface form taken from a document that contains it
(stems are not words). More-like-this turns a document's most distinctive terms (tf * idf
over its stored text fields) into an OR query, as Lucene's MoreLikeThis does.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from .expansion import edit_distance, expand_fuzzy
from .query.ast import BooleanQuery, TermQuery
from .schema import FieldKind
from .searcher import SearchResults

if TYPE_CHECKING:
    from .searcher import Searcher

RARE_RATIO = 20


def did_you_mean(searcher: Searcher, text: str) -> str | None:
    """The query with misspelled words replaced, or None when every word looks right."""
    fields = [f.name for f in searcher.schema.text_fields]
    pieces: list[str] = []
    at = 0
    changed = False
    for token in searcher.analyzer.tokens(text):
        df = sum(searcher.doc_freq(f, token.text) for f in fields)
        best = _closest(searcher, fields, token.text, df)
        if best is not None:
            surface = _surface_form(searcher, best) or best
            pieces.append(text[at : token.start])
            pieces.append(surface)
            at = token.end
            changed = True
    if not changed:
        return None
    pieces.append(text[at:])
    return "".join(pieces)


def _closest(searcher: Searcher, fields: list[str], term: str, df: int) -> str | None:
    max_edits = 1 if len(term) <= 4 else 2
    near: set[str] = set()
    for field in fields:
        for terms, doc_freqs in searcher.dictionaries(field):
            expansion = expand_fuzzy(
                terms, term, max_edits=max_edits, prefix_length=1, max_terms=20, doc_freqs=doc_freqs
            )
            near.update(terms[i] for i in expansion.indices if terms[i] != term)
    live = {t: sum(searcher.doc_freq(f, t) for f in fields) for t in near}
    candidates = {t: df for t, df in live.items() if df > 0}
    if not candidates:
        return None
    best = min(candidates, key=lambda t: (edit_distance(term, t), -candidates[t], t))
    if df == 0 or candidates[best] >= RARE_RATIO * max(df, 1):
        return best
    return None


def _surface_form(searcher: Searcher, term: str) -> str | None:
    """A word of some document's stored text that analyzes to `term`."""
    for field in searcher.schema.text_fields:
        if not field.stored:
            continue
        for seg in searcher.segments:
            postings = seg.term_postings(field.name, term)
            if postings is None:
                continue
            live_docs = [int(d) for d in postings.docs[:64] if int(d) not in seg.deleted]
            if not live_docs:
                continue
            value = seg.stored_fields(live_docs[0]).get(field.name)
            if isinstance(value, str):
                forms = Counter(
                    value[t.start : t.end].lower()
                    for t in searcher.analyzer.tokens(value)
                    if t.text == term
                )
                if forms:
                    return forms.most_common(1)[0][0]
    return None


def more_like_this(
    searcher: Searcher, doc_id: str, k: int = 10, *, max_terms: int = 25
) -> SearchResults:
    """Documents most similar to `doc_id` (the document itself excluded)."""
    fields = searcher.document(doc_id)
    if fields is None:
        from .errors import MinisearchError

        raise MinisearchError(f"no document with id {doc_id!r}")
    n = searcher.doc_count
    scored: list[tuple[float, str, str]] = []
    for field in searcher.schema.text_fields:
        value = fields.get(field.name)
        if field.kind is not FieldKind.TEXT or not isinstance(value, str):
            continue
        for term, tf in Counter(searcher.analyzer.terms(value)).items():
            df = searcher.doc_freq(field.name, term)
            if df > 1:
                scored.append((tf * math.log(n / df) * field.boost, field.name, term))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    clauses = tuple(TermQuery(f, t) for _, f, t in scored[:max_terms])
    results = searcher.search(BooleanQuery(should=clauses), k + 1)
    hits = [h for h in results.hits if h.id != doc_id][:k]
    ranked = [replace(h, rank=i + 1) for i, h in enumerate(hits)]
    return SearchResults(ranked, max(results.total - 1, 0), results.query, results.elapsed_ms)
