"""Tests of minisearch.analysis: tokenization rules, the filter chain, configs, stop lists."""

from __future__ import annotations

import pickle
import sys
import unicodedata
from itertools import pairwise

import msgpack
import pytest
import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from minisearch.analysis import (
    Analyzer,
    AnalyzerConfig,
    Token,
    available_stemmers,
    available_stopword_lists,
    stopwords,
    tokenizer,
)
from minisearch.analysis import analyzer as analyzer_module
from minisearch.analysis.filters import TermFilter
from minisearch.analysis.tokenizer import word_spans, words
from minisearch.errors import AnalyzerConfigError

PLAIN = AnalyzerConfig(stopwords=None, stemmer=None)  # tokenize + normalize only


def terms(text: str, config: AnalyzerConfig = PLAIN) -> list[str]:
    return Analyzer(config).terms(text)


def pairs(text: str, config: AnalyzerConfig = PLAIN) -> list[tuple[str, int]]:
    found, positions = Analyzer(config).terms_and_positions(text)
    return list(zip(found, positions, strict=True))


# --- tokenization rules ---------------------------------------------------------------


def test_hyphen_splits_into_consecutive_positions() -> None:
    assert pairs("Pro-Kremlin forces") == [("pro", 0), ("kremlin", 1), ("forces", 2)]


def test_apostrophe_between_letters_joins() -> None:
    assert terms("Don't stop") == ["don't", "stop"]
    assert terms("Don’t stop") == ["don't", "stop"]  # ’ is read as '
    assert terms("rock'n'roll O'Brien") == ["rock'n'roll", "o'brien"]


def test_apostrophe_outside_a_word_splits() -> None:
    assert terms("'quoted' students' 'tis") == ["quoted", "students", "tis"]


def test_letter_digit_hyphen_and_dates_split() -> None:
    assert terms("F-16") == ["f", "16"]
    assert pairs("on 2014-03-14") == [("on", 0), ("2014", 1), ("03", 2), ("14", 3)]


def test_decimal_numbers_stay_whole() -> None:
    assert terms("pi is 3.14, 1,000 or 2.5.1 but not 3. or ,5") == [
        "pi", "is", "3.14", "1,000", "or", "2.5.1", "but", "not", "3", "or", "5",
    ]  # fmt: skip


def test_underscores_and_abbreviation_periods_split() -> None:
    assert terms("snake_case U.S.A.") == ["snake", "case", "u", "s", "a"]


def test_possessive_is_stripped() -> None:
    assert terms("Sarkozy's plea, Sarkozy’s plea") == ["sarkozy", "plea", "sarkozy", "plea"]
    assert terms("SARKOZY'S", AnalyzerConfig(stopwords=None, stemmer=None, lowercase=False)) == [
        "SARKOZY"
    ]


def test_default_analyzer_on_the_examples() -> None:
    # The default stop list is Snowball's English list (docs/RELEVANCE.md): "don't" is on it.
    assert Analyzer().config.stopwords == "english_snowball"
    assert Analyzer().terms("Don't miss Sarkozy's Pro-Kremlin F-16 running") == [
        "miss", "sarkozi", "pro", "kremlin", "f", "16", "run",
    ]  # fmt: skip
    # Lucene's 33 words (the old default) do not contain "don't".
    lucene = Analyzer(AnalyzerConfig(stopwords="english"))
    assert lucene.terms("Don't miss Sarkozy's Pro-Kremlin F-16 running") == [
        "don't", "miss", "sarkozi", "pro", "kremlin", "f", "16", "run",
    ]  # fmt: skip


def test_default_stopwords_are_snowballs_english_list() -> None:
    # Function words that Snowball's list removes but Lucene's 33 keep, each with its position gap.
    tokens = Analyzer().tokens("What does he have about our papers from which we can learn")
    assert [(t.text, t.position) for t in tokens] == [("paper", 6), ("can", 10), ("learn", 11)]
    # "can" and "will" are commented out of Snowball's list, so they stay searchable.
    assert Analyzer().terms("will we") == ["will"]
    assert Analyzer().terms("can do") == ["can"]


def test_combining_marks_stay_inside_words() -> None:
    decomposed = "re\u0301sume\u0301 cafe\u0301s"
    assert words(decomposed) == ["re\u0301sume\u0301", "cafe\u0301s"]
    assert terms(decomposed) == ["resume", "cafes"]


def test_mark_class_covers_every_combining_mark() -> None:
    marks = [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)).startswith("M")
    ]
    assert words("a" + "".join(marks)) == ["a" + "".join(marks)]


def test_zero_width_non_joiner_joins_persian_compounds() -> None:
    assert words("می\u200cخواهم") == ["می\u200cخواهم"]


