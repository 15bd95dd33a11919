"""Lexer of the query language: query text -> flat token list, plus every lexical error found.

It owns the character-level rules, so that the parser only sees structure:

- A *word* runs until whitespace or one of ``" ( ) [ ] { } : ^ ~``; a backslash makes the next
  character literal (``\\:``, ``\\*``, ``\\ ``). ``* + - ! < >`` are ordinary characters inside
  a word, but at the start of a token ``+ - !`` are the occurrence/negation markers and
  ``< <= > >=`` are comparisons (whose value is lexed as a word even if it starts with ``-``).
- A word spelled exactly ``AND OR NOT && ||`` (unescaped) is an operator; ``and`` is a word.
- ``"..."`` is a phrase; inside it ``\\"`` and ``\\\\`` are a quote and a backslash.
- After ``[`` or ``{`` the lexer switches to *range mode* until ``]`` or ``}``: values are runs
  of anything but whitespace and ``] }`` (with backslash escapes), or quoted strings, so that
  ``[-5 TO 2014-12-31]`` needs no escaping.

It never raises: an unclosed quote still yields its phrase (to the end of the query) and a
trailing backslash is ignored, each with a `QuerySyntaxError`, so the lenient parser can go on.
`syntax.py` reuses the character classes below to escape words when rendering a tree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from minisearch.errors import QuerySyntaxError

WORD_STOP = frozenset('"()[]{}:^~')
"""Characters that end a word (as does whitespace) unless escaped."""
START_MARKERS = frozenset("+-!<>")
"""Characters that mean an operator when they start a token, and a letter inside a word."""
KEYWORDS = frozenset({"AND", "OR", "NOT", "&&", "||"})
"""Unescaped words that are operators."""


class Kind(enum.Enum):
    """What a token is; the value is how error messages name it."""

    WORD = "word"
    PHRASE = "phrase"
    RANGE_VALUE = "range value"
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    LBRACE = "{"
    RBRACKET = "]"
    RBRACE = "}"
    COLON = ":"
    CARET = "^"
    TILDE = "~"
    PLUS = "+"
    MINUS = "-"
    COMPARE = "comparison"
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    EOF = "end of query"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: `raw` is the source slice [start, end), `text` its value with escapes resolved.

    `wildcards` lists, for a WORD, each unescaped ``*`` as (index in `text`, offset in query).
    """

    kind: Kind
    start: int
    end: int
    raw: str
    text: str
    wildcards: tuple[tuple[int, int], ...] = ()


_PUNCT = {
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "[": Kind.LBRACKET,
    "{": Kind.LBRACE,
    "]": Kind.RBRACKET,
    "}": Kind.RBRACE,
    ":": Kind.COLON,
    "^": Kind.CARET,
    "~": Kind.TILDE,
}
_MARKERS = {"+": Kind.PLUS, "-": Kind.MINUS, "!": Kind.NOT}
_OPERATORS = {"AND": Kind.AND, "&&": Kind.AND, "OR": Kind.OR, "||": Kind.OR, "NOT": Kind.NOT}
_RANGE_STOP = frozenset("]}")


def tokenize(query: str) -> tuple[list[Token], list[QuerySyntaxError]]:
    """Split `query` into tokens ending with one EOF token; also return the lexical errors."""
    return _Lexer(query).run()


class _Lexer:
    def __init__(self, query: str) -> None:
        self.query = query
        self.pos = 0
        self.tokens: list[Token] = []
        self.errors: list[QuerySyntaxError] = []

    def run(self) -> tuple[list[Token], list[QuerySyntaxError]]:
        query = self.query
        while self._skip_space():
            char = query[self.pos]
            if char == '"':
                self._quoted(Kind.PHRASE)
            elif char in _PUNCT:
                self._emit(_PUNCT[char], self.pos + 1, char)
                if char in "[{":
                    self._range()
            elif char in _MARKERS:
                self._emit(_MARKERS[char], self.pos + 1, char)
            elif char in "<>":
                end = self.pos + 2 if query.startswith("=", self.pos + 1) else self.pos + 1
                self._emit(Kind.COMPARE, end, query[self.pos : end])
                if self.pos < len(query) and query[self.pos] not in WORD_STOP:
                    self._word(WORD_STOP, Kind.WORD)
            else:
                self._word(WORD_STOP, Kind.WORD)
        self.tokens.append(Token(Kind.EOF, len(query), len(query), "", ""))
        return self.tokens, self.errors

    def _skip_space(self) -> bool:
        """Skip whitespace; tell whether any input is left."""
        while self.pos < len(self.query) and self.query[self.pos].isspace():
            self.pos += 1
        return self.pos < len(self.query)

    def _emit(self, kind: Kind, end: int, text: str) -> None:
        self.tokens.append(Token(kind, self.pos, end, self.query[self.pos : end], text))
        self.pos = end

    def _word(self, stop: frozenset[str], kind: Kind) -> None:
        """Lex a word (or a range value) that starts at `pos`; whitespace also stops it."""
        query, start = self.query, self.pos
        chars: list[str] = []
        wildcards: list[tuple[int, int]] = []
        pos = start
        while pos < len(query) and not query[pos].isspace() and query[pos] not in stop:
            if query[pos] == "\\":
                if pos + 1 == len(query):
                    self.errors.append(
                        QuerySyntaxError("'\\' at the end escapes nothing", pos, query)
                    )
                    pos += 1
                    break
                chars.append(query[pos + 1])
                pos += 2
                continue
            if query[pos] == "*":
                wildcards.append((len(chars), pos))
            chars.append(query[pos])
            pos += 1
        self.pos = pos
        if chars:
            raw = query[start:pos]
            if kind is Kind.WORD:
                kind = _OPERATORS.get(raw, Kind.WORD)
            self.tokens.append(Token(kind, start, pos, raw, "".join(chars), tuple(wildcards)))

    def _quoted(self, kind: Kind) -> None:
        """Lex a quoted string starting at `pos` (a phrase, or a quoted range value)."""
        query, start = self.query, self.pos
        chars: list[str] = []
        pos = start + 1
        while pos < len(query):
            if query[pos] == "\\" and pos + 1 < len(query):
                chars.append(query[pos + 1])
                pos += 2
            elif query[pos] == '"':
                pos += 1
                break
            else:
                chars.append(query[pos])
                pos += 1
        else:
            self.errors.append(QuerySyntaxError("unclosed quote", start, query))
        self.pos = pos
        self.tokens.append(Token(kind, start, pos, query[start:pos], "".join(chars)))

    def _range(self) -> None:
        """Lex range-mode tokens after ``[`` or ``{`` up to and including ``]`` or ``}``."""
        while self._skip_space():
            char = self.query[self.pos]
            if char in _RANGE_STOP:
                self._emit(_PUNCT[char], self.pos + 1, char)
                return
            if char == '"':
                self._quoted(Kind.RANGE_VALUE)
            else:
                self._word(_RANGE_STOP, Kind.RANGE_VALUE)
