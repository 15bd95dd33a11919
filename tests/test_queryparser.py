"""Tests of the query-language syntax stage (`minisearch.queryparser`).

Tables pin the canonical tree (`to_sexpr`) of valid queries and the position and wording of
errors; property tests check that nothing but `QuerySyntaxError` escapes, that the lenient
parser never raises, and that `to_query` round-trips every tree either parser returns.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from minisearch.errors import QuerySyntaxError, UnknownFieldError
from minisearch.queryparser import (
    MAX_DEPTH,
    BooleanNode,
    Clause,
    DefaultOperator,
    Fuzzy,
    MatchAll,
    Node,
    Phrase,
    Prefix,
    Range,
    Word,
    parse_query,
    parse_query_lenient,
    to_query,
    to_sexpr,
)

# (query, expected to_sexpr of the tree) with the default operator OR.
VALID = [
    # words, unicode, operators, precedence
    ("fox", "fox"),
    ("  fox  ", "fox"),
    ("café", "café"),
    ("日本語 naïve", "(OR 日本語 naïve)"),
    ("quick fox", "(OR quick fox)"),
    ("a OR b", "(OR a b)"),
    ("a || b", "(OR a b)"),
    ("a AND b", "(AND a b)"),
    ("a && b", "(AND a b)"),
    ("a and b", "(OR a and b)"),
    ("a AND b AND c", "(AND a b c)"),
    ("a b AND c", "(OR a (AND b c))"),
    ("a AND b c", "(OR (AND a b) c)"),
    ("a OR b AND c", "(OR a (AND b c))"),
    ("a AND b OR c AND d", "(OR (AND a b) (AND c d))"),
    ("(a OR b) AND c", "(AND (OR a b) c)"),
    ("a AND (b OR c)", "(AND a (OR b c))"),
    ("((a))", "a"),
    ("(a b) (c d)", "(OR (OR a b) (OR c d))"),
    ("a AND(b c)", "(AND a (OR b c))"),
    ("wi-fi e-mail", "(OR wi-fi e-mail)"),
    ("a+b c!", "(OR a+b c!)"),
    ("x&&y", "x&&y"),
    # NOT, +, -
    ("NOT a", "(AND -a)"),
    ("!a", "(AND -a)"),
    ("-a", "(AND -a)"),
    ("+a", "a"),
    ("a -b", "(OR a -b)"),
    ("a NOT b", "(OR a -b)"),
    ("a AND NOT b", "(AND a -b)"),
    ("a OR NOT b", "(OR a -b)"),
    ("+a +b", "(AND a b)"),
    ("+a b -c", "(OR +a b -c)"),
    ("-(a b)", "(AND -(OR a b))"),
    ("a -(b AND c)", "(OR a -(AND b c))"),
    ("NOT a AND b", "(AND -a b)"),
    # phrases
    ('"quick fox"', '"quick fox"'),
    ('"quick fox"~2', '"quick fox"~2'),
    ('"quick fox"~0', '"quick fox"'),
    ('"a \\"quoted\\" word"', '"a \\"quoted\\" word"'),
    ('"a (b) c:d"', '"a (b) c:d"'),
    ('a"b c"', '(OR a "b c")'),
    # fields
    ("title:fox", "title:fox"),
    ('title:"quick fox"', 'title:"quick fox"'),
    ("title:(a OR b)", "(OR title:a title:b)"),
    ("title:(a body:b)", "(OR title:a body:b)"),
    ("title:(a (b -c))", "(OR title:a (OR title:b -title:c))"),
    ("title: fox", "title:fox"),
    ("my-field.sub_1:x", "my-field.sub_1:x"),
    ("título:x", "título:x"),
    ("http://example.com", "http://example.com"),
    ("-title:a", "(AND -title:a)"),
    # prefix, fuzzy
    ("fox*", "fox*"),
    ("title:fo*", "title:fo*"),
    ("fox~", "fox~2"),
    ("fox~0", "fox~0"),
    ("fox~1", "fox~1"),
    ("fox~2", "fox~2"),
    ("title:fox~1^2", "title:fox~1^2"),
    ("fox^2~1", "fox~1^2"),
    # boosts
    ("fox^2", "fox^2"),
    ("fox^0.5", "fox^0.5"),
    ("fox^.5", "fox^0.5"),
    ("fox^0", "fox^0"),
    ("fox^1e3", "fox^1000"),
    ('"a b"^3', '"a b"^3'),
    ('"x y"~2^3', '"x y"~2^3'),
    ("(a b)^0.5", "(OR a b)^0.5"),
    ("(a)^2", "a^2"),
    ("(a^2)^3", "a^6"),
    ("title:(a b)^2", "(OR title:a title:b)^2"),
    ("fo*^2", "fo*^2"),
    # ranges and comparisons
    ("year:[2010 TO 2014]", "year:[2010 TO 2014]"),
    ("year:{2010 TO 2014}", "year:{2010 TO 2014}"),
    ("year:[2010 TO 2014}", "year:[2010 TO 2014}"),
    ("year:{2010 TO 2014]", "year:{2010 TO 2014]"),
    ("year:[2010 TO *]", "year:[2010 TO *]"),
    ("year:{2010 TO *}", "year:{2010 TO *]"),
    ("year:[* TO *]", "year:[* TO *]"),
    ("[a TO b]", "[a TO b]"),
    ("date:[2010-01-01 TO 2014-12-31]", "date:[2010-01-01 TO 2014-12-31]"),
    ("t:[-5 TO 5]", "t:[-5 TO 5]"),
    ('name:["a b" TO "*"]', 'name:["a b" TO "*"]'),
    ("year:[2010 TO 2014]^2", "year:[2010 TO 2014]^2"),
    ("year:>2012", "year:{2012 TO *]"),
    ("year:>=2012", "year:[2012 TO *]"),
    ("year:<2012", "year:[* TO 2012}"),
    ("year:<=2012", "year:[* TO 2012]"),
    ("t:>-5", "t:{-5 TO *]"),
    ('t:>"a b"', 't:{"a b" TO *]'),
    ("(year:>2012)", "year:{2012 TO *]"),
    ("year:(>2012 OR 1999)", "(OR year:{2012 TO *] year:1999)"),
    ("a<b", "a<b"),
    # escapes
    ("a\\:b", "a\\:b"),
    ("\\*", "\\*"),
    ("fo\\*", "fo\\*"),
    ("fo\\**", "fo\\**"),
    ("\\(a\\)", "\\(a\\)"),
    ("a\\ b", "a\\ b"),
    ("\\-a", "\\-a"),
    ("\\AND", "\\AND"),
    ("c\\+\\+", "c++"),
    ("a\\^2", "a\\^2"),
    # match-all
    ("*:*", "*:*"),
    ("*:* -a", "(OR *:* -a)"),
    ("*:*^2", "*:*^2"),
]

# (query, expected to_sexpr) with default_operator="AND".
VALID_AND = [
    ("a b", "(AND a b)"),
    ("a b OR c", "(OR (AND a b) c)"),
    ("a OR b c", "(OR a (AND b c))"),
    ("a -b", "(AND a -b)"),
    ("+a b -c", "(AND a b -c)"),
    ("a OR b", "(OR a b)"),
    ("title:(a b)", "(AND title:a title:b)"),
]

# (query, expected position, a word of the message)
ERRORS = [
    ("", 0, "empty"),
    ("   ", 0, "empty"),
    ("()", 0, "empty group"),
    ("a ()", 2, "empty group"),
    ('"unclosed', 0, "unclosed quote"),
    ('a "b c', 2, "unclosed quote"),
    ("(a b", 0, "unclosed '('"),
    ("a (b (c)", 2, "unclosed '('"),
    ("a b)", 3, "unmatched ')'"),
    ("a AND", 2, "right-hand"),
    ("OR b", 0, "left-hand"),
    ("a AND OR b", 2, "right-hand"),
    ("a OR", 2, "right-hand"),
    ("NOT", 0, "no operand"),
    ("a NOT", 2, "no operand"),
    ("NOT NOT a", 0, "no operand"),
    ("-", 0, "no operand"),
    ("a +", 2, "no operand"),
    ("a - b", 2, "directly followed"),
    ("a^x", 2, "boost"),
    ("a^", 2, "boost"),
    ("a^-1", 2, "boost"),
    ("a^1e999", 2, "boost"),
    ("a ^2", 2, "unexpected '^'"),
    ("a^2^3", 3, "twice"),
    ('"a b"~x', 6, "slop"),
    ('"a b"~', 6, "slop"),
    ("a~3", 2, "edit distance"),
    ("a~x", 2, "edit distance"),
    ("a*~1", 2, "applies only"),
    ("(a b)~1", 5, "applies only"),
    ("title:", 0, "no value"),
    ("title: AND b", 0, "no value"),
    ("a:b:c", 3, "unexpected ':'"),
    (":a", 0, "unexpected ':'"),
    ("t\\ x:a", 0, "not a valid field name"),
    ("*", 0, "'*' alone"),
    ("*ab", 0, "leading wildcard"),
    ("a*b", 1, "end of a term"),
    ("*:a", 2, "'*:*'"),
    ("year:[2010 TO 2014", 5, "unclosed range"),
    ("year:[]", 6, "empty range"),
    ("year:[2010 2014]", 11, "expected 'TO'"),
    ("year:[2010]", 10, "expected 'TO'"),
    ("year:[TO 2014]", 6, "lower bound"),
    ("year:[2010 TO]", 13, "upper bound"),
    ("year:[2010 TO 2014 2015]", 19, "in range"),
    ('year:[2010 TO ""]', 14, "empty range bound"),
    ("year:>", 5, "followed by a value"),
    ("year:> 5", 5, "followed by a value"),
    ("year:>5*", 7, "comparison"),
    ("a]", 1, "unexpected ']'"),
    ('""', 0, "empty phrase"),
    ("a\\", 1, "escapes nothing"),
    ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), MAX_DEPTH, "nest"),
]


@pytest.mark.parametrize(("query", "expected"), VALID)
def test_valid_query_tree(query: str, expected: str) -> None:
    assert to_sexpr(parse_query(query)) == expected


@pytest.mark.parametrize(("query", "expected"), VALID_AND)
def test_default_operator_and(query: str, expected: str) -> None:
    assert to_sexpr(parse_query(query, default_operator="AND")) == expected


@pytest.mark.parametrize(("query", "position", "word"), ERRORS)
def test_syntax_error(query: str, position: int, word: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.position == position
    assert word in caught.value.message
    assert caught.value.query == query


def test_tables_are_large_enough() -> None:
    assert len(VALID) + len(VALID_AND) >= 60
    assert len(ERRORS) >= 20


def test_tree_structure_and_types() -> None:
    tree = parse_query('title:(fox* "a b"~1) -body:dog~1 year:[1 TO 2}^2 *:*')
    assert tree == BooleanNode(
        (
            Clause("should", BooleanNode((
                Clause("should", Prefix("fox", field="title")),
                Clause("should", Phrase("a b", slop=1, field="title")),
            ))),
            Clause("must_not", Fuzzy("dog", max_edits=1, field="body")),
            Clause("should", Range("1", "2", True, False, field="year", boost=2.0)),
            Clause("should", MatchAll()),
        )
    )  # fmt: skip


def test_positions_point_into_the_query() -> None:
    tree = parse_query('fox title:dog "a b" body:(x y) [1 TO 2] >3 *:*')
    assert isinstance(tree, BooleanNode)
    nodes = [clause.node for clause in tree.clauses]
    group = nodes[3]
    assert isinstance(group, BooleanNode)
    leaves = [*nodes[:3], *(clause.node for clause in group.clauses), *nodes[4:]]
    positions = [leaf.position for leaf in leaves if not isinstance(leaf, BooleanNode)]
    assert positions == [0, 4, 14, 26, 28, 31, 40, 43]


def test_position_is_not_part_of_equality() -> None:
    assert parse_query("a   b") == parse_query("a b")
    assert Word("a", position=5) == Word("a", position=9)


def test_nodes_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Word("a").text = "b"  # type: ignore[misc]


def test_values_stay_strings() -> None:
    assert parse_query("year:[2010 TO 2014]") == Range("2010", "2014", field="year")
    assert parse_query("x^2") == Word("x", boost=2.0)


def test_known_fields() -> None:
    assert parse_query("title:a", known_fields={"title", "body"}) == Word("a", field="title")
    with pytest.raises(UnknownFieldError) as caught:
        parse_query("title:a OR tilte:b", known_fields=["title", "body"])
    assert caught.value.position == 11
    assert "tilte" in caught.value.message
    assert "body, title" in caught.value.message
    assert parse_query("*:*", known_fields=()) == MatchAll()


def test_unknown_default_operator_is_rejected() -> None:
    with pytest.raises(ValueError, match="default_operator"):
        parse_query("a", default_operator="XOR")  # type: ignore[arg-type]


# (query, expected to_sexpr of the recovered tree or None, positions of the errors)
LENIENT = [
    ("a AND", "a", [2]),
    ("OR b", "b", [0]),
    ("a AND OR b", "(OR a b)", [2]),
    ("a NOT", "a", [2]),
    ('"quick fox', '"quick fox"', [0]),
    ("(a b", "(OR a b)", [0]),
    ("a b)", "(OR a b)", [3]),
    ("a^x", "(OR a x)", [2]),
    ("a^", "a", [2]),
    ("a~3", "a~2", [2]),
    ('"a b"~x', '(OR "a b" x)', [6]),
    ("title:", None, [0]),
    ("title: b", "title:b", []),
    ("()", None, [0]),
    ("", None, [0]),
    ("*", None, [0]),
    ("*ab*", "ab", [0]),
    ("a - b", "(OR a b)", [2]),
    ("a ^2 b", "(OR a 2 b)", [2]),
    ("year:[2010 TO 2014", "year:[2010 TO 2014]", [5]),
    ("year:[2010 2014] a", "a", [11]),
    ("tilte:a b", "(OR a b)", [0]),
    ("a\\", "a", [1]),
    ('(a "b', '(OR a "b")', [0, 3]),
]


@pytest.mark.parametrize(("query", "expected", "positions"), LENIENT)
def test_lenient_recovery(query: str, expected: str | None, positions: list[int]) -> None:
    tree, errors = parse_query_lenient(query, known_fields={"title", "year"})
    assert (None if tree is None else to_sexpr(tree)) == expected
    assert [error.position for error in errors] == positions
    if positions:
        with pytest.raises(QuerySyntaxError):
            parse_query(query, known_fields={"title", "year"})


def test_lenient_reports_unknown_field_as_such() -> None:
    _, errors = parse_query_lenient("tilte:a", known_fields={"title"})
    assert [type(error) for error in errors] == [UnknownFieldError]


def test_strict_raises_the_error_nearest_the_start() -> None:
    _, errors = parse_query_lenient('a AND ^ "b')
    assert [error.position for error in errors] == [6, 8]
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query('a AND ^ "b')
    assert caught.value.position == 6


# -- properties ----------------------------------------------------------------------------

_PIECES = [
    *'"()[]{}:^~*+-!\\<>=&| ',
    *"abcxyz019.é",
    " AND ",
    " OR ",
    " NOT ",
    " TO ",
    "&&",
    "||",
    "title:",
    "*:*",
    "\t",
]
OPERATORS: list[DefaultOperator] = ["OR", "AND"]
_GLUE = [" ", " AND ", " OR ", " -", " +", " NOT ", "(", ")", "^2", "~1", " title:("]
queries = (
    st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
    | st.text(max_size=30)
    | st.lists(st.sampled_from([query for query, _ in VALID] + _GLUE), max_size=8).map("".join)
)


def _assert_round_trip(tree: Node) -> None:
    for operator in OPERATORS:
        rendered = to_query(tree)
        assert parse_query(rendered, default_operator=operator) == tree, rendered


@settings(max_examples=800)
@given(queries)
@example('a"b" \\ ')
@example("[a TO b c")
def test_strict_parser_raises_only_syntax_errors(query: str) -> None:
    try:
        tree = parse_query(query)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(query)
        assert error.query == query
    else:
        _assert_round_trip(tree)
        assert parse_query_lenient(query) == (tree, [])


@settings(max_examples=800)
@given(queries, st.sampled_from(OPERATORS))
def test_lenient_parser_never_raises_and_recovers_valid_trees(
    query: str, operator: DefaultOperator
) -> None:
    tree, errors = parse_query_lenient(query, default_operator=operator)
    assert all(0 <= error.position <= len(query) for error in errors)
    assert [error.position for error in errors] == sorted(error.position for error in errors)
    assert tree is not None or errors
    if tree is not None:
        _assert_round_trip(tree)


@given(
    st.text(min_size=1, max_size=12).filter(lambda text: text.strip()),
    st.sampled_from([None, "title"]),
    st.one_of(st.none(), st.floats(min_value=0, max_value=1e30)),
)
def test_any_word_or_phrase_text_round_trips(
    text: str, field: str | None, boost: float | None
) -> None:
    for node in (
        Word(text, field=field, boost=boost),
        Phrase(text, slop=3, field=field, boost=boost),
        Prefix(text, field=field),
        Fuzzy(text, max_edits=1, field=field),
        Range(text, None, False, True, field=field),
        Range(None, text, field=field, boost=boost),
    ):
        assert parse_query(to_query(node)) == node, to_query(node)