def test_non_latin_scripts_tokenize() -> None:
    assert terms("Москва — столица России", AnalyzerConfig(stopwords=None, stemmer=None)) == [
        "москва", "столица", "россии",
    ]  # fmt: skip


# --- offsets and positions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "term"),
    [
        ("the ﬁnance desk", "ﬁnance", "financ"),
        ("ＡＢＣ news", "ＡＢＣ", "abc"),
        ("un résumé utile", "résumé", "resum"),
        ("x re\u0301sume\u0301 y", "re\u0301sume\u0301", "resum"),
        ("Sarkozy’s plea", "Sarkozy’s", "sarkozi"),
    ],
)
def test_offsets_point_into_the_original_text(text: str, surface: str, term: str) -> None:
    found = [token for token in Analyzer().tokens(text) if token.text == term]
    assert len(found) == 1
    token = found[0]
    assert text[token.start : token.end] == surface
    assert token.start == text.index(surface)


def test_stopwords_leave_position_gaps() -> None:
    tokens = Analyzer().tokens("The cat is on the mat")
    assert [(t.text, t.position) for t in tokens] == [("cat", 1), ("mat", 5)]
    assert tokens[1] == Token("mat", 5, 18, 21)


def test_length_limits_drop_tokens_but_keep_positions() -> None:
    config = AnalyzerConfig(stopwords=None, stemmer=None, min_token_length=2, max_token_length=5)
    assert pairs("a bb cccccc dd", config) == [("bb", 1), ("dd", 3)]


# --- every step can be switched off -----------------------------------------------------


def test_lowercase_off_keeps_case() -> None:
    assert terms("Paris IBM", AnalyzerConfig(stopwords=None, stemmer=None, lowercase=False)) == [
        "Paris", "IBM",
    ]  # fmt: skip


def test_fold_accents_off_keeps_accents() -> None:
    assert terms("résumé", AnalyzerConfig(stopwords=None, stemmer=None, fold_accents=False)) == [
        "résumé"
    ]
    assert terms("résumé") == ["resume"]


def test_nfkc_off_keeps_compatibility_characters() -> None:
    config = AnalyzerConfig(stopwords=None, stemmer=None, nfkc=False)
    assert terms("ﬁnance", config) == ["finance"]  # the fold's NFKD still decomposes ﬁ
    unfolded = AnalyzerConfig(stopwords=None, stemmer=None, nfkc=False, fold_accents=False)
    assert terms("ﬁnance ＡＢＣ", unfolded) == ["ﬁnance", "ａｂｃ"]
    assert terms("ﬁnance ＡＢＣ") == ["finance", "abc"]


def test_possessives_off_keeps_the_s() -> None:
    assert terms("Sarkozy's", AnalyzerConfig(stopwords=None, stemmer=None, possessives=False)) == [
        "sarkozy's"
    ]


def test_stopwords_off_and_stemmer_off() -> None:
    assert terms("the running") == ["the", "running"]
    assert Analyzer().terms("the running") == ["run"]


def test_stopword_check_sees_the_unstemmed_unfolded_word() -> None:
    config = AnalyzerConfig(extra_stopwords=("running", "café"))
    assert Analyzer(config).terms("running runs café cafe") == ["run", "cafe"]


def test_extra_stopwords_are_normalized_like_tokens() -> None:
    config = AnalyzerConfig(stopwords=None, stemmer=None, extra_stopwords=("Foo", "ﬁx"))
    assert terms("foo FOO fix bar", config) == ["bar"]


def test_analyze_term() -> None:
    analyzer = Analyzer()
    assert analyzer.analyze_term("Running") == "run"
    assert analyzer.analyze_term("The") is None
    assert analyzer.analyze_term("Sarkozy's") == "sarkozi"


# --- stemming and folding ---------------------------------------------------------------


def test_accented_and_plain_spellings_meet() -> None:
    analyzer = Analyzer()
    assert analyzer.terms("résumé RÉSUMÉ resume résumés") == ["resum"] * 4
    french = Analyzer(AnalyzerConfig(stemmer="french", stopwords="french"))
    assert french.terms("résumé resume élèves eleves") == ["resum", "resum", "elev", "elev"]


@pytest.mark.parametrize(
    ("stemmer", "word", "stem"),
    [
        ("french", "continuation", "continu"),
        ("french", "continuer", "continu"),
        ("french", "continuellement", "continuel"),
        ("german", "aufeinanderfolgenden", "aufeinanderfolg"),
        ("german", "Häuser", "haus"),
        ("spanish", "chicas", "chic"),
        ("russian", "вагоне", "вагон"),
    ],
)
def test_non_english_stemmers(stemmer: str, word: str, stem: str) -> None:
    config = AnalyzerConfig(stemmer=stemmer, stopwords=None)
    assert Analyzer(config).analyze_term(word) == stem


