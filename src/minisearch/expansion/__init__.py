"""Expansion of prefix and fuzzy query terms against a segment's sorted term dictionary."""

from .fuzzy import MAX_SUPPORTED_EDITS, FuzzyScan, edit_distance, expand_fuzzy, scan_fuzzy
from .prefix import Expansion, expand_prefix, prefix_range, prefix_upper_bound

__all__ = [
    "MAX_SUPPORTED_EDITS",
    "Expansion",
    "FuzzyScan",
    "edit_distance",
    "expand_fuzzy",
    "expand_prefix",
    "prefix_range",
    "prefix_upper_bound",
    "scan_fuzzy",
]
