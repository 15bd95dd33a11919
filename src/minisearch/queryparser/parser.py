"""Parser of the query language: query text -> the syntax tree of `syntax.py`.

This is the syntax stage only: no analyzer, no index, no schema beyond the optional set of
known field names. Grammar (EBNF; tokens as lexed by `lexer.py`, ``adj`` means "with no
whitespace before it"):

    query      = or_expr ;
    or_expr    = and_expr { ( "OR" | "||" | implicit ) and_expr } ;
    and_expr   = clause { ( "AND" | "&&" | implicit ) clause } ;
    clause     = [ adj-marker ] atom | ( "NOT" | "!" ) atom ;     (* adj-marker: "+" or "-" *)
    atom       = [ FIELD adj ":" ] primary | "*" adj ":" adj "*" modifiers ;
    primary    = ( WORD | PHRASE | "(" or_expr ")" | range | COMPARE adj value ) modifiers ;
    range      = ( "[" | "{" ) bound "TO" bound ( "]" | "}" ) ;   (* bound "*" = open end *)
    modifiers  = { adj "^" adj NUMBER | adj "~" [ adj INTEGER ] } ;
    FIELD      = /[\\w.-]+/ ;  COMPARE = ">" | ">=" | "<" | "<=" ;

``implicit`` is two clauses side by side: it stands for the `default_operator`, so with the
default OR, ``a b AND c`` reads ``a OR (b AND c)``, and with AND, ``a b OR c`` reads
``(a AND b) OR c``. Precedence is NOT > AND > OR, as in boolean algebra, rather than the
clause-flattening of Lucene's classic parser, which users find surprising (``a OR b AND c``).

Each chain becomes one `BooleanNode`: clauses of an AND chain are ``must``, of an OR chain
``should``. ``+x`` and ``-x`` mark a clause ``must``/``must_not`` within its own chain, and
``NOT x`` is ``-x``, so ``a OR NOT b`` and ``a -b`` both mean "a, but not b" as in Lucene.
``~`` applies to a word (fuzzy, edit distance 0..2, bare ``~`` = 2) or a phrase (slop);
``^`` to anything. ``title:(...)`` pushes the field into every leaf without a field of its own.

Errors carry the offset of the fault. The parser never stops at the first one: each error site
also has a recovery (drop the dangling operator, close the open quote or group, read a bad
boost as a plain word...), which `parse_query_lenient` returns; `parse_query` raises the error
nearest the start of the query instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import replace
from typing import Literal

from minisearch.errors import QuerySyntaxError, UnknownFieldError
from minisearch.queryparser.lexer import Kind, Token, tokenize
from minisearch.queryparser.syntax import (
    BooleanNode,
    Clause,
    Fuzzy,
    MatchAll,
    Node,
    Occur,
    Phrase,
    Prefix,
    Range,
    Word,
)

DefaultOperator = Literal["OR", "AND"]

MAX_DEPTH = 64
"""Deepest parenthesis nesting accepted; keeps recursion far from Python's limit."""

_FIELD = re.compile(r"[\w.\-]+")
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[0-9]+")
_ATOM_START = frozenset(
    {Kind.WORD, Kind.PHRASE, Kind.LPAREN, Kind.LBRACKET, Kind.LBRACE, Kind.COMPARE}
)

_Operand = tuple[Occur | None, Node]
"""A parsed clause with its explicit marker (None: unmarked, takes its chain's occur)."""


def parse_query(
    text: str,
    *,
    default_operator: DefaultOperator = "OR",
    known_fields: Collection[str] | None = None,
) -> Node:
    """Parse `text` into a syntax tree.

    `known_fields`, when given, makes a field not in it an `UnknownFieldError`.
    Raises `QuerySyntaxError` (the fault nearest the start) if the query is not valid.
    """
    node, errors = _Parser(text, default_operator, known_fields).run()
    if node is None or errors:
        raise errors[0]
    return node


def parse_query_lenient(
    text: str,
    *,
    default_operator: DefaultOperator = "OR",
    known_fields: Collection[str] | None = None,
) -> tuple[Node | None, list[QuerySyntaxError]]:
    """Parse search-box input without raising: the best query that can be recovered (None if
    nothing usable remains) and every error found, in order of position."""
    return _Parser(text, default_operator, known_fields).run()