@pytest.mark.parametrize("name", available_stemmers())
def test_every_stemmer_loads(name: str) -> None:
    config = AnalyzerConfig(stemmer=name, stopwords=None)
    assert Analyzer(config).terms("walking 42") == [Analyzer(config).analyze_term("walking"), "42"]


# --- stop word lists --------------------------------------------------------------------


LUCENE_ENGLISH = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with",
]  # fmt: skip


def test_english_is_lucenes_33_words() -> None:
    assert stopwords("english") == frozenset(LUCENE_ENGLISH)
    assert len(LUCENE_ENGLISH) == 33


def test_shipped_lists() -> None:
    expected = {"english", "english_snowball", "french", "german", "spanish", "italian"}
    expected |= {"portuguese", "dutch", "swedish", "norwegian", "danish", "russian", "finnish"}
    assert set(available_stopword_lists()) == expected


@pytest.mark.parametrize("name", available_stopword_lists())
def test_every_stopword_list_is_clean(name: str) -> None:
    words_ = stopwords(name)
    assert len(words_) >= 33
    for word in words_:
        assert word == word.strip().lower() == unicodedata.normalize("NFKC", word)
        assert len(list(word_spans(word))) == 1, word  # one token, so it can match
    assert name.removesuffix("_snowball") in available_stemmers()


def test_snowball_lists_spot_checks() -> None:
    assert {"myself", "ourselves", "don't", "would"} <= stopwords("english_snowball")
    assert "will" not in stopwords("english_snowball")  # commented out by Snowball
    assert {"même", "étaient", "eûmes"} <= stopwords("french")
    assert "été" not in stopwords("french")
    assert {"daß", "über", "würden"} <= stopwords("german")
    assert {"minä", "heille", "joiksi"} <= stopwords("finnish")  # table rows of the Snowball file
    assert {"и", "между"} <= stopwords("russian")


def test_language_stopwords_apply() -> None:
    config = AnalyzerConfig(stopwords="french", stemmer="french")
    assert pairs("le chat et la souris", config) == [("chat", 1), ("sour", 4)]


def test_unknown_stopword_list_raises() -> None:
    with pytest.raises(AnalyzerConfigError, match="french"):
        stopwords("klingon")


# --- configs ----------------------------------------------------------------------------


configs = st.builds(
    AnalyzerConfig,
    nfkc=st.booleans(),
    lowercase=st.booleans(),
    fold_accents=st.booleans(),
    possessives=st.booleans(),
    stopwords=st.none() | st.sampled_from(available_stopword_lists()),
    extra_stopwords=st.lists(st.text(max_size=8), max_size=4).map(tuple),
    stemmer=st.none() | st.sampled_from(available_stemmers()),
    min_token_length=st.integers(1, 4),
    max_token_length=st.integers(4, 300),
)


@given(configs)
def test_config_round_trips_through_msgpack(config: AnalyzerConfig) -> None:
    data = config.to_dict()
    assert data["version"] == 1
    assert AnalyzerConfig.from_dict(data) == config
    assert AnalyzerConfig.from_dict(msgpack.unpackb(msgpack.packb(data))) == config


def test_from_dict_defaults_missing_keys() -> None:
    assert AnalyzerConfig.from_dict({}) == AnalyzerConfig()
    assert AnalyzerConfig.from_dict({"stemmer": "french"}) == AnalyzerConfig(stemmer="french")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stemer": "english"}, "stemer"),
        ({"stemmer": "klingon"}, "english"),  # names the allowed values
        ({"stopwords": "klingon"}, "english_snowball"),
        ({"version": 2}, "version"),
        ({"version": "1"}, "version"),
        ({"lowercase": "yes"}, "lowercase"),
        ({"min_token_length": True}, "min_token_length"),
        ({"max_token_length": 1.5}, "max_token_length"),
        ({"min_token_length": 0}, "min_token_length"),
        ({"min_token_length": 9, "max_token_length": 8}, "max_token_length"),
        ({"extra_stopwords": "the"}, "extra_stopwords"),
        ({"extra_stopwords": [1]}, "extra_stopwords"),
        ({"stemmer": 3}, "stemmer"),
        ({"stopwords": ["a"]}, "stopwords"),
    ],
)
def test_bad_configs_raise(data: dict[str, object], message: str) -> None:
    with pytest.raises(AnalyzerConfigError, match=message):
        AnalyzerConfig.from_dict(data)


