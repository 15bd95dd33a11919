"""BM25F for one term over several fields (`CombinedFieldQuery`).

Per document: ``tf~ = sum_f w_f * tf_f / (1 - b + b * len_f / avglen_f)`` over the fields
in query order, then ``score = boost * idf * tf~ * (k1 + 1) / (k1 + tf~)`` with idf from the
live documents holding the term in any of the fields. The pseudo-frequency is accumulated in
a dense per-segment array (one pass per field's postings), and `explain` repeats the same
arithmetic in the same order, so its value equals the score exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pyroaring import FrozenBitMap

from ..scoring import FieldStats
from .ast import CombinedFieldQuery
from .explain import Explanation
from .weight_base import SegmentContext, SegmentMatches, UnitPostings, find_doc, locate


@dataclass(frozen=True, slots=True)
class CombinedFieldWeight:
    query: CombinedFieldQuery
    weight: float
    idf: float
    doc_freq: int
    doc_count: int
    field_stats: tuple[FieldStats, ...]

    def unit_postings(self, segment: SegmentContext) -> UnitPostings:
        return segment.unit_postings(self._key, lambda: self._saturated(segment))

    @property
    def _key(self) -> tuple[str, str, tuple[tuple[str, float], ...]]:
        return ("bm25f", self.query.term, self.query.fields)

    def upper_bound(self, segment: SegmentContext) -> float:
        """Saturation of the largest pseudo-frequency: max tf and min length in every field."""
        units = segment.cached_units(self._key)
        if units is not None:
            return units.peak
        b, k1 = segment.params.b, segment.params.k1
        pseudo = 0.0
        for (name, field_weight), stats in zip(self.query.fields, self.field_stats, strict=True):
            postings = segment.reader.term_postings(name, self.query.term)
            if postings is not None:
                entry = postings.entry
                norm = 1.0 - b + b * (entry.min_len / stats.avg_field_len)
                pseudo += field_weight * entry.max_tf / norm
        return pseudo * (k1 + 1.0) / (k1 + pseudo)

    def probe(
        self, segment: SegmentContext, docs: npt.NDArray[np.uint32]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
        """The same arithmetic as `_saturated`, in the same order, for `docs` only."""
        units = segment.cached_units(self._key)
        if units is not None:
            return units.probe(docs)
        pseudo = np.zeros(len(docs), dtype=np.float64)
        matched = np.zeros(len(docs), dtype=bool)
        for name, field_weight in self.query.fields:
            postings = segment.reader.term_postings(name, self.query.term)
            if postings is None:
                continue
            at, hit = locate(postings.docs, docs)
            norms = segment.bm25f_norms(name, docs[hit])
            pseudo[hit] += field_weight * postings.tfs_at(at[hit]).astype(np.float64) / norms
            matched |= hit
        freq = pseudo[matched]
        k1 = segment.params.k1
        return matched, freq * (k1 + 1.0) / (k1 + freq)

    def matches(self, segment: SegmentContext) -> SegmentMatches:
        units = self.unit_postings(segment)
        return SegmentMatches(units.docs, self.weight * units.values)

    def doc_sets(self, segment: SegmentContext) -> list[FrozenBitMap]:
        term = self.query.term
        found = (segment.reader.term_postings(name, term) for name, _ in self.query.fields)
        return [postings.bitmap() for postings in found if postings is not None]

    def _saturated(
        self, segment: SegmentContext
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]] | None:
        """Docs with the term and ``tf~ * (k1 + 1) / (k1 + tf~)`` for each (no idf, no boost).

        Field shares are added in field order, sparse (`np.bincount` adds in array order)
        or dense, which give identical floats.
        """
        docs_parts, share_parts = [], []
        for name, field_weight in self.query.fields:
            postings = segment.reader.term_postings(name, self.query.term)
            if postings is None:
                continue
            term_docs = postings.docs
            if len(term_docs):
                norms = segment.bm25f_norms(name, term_docs)
                docs_parts.append(term_docs)
                share_parts.append(field_weight * postings.tfs.astype(np.float64) / norms)
        if not docs_parts:
            return None
        docs: npt.NDArray[Any]
        freq: npt.NDArray[np.float64]
        if len(docs_parts) == 1:
            docs, freq = docs_parts[0], share_parts[0]
        elif sum(len(d) for d in docs_parts) * 8 < segment.doc_count:
            docs, inverse = np.unique(np.concatenate(docs_parts), return_inverse=True)
            freq = np.bincount(inverse, weights=np.concatenate(share_parts)).astype(
                np.float64, copy=False
            )
        else:
            pseudo = np.zeros(segment.doc_count, dtype=np.float64)
            hit = np.zeros(segment.doc_count, dtype=bool)
            for part_docs, shares in zip(docs_parts, share_parts, strict=True):
                pseudo[part_docs] += shares
                hit[part_docs] = True
            docs = np.flatnonzero(hit)
            freq = pseudo[docs]
        k1 = segment.params.k1
        return docs.astype(np.uint32, copy=False), freq * (k1 + 1.0) / (k1 + freq)

    def explain(self, segment: SegmentContext, doc: int) -> Explanation | None:
        matched = self.matches(segment)
        at = find_doc(matched.docs, doc)
        if at is None:
            return None
        params = segment.params
        parts = []
        pseudo = 0.0
        for (name, field_weight), stats in zip(self.query.fields, self.field_stats, strict=True):
            postings = segment.reader.term_postings(name, self.query.term)
            tf = 0.0
            i = None if postings is None else find_doc(postings.docs, doc)
            if postings is not None and i is not None:
                tf = float(postings.tfs[i])
            dl = float(segment.reader.field_lengths(name)[doc])
            norm = 1.0 - params.b + params.b * dl / stats.avg_field_len
            share = field_weight * tf / norm
            pseudo += share
            parts.append(
                Explanation(
                    share,
                    f"{name}: w * tf / (1 - b + b * dl / avgdl) with w = {field_weight:g}, "
                    f"tf = {tf:g}, "
                    f"dl = {dl:g}, avgdl = {stats.avg_field_len:.6g}, b = {params.b:g}",
                )
            )
        term = self.query.term
        return Explanation(
            float(matched.scores[at]),
            f"weight({term} in {', '.join(n for n, _ in self.query.fields)}), BM25F: "
            "boost * idf * tf~ * (k1 + 1) / (k1 + tf~)",
            (
                Explanation(self.query.boost, "boost"),
                Explanation(
                    self.idf,
                    "idf, computed as ln(1 + (N - df + 0.5) / (df + 0.5)) with "
                    f"N = {self.doc_count}, "
                    f"df = {self.doc_freq} (documents with the term in any of the fields)",
                ),
                Explanation(
                    pseudo,
                    "tf~, the weighted, length-normalised frequency summed over fields",
                    tuple(parts),
                ),
                Explanation(params.k1, "k1, saturation of tf~"),
            ),
        )
