"""The schema: which fields a document has, and what the index does with each.

Field kinds: ``text`` is analyzed, scored with BM25 (times its boost) and, with positions,
usable in phrases and snippets; ``keyword`` holds exact values (filters, facets; a list is
several values); ``numeric`` holds one int or float per document (range filters); ``stored``
is only returned with hits. Text, keyword and numeric fields may be stored too. The schema is
fixed when an index is created and saved in every manifest, so readers never guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import SchemaError

_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


class FieldKind(StrEnum):
    TEXT = "text"
    KEYWORD = "keyword"
    NUMERIC = "numeric"
    STORED = "stored"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the schema. Build them with `TextField`, `KeywordField`, ... ."""

    name: str
    kind: FieldKind
    stored: bool = True
    boost: float = 1.0
    positions: bool = True

    def __post_init__(self) -> None:
        if not _FIELD_NAME.match(self.name):
            raise SchemaError(
                f"invalid field name {self.name!r}: use letters, digits, '_', '-' or '.', "
                "starting with a letter or '_'"
            )
        if not (math.isfinite(self.boost) and self.boost >= 0):
            raise SchemaError(
                f"field {self.name!r}: boost must be a finite number >= 0, got {self.boost}"
            )

    @property
    def indexed(self) -> bool:
        return self.kind is not FieldKind.STORED

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "stored": self.stored,
            "boost": self.boost,
            "positions": self.positions,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Field:
        try:
            return cls(
                name=str(data["name"]),
                kind=FieldKind(data["kind"]),
                stored=bool(data["stored"]),
                boost=float(data["boost"]),
                positions=bool(data["positions"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise SchemaError(f"invalid field description {dict(data)!r}: {exc}") from None


def TextField(
    name: str, *, boost: float = 1.0, stored: bool = True, positions: bool = True
) -> Field:
    """An analyzed field scored with BM25; positions enable phrase queries and snippets."""
    return Field(name, FieldKind.TEXT, stored=stored, boost=boost, positions=positions)


def KeywordField(name: str, *, stored: bool = True) -> Field:
    """Exact string values, matched whole (filters such as ``lang:en``)."""
    return Field(name, FieldKind.KEYWORD, stored=stored, positions=False)


def NumericField(name: str, *, stored: bool = True) -> Field:
    """One number per document, for range filters (``year:[2010 TO 2014]``)."""
    return Field(name, FieldKind.NUMERIC, stored=stored, positions=False)


def StoredField(name: str) -> Field:
    """Returned with hits, never searched."""
    return Field(name, FieldKind.STORED, stored=True, positions=False)


@dataclass(frozen=True, slots=True)
class Schema:
    """The fields of an index plus the name of the unique external id field."""

    fields: tuple[Field, ...]
    id_field: str = "id"
    store_unknown: bool = True
    _by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __init__(
        self, fields: Iterable[Field], id_field: str = "id", *, store_unknown: bool = True
    ) -> None:
        fields = tuple(fields)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "id_field", id_field)
        object.__setattr__(self, "store_unknown", store_unknown)
        by_name: dict[str, Field] = {}
        for f in fields:
            if f.name in by_name:
                raise SchemaError(f"field {f.name!r} is declared twice")
            if f.name == id_field:
                raise SchemaError(f"{id_field!r} is the id field; do not declare it as a field")
            by_name[f.name] = f
        if not any(f.kind is FieldKind.TEXT for f in fields):
            raise SchemaError("a schema needs at least one text field")
        object.__setattr__(self, "_by_name", by_name)

    @classmethod
    def default(cls) -> Schema:
        """Plain-text documents: a short ``title`` (weight 2, docs/RELEVANCE.md) and ``body``."""
        return cls([TextField("title", boost=2.0), TextField("body")])

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Field | None:
        return self._by_name.get(name)

    def __getitem__(self, name: str) -> Field:
        try:
            return self._by_name[name]
        except KeyError:
            raise SchemaError(
                f"unknown field {name!r}; known fields: {', '.join(self.names)}"
            ) from None

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def of_kind(self, kind: FieldKind) -> list[Field]:
        return [f for f in self.fields if f.kind is kind]

    @property
    def text_fields(self) -> list[Field]:
        return self.of_kind(FieldKind.TEXT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id_field": self.id_field,
            "store_unknown": self.store_unknown,
            "fields": [f.to_dict() for f in self.fields],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        try:
            fields = [Field.from_dict(f) for f in data["fields"]]
            return cls(fields, str(data["id_field"]), store_unknown=bool(data["store_unknown"]))
        except (KeyError, TypeError) as exc:
            raise SchemaError(f"invalid schema description: {exc}") from None

    def validate(self, doc: Mapping[str, Any]) -> str:
        """Check a document against the schema and return its external id."""
        doc_id = doc.get(self.id_field)
        if isinstance(doc_id, bool) or not isinstance(doc_id, str | int):
            raise SchemaError(f"document has no {self.id_field!r} (a string) : {_preview(doc)}")
        doc_id = str(doc_id)
        if not doc_id:
            raise SchemaError(f"document has an empty {self.id_field!r}")
        for name, value in doc.items():
            f = self._by_name.get(name)
            if f is None or value is None:
                continue
            if f.kind is FieldKind.TEXT and not isinstance(value, str):
                raise SchemaError(f"document {doc_id!r}: text field {name!r} needs a string")
            if f.kind is FieldKind.NUMERIC and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise SchemaError(f"document {doc_id!r}: numeric field {name!r} needs a number")
            if f.kind is FieldKind.KEYWORD and not _is_keyword_value(value):
                raise SchemaError(
                    f"document {doc_id!r}: keyword field {name!r} needs a string "
                    "or a list of strings"
                )
        return doc_id


def keyword_values(value: Any) -> Sequence[str]:
    """The exact values of a keyword field (a scalar is one value, a list several)."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _is_keyword_value(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(isinstance(v, str | int) and not isinstance(v, bool) for v in value)
    return isinstance(value, str | int) and not isinstance(value, bool)


def _preview(doc: Mapping[str, Any]) -> str:
    text = repr(dict(doc))
    return text if len(text) <= 80 else text[:77] + "..."