def test_constructor_validates_and_accepts_a_list_of_extra_stopwords() -> None:
    with pytest.raises(AnalyzerConfigError, match="porter"):
        AnalyzerConfig(stemmer="klingon")
    config = AnalyzerConfig(extra_stopwords=["foo"])  # type: ignore[arg-type]
    assert config.extra_stopwords == ("foo",)
    assert hash(config) == hash(AnalyzerConfig(extra_stopwords=("foo",)))


def test_analyzer_pickles_as_its_config() -> None:
    analyzer = Analyzer(AnalyzerConfig(stemmer="german", stopwords="german"))
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone.config == analyzer.config
    assert clone.terms("die Häuser") == analyzer.terms("die Häuser") == ["haus"]


# --- the fast path agrees with the detailed one ----------------------------------------

ALPHABET = [*"aAbeéEsS0179 '’-.,_\n", "\u0301", "ﬁ", "Ａ", "\u200c", "ß", "я", "の"]
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=60) | st.text(max_size=40)


@settings(max_examples=300)
@given(texts, configs)
def test_terms_and_positions_agree_with_tokens(text: str, config: AnalyzerConfig) -> None:
    analyzer = Analyzer(config)
    tokens = analyzer.tokens(text)
    found, positions = analyzer.terms_and_positions(text)
    assert found == [t.text for t in tokens] == analyzer.terms(text)
    assert positions == [t.position for t in tokens]
    assert all(t.text for t in tokens)
    for token in tokens:
        surface = text[token.start : token.end]
        assert words(surface) == [surface]  # a span is exactly one surface word
        assert analyzer.analyze_term(surface) == token.text
    assert positions == sorted(set(positions))
    assert all(a.end <= b.start for a, b in pairwise(tokens))


@settings(max_examples=300)
@given(st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=8), max_size=12), configs)
def test_filter_chain_gives_each_word_the_term_it_gives_it_alone(
    batch: list[str], config: AnalyzerConfig
) -> None:
    """Words are filtered in batches (ASCII ones lowercased joined, accent folding skipped
    when every stem is ASCII); each word must get the term the chain's definition gives it
    alone, line breaks and possessives included."""
    assert TermFilter(config).apply(batch) == [reference_term(word, config) for word in batch]


def reference_term(word: str, config: AnalyzerConfig) -> str:
    """The filter chain of the analysis module's docstring, one word at a time."""
    stemmer = Stemmer.Stemmer(config.stemmer) if config.stemmer else None

    def normalize(w: str) -> str:
        if not w.isascii():
            w = w.replace("’", "'")
            w = unicodedata.normalize("NFKC", w) if config.nfkc else w
        w = w.lower() if config.lowercase else w
        return w[:-2] if config.possessives and w.endswith(("'s", "'S")) else w

    stop = set(stopwords(config.stopwords)) if config.stopwords else set()
    stop |= {normalize(extra) for extra in config.extra_stopwords}
    term = normalize(word)
    if term in stop or not config.min_token_length <= len(term) <= config.max_token_length:
        return ""
    stem = stemmer.stemWord(term) if stemmer else term
    if not config.fold_accents:
        return stem
    decomposed = unicodedata.normalize("NFKD", stem)
    bare = unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )
    return stemmer.stemWord(bare) if stemmer and bare != stem else bare


@given(texts)
def test_positions_count_every_surface_word(text: str) -> None:
    spans = list(word_spans(text))
    assert [w for w, _, _ in spans] == words(text)
    assert [t.position for t in Analyzer(PLAIN).tokens(text)] == list(range(len(spans)))


ASCII_ALPHABET = [*"aZ09 '-.,_\n\t"]


@settings(max_examples=300)
@given(
    st.text(alphabet=st.sampled_from(ASCII_ALPHABET), max_size=60)
    | st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40)
)
def test_the_ascii_pattern_finds_the_general_patterns_tokens(text: str) -> None:
    general = [(m.group(), m.span()) for m in tokenizer._token_re().finditer(text)]
    ascii_only = [(m.group(), m.span()) for m in tokenizer._ASCII_TOKEN_RE.finditer(text)]
    assert ascii_only == general
    assert [(w, (a, b)) for w, a, b in word_spans(text)] == general


def test_cache_limit_keeps_results_correct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer_module, "_CACHE_LIMIT", 3)
    analyzer = Analyzer()
    text = "running dogs jumped over lazy foxes"
    expected = ["run", "dog", "jump", "lazi", "fox"]  # "over" is a Snowball stopword
    assert analyzer.terms(text) == expected
    assert analyzer.terms(text) == expected
    assert analyzer.terms_and_positions("one two three four") == (
        ["one", "two", "three", "four"], [0, 1, 2, 3],
    )  # fmt: skip
