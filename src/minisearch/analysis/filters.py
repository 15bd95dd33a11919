"""The per-word filter chain that turns one surface word into its indexed term (or drops it).

Order, and why: NFKC (so "ﬁ" and fullwidth letters match their plain forms) -> lowercase ->
English possessive strip -> stop word check (on the lowercased, unfolded, unstemmed word,
the form the lists are written in) -> length check -> stem (PyStemmer; it must see real
accented words) -> accent fold (NFKD, drop combining marks, NFC). A stem the fold changed
is stemmed once more, so "résumé" and "resume" meet even under stemmers that ignore accents
(English). Pure-ASCII words skip the Unicode steps. Callers cache the result per surface
word, so this code runs once per distinct word, not once per token.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from itertools import compress
from typing import TYPE_CHECKING

import Stemmer

from minisearch.analysis.stopwords import stopwords
from minisearch.errors import AnalyzerConfigError

if TYPE_CHECKING:
    from minisearch.analysis.analyzer import AnalyzerConfig

_APOSTROPHE = "’"


def available_stemmers() -> list[str]:
    """The PyStemmer algorithm names a config may use as `stemmer`, sorted."""
    return sorted(Stemmer.algorithms())


def nfkc(word: str) -> str:
    """Unicode compatibility normalization (ligatures, fullwidth forms, superscripts...)."""
    return word if word.isascii() else unicodedata.normalize("NFKC", word)


def strip_possessive(word: str) -> str:
    """Drop a trailing English possessive 's ("sarkozy's" -> "sarkozy"), as Lucene does."""
    return word[:-2] if word.endswith(("'s", "'S")) else word


def fold_accents(word: str) -> str:
    """Remove diacritics: decompose (NFKD), drop combining marks, recompose (NFC)."""
    if word.isascii():
        return word
    bare = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


class TermFilter:
    """The filter chain of one `AnalyzerConfig`; `apply` maps surface words to terms.

    A removed word maps to "" (never a valid term), which lets callers test results by
    truthiness. The PyStemmer object is not thread-safe, so stemming holds a lock.
    """

    def __init__(self, config: AnalyzerConfig) -> None:
        self._config = config
        stop = set(stopwords(config.stopwords)) if config.stopwords is not None else set()
        stop.update(self._normalize(word) for word in config.extra_stopwords)
        self._stop = frozenset(stop)
        self._stemmer = Stemmer.Stemmer(config.stemmer, 0) if config.stemmer is not None else None
        self._lock = threading.Lock()

    def _normalize(self, word: str) -> str:
        """NFKC (with ’ read as '), lowercase and possessive strip, as configured."""
        config = self._config
        if not word.isascii():
            word = word.replace(_APOSTROPHE, "'")
            if config.nfkc:
                word = nfkc(word)
        if config.lowercase:
            word = word.lower()
        if config.possessives:
            word = strip_possessive(word)
        return word

    def _normalize_all(self, words: list[str]) -> list[str]:
        """`_normalize` of each word. ASCII words (most) only need lowercasing and the
        possessive strip: lowercasing them joined is one call instead of one per word."""
        joined = "\n".join(words)
        if not joined.isascii():
            return [self._normalize(word) for word in words]
        if self._config.lowercase:
            lowered = joined.lower().split("\n")
            # Unless a word held a line break, which splits it too.
            words = lowered if len(lowered) == len(words) else [word.lower() for word in words]
        if self._config.possessives and "'" in joined:
            words = [strip_possessive(word) for word in words]
        return words

    def apply(self, words: Iterable[str]) -> list[str]:
        """The term of each word, in order; "" for a word the filters remove."""
        prepared = self._normalize_all(list(words))
        stop = self._stop
        shortest, longest = self._config.min_token_length, self._config.max_token_length
        keep = [word not in stop and shortest <= len(word) <= longest for word in prepared]
        kept = list(compress(prepared, keep))
        stemmer = self._stemmer
        if stemmer is not None and kept:
            with self._lock:
                kept = stemmer.stemWords(kept)
        if self._config.fold_accents and not "".join(kept).isascii():
            folded = [fold_accents(word) for word in kept]
            if stemmer is not None:
                # A stemmer that does not know the accents left them in the stem; stem the
                # folded form again so "résumé" ends where "resume" does ("resum").
                with self._lock:
                    folded = [
                        stemmer.stemWord(bare) if bare != stem else bare
                        for stem, bare in zip(kept, folded, strict=True)
                    ]
            kept = folded
        survivors = iter(kept)
        return [next(survivors) if kept_word else "" for kept_word in keep]


def check_stemmer(name: str) -> None:
    """Raise `AnalyzerConfigError` unless `name` is a PyStemmer algorithm."""
    if name not in Stemmer.algorithms():
        raise AnalyzerConfigError(
            f"unknown stemmer {name!r}; available: {', '.join(available_stemmers())}"
        )
