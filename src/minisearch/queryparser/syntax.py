"""The user-input syntax tree of a query, and its two renderings.

The tree says what the user typed, nothing more: words are not analyzed, fields are not
checked against a schema, range bounds stay strings. The semantic stage turns it into an
executable query. Nodes are frozen, slotted dataclasses so trees can be compared, hashed and
shared freely.

Choices that make later stages simpler:

- A field written on a group is pushed down at parse time: ``title:(a b)`` gives two words
  whose `field` is ``"title"``; a field written inside the group wins over the outer one.
  `field` is None when the query names none (the semantic stage applies default fields).
- `position` is the 0-based offset in the query where the leaf starts, or where its ``field:``
  starts when written directly before it, for error messages. It takes no part in equality,
  so trees parsed from differently spaced queries compare equal.
- A `BooleanNode` always has two clauses or more, except the one-clause ``must_not`` node of a
  pure-negative query (``-a``, ``NOT a``); a single required or optional clause is its node.
- An open range end (``*``) is None and counts as inclusive, so ``>=5`` and ``[5 TO *]`` match.

`to_query` renders a canonical query string that parses back to an equal tree whatever the
default operator (clauses carry explicit ``+``/``-`` markers, ``OR`` is spelled out);
`to_sexpr` renders the compact prefix form the tests use, e.g. ``(OR a (AND b -c))``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, TypeAlias

from minisearch.queryparser.lexer import KEYWORDS, START_MARKERS, WORD_STOP

Occur = Literal["must", "should", "must_not"]


@dataclass(frozen=True, slots=True)
class Word:
    """A single term, e.g. ``title:fox^2``."""

    text: str
    field: str | None = None
    boost: float | None = None
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A quoted phrase; `slop` is the ``~N`` allowance of moved words (0 = exact)."""

    text: str
    slop: int = 0
    field: str | None = None
    boost: float | None = None
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Prefix:
    """``text*``: terms starting with `text` (trailing wildcard only)."""

    text: str
    field: str | None = None
    boost: float | None = None
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Fuzzy:
    """``text~N``: terms within `max_edits` (0..2) edits of `text`; bare ``~`` means 2."""

    text: str
    max_edits: int = 2
    field: str | None = None
    boost: float | None = None
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Range:
    """``[lower TO upper]`` (brackets include, braces exclude) or ``>x``; None is an open end."""

    lower: str | None
    upper: str | None
    include_lower: bool = True
    include_upper: bool = True
    field: str | None = None
    boost: float | None = None
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class MatchAll:
    """``*:*``: every document."""

    boost: float | None = None
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Clause:
    """One operand of a boolean node with how it must occur."""

    occur: Occur
    node: Node


@dataclass(frozen=True, slots=True)
class BooleanNode:
    """A boolean combination: must clauses all match, must_not none, should at least one
    (when there is no must clause; otherwise should clauses only add to the score)."""

    clauses: tuple[Clause, ...]
    boost: float | None = None


Leaf: TypeAlias = Word | Phrase | Prefix | Fuzzy | Range
Node: TypeAlias = Leaf | MatchAll | BooleanNode


def to_query(node: Node) -> str:
    """Render `node` as a canonical query string that parses back to an equal tree."""
    return _render(node, sexpr=False, nested=False)


def to_sexpr(node: Node) -> str:
    """Render `node` compactly: leaves as in queries, booleans as ``(OR ...)``/``(AND ...)``.

    ``(OR a +b -c)`` has optional a, required b, prohibited c; ``(AND a -c)`` has no optional
    clause, so its unmarked clauses are required.
    """
    return _render(node, sexpr=True, nested=False)


def _render(node: Node, *, sexpr: bool, nested: bool) -> str:
    if not isinstance(node, BooleanNode):
        return _leaf(node) + _boost(node.boost)
    has_should = any(clause.occur == "should" for clause in node.clauses)
    marks = {"should": "", "must": "+" if has_should or not sexpr else "", "must_not": "-"}
    body = (" " if sexpr or not has_should else " OR ").join(
        marks[clause.occur] + _render(clause.node, sexpr=sexpr, nested=True)
        for clause in node.clauses
    )
    if sexpr:
        body = f"{'OR' if has_should else 'AND'} {body}"
    if sexpr or nested or node.boost is not None:
        body = f"({body})"
    return body + _boost(node.boost)


def _leaf(node: Leaf | MatchAll) -> str:
    if isinstance(node, MatchAll):
        return "*:*"
    prefix = f"{node.field}:" if node.field is not None else ""
    if isinstance(node, Word):
        return prefix + escape_word(node.text)
    if isinstance(node, Prefix):
        return prefix + escape_word(node.text) + "*"
    if isinstance(node, Fuzzy):
        return f"{prefix}{escape_word(node.text)}~{node.max_edits}"
    if isinstance(node, Phrase):
        return prefix + _quote(node.text) + (f"~{node.slop}" if node.slop else "")
    return "{}{}{} TO {}{}".format(
        prefix,
        "[" if node.include_lower else "{",
        _bound(node.lower),
        _bound(node.upper),
        "]" if node.include_upper else "}",
    )


def escape_word(text: str) -> str:
    """Backslash-escape `text` so that it lexes back as one plain word with that text."""
    out: list[str] = []
    for index, char in enumerate(text):
        if (
            char.isspace()
            or char in WORD_STOP
            or char in "*\\"
            or (index == 0 and (char in START_MARKERS or text in KEYWORDS))
        ):
            out.append("\\")
        out.append(char)
    return "".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bound(value: str | None) -> str:
    if value is None:
        return "*"
    if value in ("*", "TO") or any(char.isspace() or char in '"\\]}' for char in value):
        return _quote(value)
    return value


def _boost(boost: float | None) -> str:
    if boost is None:
        return ""
    return "^" + (str(int(boost)) if boost.is_integer() and boost < 1e15 else repr(boost))
