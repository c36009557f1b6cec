"""Citation markers, numbering by first appearance, and their formatting.

Section templates do not know the numbers: they emit a marker for each group
of cited keys. The assembly step walks the sections in document order,
numbers each key at its first appearance and replaces every marker with the
formatted numbers ("[1]", "[2,5]", "[3-6]").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

# Private-use characters that delimit citation markers inside the pipeline
# (data may not contain them: the evidence stage rejects them).
CITE_OPEN = "\ue000"
CITE_CLOSE = "\ue001"

_MARKER = re.compile(re.escape(CITE_OPEN) + r"([^" + CITE_CLOSE + r"]*)" + re.escape(CITE_CLOSE))


def cite_marker(keys: Sequence[str]) -> str:
    """Return the marker that stands for a citation of *keys*."""
    return CITE_OPEN + ",".join(keys) + CITE_CLOSE


def cited_keys(text: str) -> list[str]:
    """Return the keys cited in *text*, in order of appearance, with repeats."""
    return [key for group in _MARKER.findall(text) for key in group.split(",") if key]


def number_citations(texts: Iterable[str]) -> dict[str, int]:
    """Number each cited key by its first appearance across *texts* (in order)."""
    numbers: dict[str, int] = {}
    for text in texts:
        for key in cited_keys(text):
            numbers.setdefault(key, len(numbers) + 1)
    return numbers


def compress_numbers(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sort and de-duplicate *numbers* into runs: [1,2,3,5] -> [(1,3),(5,5)]."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def format_numbers(numbers: Iterable[int], link: bool = True,
                   anchor: Callable[[int], str] | None = None) -> str:
    """The numbers of one citation without its brackets: ``1``, ``2,5``, ``3-6``.

    Runs of three or more consecutive numbers become a range; two consecutive
    numbers stay a list ("1,2"), as in the usual numeric styles. With *link*,
    each number is a Markdown link to its entry in the reference list, whose
    identifier is ``anchor(n)`` (``ref-<n>`` unless given).
    """

    def show(n: int) -> str:
        return f"[{n}](#{anchor(n) if anchor else f'ref-{n}'})" if link else str(n)

    parts = []
    for first, last in compress_numbers(numbers):
        if last - first >= 2:
            parts.append(f"{show(first)}-{show(last)}")
        elif last == first + 1:
            parts.append(f"{show(first)},{show(last)}")
        else:
            parts.append(show(first))
    return ",".join(parts)


def format_citation(numbers: Iterable[int], link: bool = True, anchor: Callable[[int], str] | None = None) -> str:
    """Format citation numbers as Markdown, e.g. ``[1]``, ``[2,5]``, ``[3-6]``
    (see :func:`format_numbers`)."""
    return "\\[" + format_numbers(numbers, link, anchor) + "\\]"


def map_citations(text: str, show: Callable[[list[str]], str]) -> str:
    """Replace every citation marker in *text* with ``show(keys)``."""
    return _MARKER.sub(lambda m: show([k for k in m.group(1).split(",") if k]), text)


def resolve_citations(text: str, numbers: dict[str, int], link: bool = True, by_key: bool = False) -> str:
    """Replace every citation marker in *text* with its formatted numbers; with *by_key*, each number
    links to ``#ref-<key>`` (the identifiers of pandoc's bibliography) instead of ``#ref-<number>``."""
    keys_by_number = {n: key for key, n in numbers.items()}
    anchor = (lambda n: f"ref-{keys_by_number[n]}") if by_key else None
    return map_citations(text, lambda keys: format_citation([numbers[k] for k in keys], link, anchor))
