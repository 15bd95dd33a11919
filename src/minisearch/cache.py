"""A least-recently-used map bounded by the bytes of its values.

Searchers keep what they decode and compute from postings (doc arrays, per-term scores) so
that the frequent terms of a query stream are not redone per query. Such values range from a
few bytes to megabytes, so a bound on the number of entries bounds nothing: at a million
documents a few thousand entries per segment held hundreds of megabytes. Each holder sets a
budget in bytes instead, and says what each value costs when it stores it.

Searchers may be shared by threads: a lookup racing an eviction is still answered, and the
byte count is only as exact as the interleaving allows (it bounds memory, not correctness).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

# What an entry costs besides its arrays (key, tuple, the object itself): so that many
# entries with empty values (absent terms) still count against the budget.
ENTRY_OVERHEAD = 128


class ByteBudgetCache(Generic[V]):
    """Values by key, the least recently used evicted first once `budget` bytes are held."""

    __slots__ = ("_entries", "budget", "size")

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        # Not contextlib.suppress: entering it costs more than the rest of a lookup, and
        # queries look up every word.
        try:  # noqa: SIM105
            self._entries.move_to_end(key)
        except KeyError:  # evicted meanwhile by another thread: still a hit
            pass
        return found[0]

    def put(self, key: Hashable, value: V, nbytes: int) -> None:
        """Keep `value` (which holds `nbytes` bytes), unless it alone exceeds the budget."""
        cost = nbytes + ENTRY_OVERHEAD
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old[1]
        if cost > self.budget:
            return
        self._entries[key] = (value, cost)
        self.size += cost
        while self.size > self.budget and self._entries:
            _, (_, freed) = self._entries.popitem(last=False)
            self.size -= freed

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0
