"""Snippets: the best fragments of a stored text field, with the matched terms marked.

The stored text is re-analyzed with the index's analyzer, so a highlighted span is exactly a
token whose term the query matched ("referendums" lights up for "referendum"), and its
character offsets point into the original text. A fragment is a window of about
`fragment_chars` characters starting near a match; windows are ranked by how many distinct
query terms they hold, then by how many matches, then by position.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .analysis import Analyzer, Token


@dataclass(frozen=True, slots=True)
class Fragment:
    """A piece of a field's text: [start, end) in the original, with matched spans in it."""

    text: str
    start: int
    end: int
    highlights: tuple[tuple[int, int], ...]

    def marked(self, before: str = "<b>", after: str = "</b>") -> str:
        """The fragment with every highlight wrapped in `before` / `after`."""
        out, at = [], self.start
        for lo, hi in self.highlights:
            out.append(self.text[at - self.start : lo - self.start])
            out.append(before + self.text[lo - self.start : hi - self.start] + after)
            at = hi
        out.append(self.text[at - self.start :])
        return "".join(out)

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "highlights": [list(h) for h in self.highlights],
        }


def snippets(
    text: str,
    terms: Iterable[str],
    analyzer: Analyzer,
    *,
    fragment_chars: int = 160,
    max_fragments: int = 2,
) -> list[Fragment]:
    """The best fragments of `text` for the index terms `terms` (empty if none occurs)."""
    wanted = set(terms)
    matches = [t for t in analyzer.tokens(text) if t.text in wanted] if wanted else []
    if not matches:
        return []
    windows = []
    for first in matches:
        start = _window_start(text, first.start)
        end = min(len(text), start + fragment_chars)
        inside = [t for t in matches if t.start >= start and t.end <= end]
        windows.append((-len({t.text for t in inside}), -len(inside), start, end, inside))
    windows.sort(key=lambda w: w[:3])
    chosen: list[tuple[int, int, list[Token]]] = []
    for _, _, start, end, inside in windows:
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, inside))
            if len(chosen) == max_fragments:
                break
    chosen.sort()
    return [
        Fragment(text[start:end], start, end, tuple((t.start, t.end) for t in inside))
        for start, end, inside in chosen
    ]


def _window_start(text: str, match_start: int, lead: int = 30) -> int:
    """Start a little before the match, at a word boundary, so the match has context."""
    if match_start <= lead:
        return 0
    space = text.find(" ", match_start - lead, match_start)
    return space + 1 if space >= 0 else match_start
