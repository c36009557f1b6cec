"""Citations as the templates write them, and as the evidence snapshot records them.

Only templates cite: the filters ``cite`` and ``with_citation`` write a
pandoc citation (:func:`pandoc_citation`, ``[@{key1}; @{key2}]``), and
every text from data is escaped for Markdown (``[`` and ``@`` included), so
that no data can ever make one. Pandoc's citeproc numbers and formats the
citations (see :mod:`livingreview.citeproc`).

The evidence snapshot (``evidence.json``) records each citation of a
paragraph as the keys it cites between two private-use characters
(:func:`cite_marker`: U+E000, keys joined by commas, U+E001), so that a
renumbering alone is no change of wording between two releases; the
evidence stage rejects those characters in data. The changes report reads
them back (:func:`cited_keys`, :func:`map_citations`) and shows numbers
(:func:`format_numbers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

# Private-use characters that delimit a citation in the snapshot's paragraphs.
CITE_OPEN = "\ue000"
CITE_CLOSE = "\ue001"

_MARKER = re.compile(re.escape(CITE_OPEN) + r"([^" + CITE_CLOSE + r"]*)" + re.escape(CITE_CLOSE))
# A key a citation may hold: no white space, no braces (they delimit it), no control or private-use character.
_KEY = re.compile(r"[^\s{}\x00-\x1f\x7f\ue000-\uf8ff]+")


def check_key(key: str) -> str:
    """*key* when it can be cited (:data:`_KEY`); a ValueError otherwise."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not a citation key: {key!r} (a BibTeX key has no spaces or braces)")
    return key


def pandoc_citation(keys: Sequence[str]) -> str:
    """A pandoc citation of *keys* (``[@{key1}; @{key2}]``): the braces let a key hold any character but
    braces and white space (checked by :func:`check_key`)."""
    if not keys:
        raise ValueError("a citation needs at least one key")
    return "[" + "; ".join(f"@{{{check_key(key)}}}" for key in keys) + "]"


# --- the snapshot's notation -----------------------------------------------------------

def cite_marker(keys: Sequence[str]) -> str:
    """The snapshot's notation of a citation of *keys*."""
    return CITE_OPEN + ",".join(keys) + CITE_CLOSE


def cited_keys(text: str) -> list[str]:
    """The keys cited in the snapshot text *text*, in order of appearance, with repeats."""
    return [key for group in _MARKER.findall(text) for key in group.split(",") if key]


def map_citations(text: str, show: Callable[[list[str]], str]) -> str:
    """Replace every citation in the snapshot text *text* with ``show(keys)``."""
    return _MARKER.sub(lambda m: show([k for k in m.group(1).split(",") if k]), text)


def compress_numbers(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sort and de-duplicate *numbers* into runs: [1,2,3,5] -> [(1,3),(5,5)]."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def format_numbers(numbers: Iterable[int], link: bool = False) -> str:
    """The numbers of one citation, as the changes report shows them, without brackets: ``1``, ``2,5``,
    ``3-6`` (a run of three or more is a range); with *link*, each a Markdown link to ``#ref-<n>``."""

    def show(n: int) -> str:
        return f"[{n}](#ref-{n})" if link else str(n)

    parts = []
    for first, last in compress_numbers(numbers):
        if last - first >= 2:
            parts.append(f"{show(first)}-{show(last)}")
        elif last == first + 1:
            parts.append(f"{show(first)},{show(last)}")
        else:
            parts.append(show(first))
    return ",".join(parts)
