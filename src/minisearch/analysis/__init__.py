"""Text analysis: tokenizer, per-word filters, stop word lists and the configurable `Analyzer`."""

from minisearch.analysis.analyzer import CONFIG_VERSION, Analyzer, AnalyzerConfig
from minisearch.analysis.filters import available_stemmers
from minisearch.analysis.stopwords import available_stopword_lists, stopwords
from minisearch.analysis.tokenizer import Token

__all__ = [
    "CONFIG_VERSION",
    "Analyzer",
    "AnalyzerConfig",
    "Token",
    "available_stemmers",
    "available_stopword_lists",
    "stopwords",
]
