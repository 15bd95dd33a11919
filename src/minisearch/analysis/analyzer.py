"""`AnalyzerConfig` (the stored, versioned description of an analysis chain) and `Analyzer`.

Pipeline: tokenize the ORIGINAL text (offsets point into it) -> per word: NFKC -> lowercase
-> possessive strip -> stop word check -> length check -> stem -> accent fold (see
`filters` for why this order). Every step can be switched off in the config. Speed comes
from caching: each analyzer maps a surface word to its final term in a dict, so analyzing
text is one regex `findall` plus one dict lookup per token; the filter chain (with batched
PyStemmer calls) runs only for words not seen before. The segment builder goes one step
further (`surface_words`, `terms_of_words`): it maps surface words straight to term ordinals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from itertools import compress, count
from typing import Any

from minisearch.analysis.filters import TermFilter, check_stemmer
from minisearch.analysis.stopwords import stopwords
from minisearch.analysis.tokenizer import Token, word_spans, words
from minisearch.errors import AnalyzerConfigError

CONFIG_VERSION = 1
# Distinct surface words remembered per analyzer before the cache starts over (~100 MB).
_CACHE_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class AnalyzerConfig:
    """Which analysis steps run, and with which language data. Validated on construction."""

    nfkc: bool = True
    lowercase: bool = True
    fold_accents: bool = True
    possessives: bool = True  # strip English possessive 's ("Sarkozy's" -> "sarkozy")
    stopwords: str | None = (
        "english_snowball"  # a built-in list (`available_stopword_lists()`) or None
    )
    extra_stopwords: tuple[str, ...] = ()  # normalized like tokens (NFKC, lowercase) first
    stemmer: str | None = "english"  # a PyStemmer algorithm (`available_stemmers()`) or None
    min_token_length: int = 1  # in characters, after normalization; shorter words are dropped
    max_token_length: int = 255  # longer words are dropped (they still consume a position)

    def __post_init__(self) -> None:
        for name in ("nfkc", "lowercase", "fold_accents", "possessives"):
            if type(getattr(self, name)) is not bool:
                raise AnalyzerConfigError(
                    f"{name} must be true or false, not {getattr(self, name)!r}"
                )
        for name in ("min_token_length", "max_token_length"):
            if type(getattr(self, name)) is not int:
                raise AnalyzerConfigError(f"{name} must be an integer, not {getattr(self, name)!r}")
        if not 1 <= self.min_token_length <= self.max_token_length:
            raise AnalyzerConfigError(
                "token lengths must satisfy 1 <= min_token_length <= max_token_length, not "
                f"{self.min_token_length} and {self.max_token_length}"
            )
        if self.stopwords is not None:
            if not isinstance(self.stopwords, str):
                raise AnalyzerConfigError(
                    f"stopwords must be a list name or None, not {self.stopwords!r}"
                )
            stopwords(self.stopwords)  # raises, naming the available lists
        extra = self.extra_stopwords
        if isinstance(extra, str | bytes) or not isinstance(extra, tuple | list):
            raise AnalyzerConfigError(f"extra_stopwords must be a list of words, not {extra!r}")
        if not all(isinstance(word, str) for word in extra):
            raise AnalyzerConfigError(f"extra_stopwords must hold only strings, not {extra!r}")
        object.__setattr__(self, "extra_stopwords", tuple(extra))
        if self.stemmer is not None:
            if not isinstance(self.stemmer, str):
                raise AnalyzerConfigError(
                    f"stemmer must be an algorithm name or None, not {self.stemmer!r}"
                )
            check_stemmer(self.stemmer)

    def to_dict(self) -> dict[str, object]:
        """A plain (msgpack/JSON-able) dict with a "version" key; `from_dict` reads it back."""
        data: dict[str, object] = {"version": CONFIG_VERSION}
        for field in fields(self):
            data[field.name] = getattr(self, field.name)
        data["extra_stopwords"] = list(self.extra_stopwords)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> AnalyzerConfig:
        """The config `data` describes; missing keys take their defaults, "version" too.

        Raises `AnalyzerConfigError` for unknown keys, an unknown version and any value
        the constructor rejects (bad types, unknown stop word list or stemmer).
        """
        if not isinstance(data, Mapping):
            raise AnalyzerConfigError(f"an analyzer config must be a mapping, not {data!r}")
        known = {field.name for field in fields(cls)}
        unknown = sorted(str(key) for key in data if key not in known and key != "version")
        if unknown:
            raise AnalyzerConfigError(
                f"unknown analyzer config keys: {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        version = data.get("version", CONFIG_VERSION)
        if type(version) is not int or version != CONFIG_VERSION:
            raise AnalyzerConfigError(
                f"analyzer config version {version!r} is not supported (this minisearch reads "
                f"version {CONFIG_VERSION})"
            )
        kwargs: dict[str, Any] = {key: value for key, value in data.items() if key != "version"}
        return cls(**kwargs)


class Analyzer:
    """Turns text into terms with positions and offsets, following one `AnalyzerConfig`.

    Safe to share between threads. Pickles as its config (the stemmer and cache are rebuilt).
    """

    def __init__(self, config: AnalyzerConfig | None = None) -> None:
        self.config = config if config is not None else AnalyzerConfig()
        self._filter = TermFilter(self.config)
        self._cache: dict[str, str] = {}  # surface word -> final term, "" when removed

    def __repr__(self) -> str:
        return f"Analyzer({self.config!r})"

    def __reduce__(self) -> tuple[type[Analyzer], tuple[AnalyzerConfig]]:
        return Analyzer, (self.config,)

    def tokens(self, text: str) -> list[Token]:
        """Every kept token with its term, position and offsets into `text`."""
        spans = list(word_spans(text))
        terms = self._terms_of([word for word, _, _ in spans])
        return [
            Token(term, position, start, end)
            for position, ((_, start, end), term) in enumerate(zip(spans, terms, strict=True))
            if term
        ]

    def terms(self, text: str) -> list[str]:
        """The terms of `text`, in order (query analysis)."""
        return list(filter(None, self._terms_of(words(text))))

    def terms_and_positions(self, text: str) -> tuple[list[str], list[int]]:
        """The terms of `text` and their positions, as two parallel lists."""
        terms = self._terms_of(words(text))
        return list(filter(None, terms)), list(compress(count(), terms))

    def surface_words(self, text: str) -> list[str]:
        """The words of `text` before any filter, in order: position i is the i-th of them."""
        return words(text)

    def terms_of_words(self, surface: list[str]) -> list[str]:
        """The term each of `surface` becomes, in order; "" where the filters remove it.

        With `surface_words`, what callers that keep their own word -> term map need (the
        segment builder maps surface words straight to term ordinals).
        """
        return self._terms_of(surface)

    def analyze_term(self, word: str) -> str | None:
        """The term one already-tokenized word becomes, or None if the filters remove it."""
        return self._terms_of([word])[0] or None

    def _terms_of(self, surface: list[str]) -> list[str]:
        cache = self._cache
        try:
            return list(map(cache.__getitem__, surface))
        except KeyError:
            cache = self._learn(cache, surface)
            return list(map(cache.__getitem__, surface))

    def _learn(self, cache: dict[str, str], surface: list[str]) -> dict[str, str]:
        """Run the filter chain on the words `cache` lacks; returns the cache now holding them."""
        missing = list(set(surface).difference(cache))
        if len(cache) + len(missing) > _CACHE_LIMIT:
            cache = {}  # rebinding (not clearing) keeps other threads' lookups valid
            self._cache = cache
            missing = list(set(surface))
        cache.update(zip(missing, self._filter.apply(missing), strict=True))
        return cache