class _Parser:
    """Recursive descent over the token list; `_error` records, and the caller recovers."""

    def __init__(
        self, query: str, default_operator: str, known_fields: Collection[str] | None
    ) -> None:
        if default_operator not in ("OR", "AND"):
            raise ValueError(f"default_operator must be 'OR' or 'AND', not {default_operator!r}")
        self.query = query
        self.tokens, self.errors = tokenize(query)
        self.index = 0
        self.default = Kind.AND if default_operator == "AND" else Kind.OR
        self.known = None if known_fields is None else frozenset(known_fields)

    def run(self) -> tuple[Node | None, list[QuerySyntaxError]]:
        operand = self._or_expr(0)
        node = None if operand is None else _finish(operand)
        if node is None and not self.errors:
            self._error("empty query", 0)
        return node, sorted(self.errors, key=lambda error: error.position)

    # -- token access -------------------------------------------------------------------

    def _peek(self) -> Token:
        return self.tokens[self.index]

    def _next(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.EOF:
            self.index += 1
        return token

    def _adjacent(self, after: Token, kind: Kind) -> Token | None:
        """The next token if it is of `kind` and touches `after` (no whitespace between)."""
        token = self._peek()
        return token if token.kind is kind and token.start == after.end else None

    def _error(self, message: str, position: int) -> None:
        self.errors.append(QuerySyntaxError(message, position, self.query))

    # -- boolean structure --------------------------------------------------------------

    def _or_expr(self, depth: int) -> _Operand | None:
        """Clauses and operators up to the end (or the closing parenthesis when nested)."""
        operands: list[_Operand] = []
        joins: list[Kind] = []
        pending: Token | None = None  # an explicit operator still waiting for its right operand
        while True:
            token = self._peek()
            if token.kind is Kind.EOF or (token.kind is Kind.RPAREN and depth > 0):
                break
            if token.kind is Kind.RPAREN:
                self._next()
                self._error("unmatched ')'", token.start)
            elif token.kind in (Kind.AND, Kind.OR):
                self._next()
                if not operands:
                    self._error(f"'{token.raw}' has no left-hand operand", token.start)
                    continue
                if pending is not None:
                    self._error(f"'{pending.raw}' has no right-hand operand", pending.start)
                pending = token
            elif (operand := self._clause(depth)) is not None:
                if operands:
                    joins.append(self.default if pending is None else pending.kind)
                operands.append(operand)
                pending = None
        if pending is not None:
            self._error(f"'{pending.raw}' has no right-hand operand", pending.start)
        if not operands:
            return None
        and_groups: list[list[_Operand]] = [[operands[0]]]
        for join, operand in zip(joins, operands[1:], strict=True):
            if join is Kind.OR:
                and_groups.append([operand])
            else:
                and_groups[-1].append(operand)
        return _chain([_chain(group, "must") for group in and_groups], "should")

    def _clause(self, depth: int) -> _Operand | None:
        token = self._peek()
        if token.kind in _ATOM_START:
            node = self._atom(depth)
            return None if node is None else (None, node)
        self._next()
        if token.kind in (Kind.PLUS, Kind.MINUS, Kind.NOT):
            following = self._peek()
            if following.kind not in _ATOM_START:
                self._error(f"'{token.raw}' has no operand", token.start)
                return None
            if token.kind is not Kind.NOT and following.start != token.end:
                self._error(f"'{token.raw}' must be directly followed by a term", token.start)
                return None
            node = self._atom(depth)
            occur: Occur = "must" if token.kind is Kind.PLUS else "must_not"
            return None if node is None else (occur, node)
        self._error(f"unexpected '{token.raw}'", token.start)
        return None

    # -- atoms --------------------------------------------------------------------------

    def _atom(self, depth: int) -> Node | None:
        token = self._peek()
        colon = self.tokens[self.index + 1] if token.kind is Kind.WORD else None
        if colon is None or colon.kind is not Kind.COLON or colon.start != token.end:
            return self._primary(depth)
        self.index += 2
        if token.raw == "*":
            if (star := self._adjacent(colon, Kind.WORD)) is None or star.raw != "*":
                self._error("'*:' must be followed by '*' ('*:*' matches all)", colon.end)
                return None
            self._next()
            return self._modifiers(MatchAll(position=token.start))
        field = self._field_name(token)
        if self._peek().kind not in _ATOM_START:
            self._error(f"field '{token.raw}' has no value", token.start)
            return None
        node = self._primary(depth)
        if node is None or field is None:
            return node
        return _with_field(node, field, token.start)

    def _field_name(self, token: Token) -> str | None:
        if not _FIELD.fullmatch(token.raw):
            self._error(f"'{token.raw}' is not a valid field name", token.start)
            return None
        if self.known is not None and token.raw not in self.known:
            known = ", ".join(sorted(self.known)) or "none"
            message = f"unknown field '{token.raw}' (known fields: {known})"
            self.errors.append(UnknownFieldError(message, token.start, self.query))
            return None
        return token.raw

    def _primary(self, depth: int) -> Node | None:
        token = self._next()
        node: Node | None
        if token.kind is Kind.WORD:
            node = self._term(token)
        elif token.kind is Kind.PHRASE:
            node = Phrase(token.text, position=token.start) if token.text.strip() else None
            if node is None:
                self._error("empty phrase", token.start)
        elif token.kind is Kind.LPAREN:
            node = self._group(token, depth)
        elif token.kind is Kind.COMPARE:
            node = self._comparison(token)
        else:
            node = self._range(token)
        return None if node is None else self._modifiers(node)

    def _term(self, token: Token) -> Node | None:
        if not token.wildcards:
            return Word(token.text, position=token.start)
        last = len(token.text) - 1
        misplaced = [offset for index, offset in token.wildcards if index != last]
        if token.raw == "*":
            self._error("'*' alone is not a query ('*:*' matches all)", token.start)
            return None
        if token.wildcards[0][0] == 0:
            self._error("leading wildcards are not supported", token.start)
        elif misplaced:
            self._error("'*' is only supported at the end of a term", misplaced[0])
        else:
            return Prefix(token.text[:-1], position=token.start)
        stars = {index for index, _ in token.wildcards}
        text = "".join(char for index, char in enumerate(token.text) if index not in stars)
        return Word(text, position=token.start) if text else None

    def _group(self, opening: Token, depth: int) -> Node | None:
        if depth >= MAX_DEPTH:
            self._error(f"parentheses nest deeper than {MAX_DEPTH} levels", opening.start)
            return None
        inner = self._or_expr(depth + 1)
        closed = self._accept(Kind.RPAREN)
        if not closed:
            self._error("unclosed '('", opening.start)
        if inner is None:
            if closed:
                self._error("empty group '()'", opening.start)
            return None
        return _finish(inner)

    def _accept(self, kind: Kind) -> bool:
        """Consume the next token if it is of `kind`; tell whether it was."""
        if self._peek().kind is kind:
            self._next()
            return True
        return False

    def _range(self, opening: Token) -> Node | None:
        values: list[Token] = []
        while self._peek().kind is Kind.RANGE_VALUE:
            values.append(self._next())
        closing = self._peek()
        if not (self._accept(Kind.RBRACKET) or self._accept(Kind.RBRACE)):
            self._error("unclosed range", opening.start)
        problem = _range_problem(values, closing.start)
        if problem is not None:
            self._error(*problem)
            return None
        return _range(
            self._bound(values[0]),
            self._bound(values[2]),
            opening.kind is Kind.LBRACKET,
            closing.kind is not Kind.RBRACE,
            opening.start,
        )

    def _bound(self, token: Token) -> str | None:
        if token.raw == "*":
            return None
        if not token.text:
            self._error("empty range bound", token.start)
            return None
        return token.text

    def _comparison(self, operator: Token) -> Node | None:
        value = self._peek()
        if value.kind not in (Kind.WORD, Kind.PHRASE) or value.start != operator.end:
            self._error(f"'{operator.raw}' must be directly followed by a value", operator.start)
            return None
        self._next()
        if value.wildcards:
            self._error("'*' is not allowed in a comparison", value.wildcards[0][1])
            return None
        if not value.text:
            self._error("empty range bound", value.start)
            return None
        inclusive = operator.raw.endswith("=")
        if operator.raw.startswith(">"):
            return _range(value.text, None, inclusive, True, operator.start)
        return _range(None, value.text, True, inclusive, operator.start)

    # -- modifiers ----------------------------------------------------------------------

    def _modifiers(self, node: Node) -> Node:
        """Apply the ``^boost`` and ``~N`` suffixes that touch the node just parsed."""
        seen: set[Kind] = set()
        while True:
            token = self._peek()
            if token.kind not in (Kind.CARET, Kind.TILDE):
                return node
            if token.start != self.tokens[self.index - 1].end:
                return node
            self._next()
            if token.kind in seen:
                self._error(f"'{token.raw}' given twice", token.start)
            seen.add(token.kind)
            node = (
                self._boost(node, token) if token.kind is Kind.CARET else self._tilde(node, token)
            )

    def _boost(self, node: Node, caret: Token) -> Node:
        value = self._adjacent(caret, Kind.WORD)
        boost = float(value.raw) if value and _NUMBER.fullmatch(value.raw) else math.nan
        if not math.isfinite(boost):
            self._error("boost must be a non-negative number", caret.end)
            return node
        self._next()
        return replace(node, boost=boost if node.boost is None else node.boost * boost)

    def _tilde(self, node: Node, tilde: Token) -> Node:
        value = self._adjacent(tilde, Kind.WORD)
        number = int(value.raw) if value and _INTEGER.fullmatch(value.raw) else None
        if isinstance(node, Phrase):
            if number is None:
                self._error("phrase slop must be a non-negative integer", tilde.end)
                return node
            self._next()
            return replace(node, slop=number)
        if not isinstance(node, Word | Fuzzy):
            self._error("'~' applies only to a word or a phrase", tilde.start)
            return node
        if value is not None and (number is None or number > 2):
            self._error("fuzzy edit distance must be 0, 1 or 2", value.start)
        if number is not None:
            self._next()
        edits = 2 if number is None else min(number, 2)
        return Fuzzy(node.text, edits, node.field, node.boost, node.position)


def _chain(operands: list[_Operand], occur: Occur) -> _Operand:
    """Join one chain's operands; unmarked ones get `occur`."""
    if len(operands) == 1:
        return operands[0]
    clauses = tuple(Clause(marker or occur, node) for marker, node in operands)
    return None, BooleanNode(clauses)


def _finish(operand: _Operand) -> Node:
    """A complete query or group: only a prohibited clause needs a node of its own."""
    marker, node = operand
    return BooleanNode((Clause("must_not", node),)) if marker == "must_not" else node


def _with_field(node: Node, field: str, position: int | None) -> Node:
    """Give `field` to every leaf of `node` without one; `position` (the field name's) only
    to a leaf written directly after ``field:``."""
    if isinstance(node, MatchAll):
        return node
    if isinstance(node, BooleanNode):
        clauses = tuple(
            Clause(clause.occur, _with_field(clause.node, field, None)) for clause in node.clauses
        )
        return replace(node, clauses=clauses)
    if node.field is not None:
        return node
    return replace(node, field=field, position=node.position if position is None else position)


def _range(
    lower: str | None, upper: str | None, include_lower: bool, include_upper: bool, position: int
) -> Range:
    """A Range whose open ends count as inclusive, so equal ranges compare equal."""
    return Range(
        lower,
        upper,
        include_lower or lower is None,
        include_upper or upper is None,
        position=position,
    )


def _range_problem(values: list[Token], end: int) -> tuple[str, int] | None:
    """What is wrong with the values of ``[a TO b]`` (and where), if anything."""
    if not values:
        return "empty range", end
    if values[0].raw == "TO":
        return "range has no lower bound (use '*' for an open end)", values[0].start
    if len(values) < 2 or values[1].raw != "TO":
        return "expected 'TO' in range", values[1].start if len(values) > 1 else end
    if len(values) < 3 or values[2].raw == "TO":
        return "range has no upper bound (use '*' for an open end)", (
            values[2].start if len(values) > 2 else end
        )
    if len(values) > 3:
        return f"unexpected '{values[3].raw}' in range", values[3].start
    return None
