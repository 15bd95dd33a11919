"""Explanations: why a document got its score, as a tree of labelled numbers.

Each node's value is what it contributes; a parent's value is computed from its children by
the rule its description names. The top-level value of `Searcher.explain` equals the score
`search` returns for the same document (tested), so the tree is the score, not a story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Explanation:
    value: float
    description: str
    details: tuple[Explanation, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "description": self.description,
            "details": [d.to_dict() for d in self.details],
        }

    def render(self, indent: int = 0) -> str:
        lines = [f"{'  ' * indent}{self.value:.6g} = {self.description}"]
        lines.extend(d.render(indent + 1) for d in self.details)
        return "\n".join(lines)
