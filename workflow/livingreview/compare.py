"""Compare two evidence snapshots (see :mod:`livingreview.snapshot`): what
the changes report says.

Pure functions from two snapshots to a :class:`Changes` record: studies
added, removed, retracted and revised (field by field), the themes and
metadata that changed, the map of reference numbers, and each changed
paragraph as a word-level diff. Paragraphs are compared with their citations
as the keys they cite, so a paragraph whose only difference is a citation
number is not a changed paragraph (the number map explains it).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from .citations import CITE_OPEN, cite_marker, cited_keys, format_numbers, map_citations

# Two paragraphs are the same paragraph reworded when this share of their words match.
SAME_PARAGRAPH = 0.5


@dataclass(frozen=True)
class FieldChange:
    """One field of one record with its old and new value ("" when absent)."""

    source: str
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class StudyChange:
    """A study that entered, left or changed: how the report names it, and what changed."""

    key: str
    label: str
    title: str
    theme: str
    old_number: int | None
    new_number: int | None
    status: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class RecordChange:
    """A theme (or the review metadata) whose fields changed."""

    name: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Segment:
    """A run of words of a paragraph diff ("equal", "delete" or "insert"), with the keys it cites."""

    op: str
    text: str
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParagraphChange:
    """A paragraph (or table row) added, removed or changed, with its word-level diff.

    *cites* are the studies behind the change (see :func:`studies_behind`).
    """

    section: str
    block: str
    position: int
    kind: str
    segments: tuple[Segment, ...]
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Changes:
    """Everything the changes report states, from a baseline snapshot to this build's."""

    title: str
    old_version: str | None
    new_version: str
    review_file: str
    reference_count: tuple[int | None, int]
    added: tuple[StudyChange, ...] = ()
    removed: tuple[StudyChange, ...] = ()
    retracted: tuple[StudyChange, ...] = ()
    revised: tuple[StudyChange, ...] = ()
    themes: tuple[RecordChange, ...] = ()
    metadata: tuple[FieldChange, ...] = ()
    numbering: tuple[tuple[str, str, int | None, int | None], ...] = ()
    paragraphs: tuple[ParagraphChange, ...] = ()
    renumbered_only: int = 0

    @property
    def first_release(self) -> bool:
        """True when there was nothing to compare with."""
        return self.old_version is None


def show_value(value) -> str:
    """A field's value as text: lists joined by "; ", nothing as "", a whole number read as a decimal
    (38.0, from a number column) as the whole number it is (38)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(show_value(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def flatten(data, prefix: str = "") -> dict[str, str]:
    """Nested metadata as dotted fields: {"dates": {"published": x}} -> {"dates.published": x}."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list) and any(isinstance(v, (dict, list)) for v in data):
        items = ((str(i), v) for i, v in enumerate(data))
    else:
        return {prefix: show_value(data)}
    flat: dict[str, str] = {}
    for key, value in items:
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def field_changes(old: dict, new: dict, source: str) -> tuple[FieldChange, ...]:
    """The fields whose shown value differs between two flat records, by field name."""
    changes = []
    for field in sorted(set(old) | set(new)):
        before, after = show_value(old.get(field)), show_value(new.get(field))
        if before != after:
            changes.append(FieldChange(source, field, before, after))
    return tuple(changes)


def study_label(reference: dict) -> str:
    """How the report names a study: "Lindqvist and Nyström 2025", "Johnsen et al. 2023"."""
    people = reference.get("author") or reference.get("editor") or []
    families = [name.split(",")[0].strip() for name in people if name != "others"]
    if len(families) > 2 or (families and len(families) < len(people)):
        names = f"{families[0]} et al."
    else:
        names = " and ".join(families) or reference.get("title", "")
    return f"{names} {reference.get('year', '')}".strip()


def _study(key: str, old: dict, new: dict) -> StudyChange:
    """How the report names study *key* (from *new* when it is still in the dataset) and its numbers."""
    side = new if key in new["studies"] else old
    reference, study = side["references"][key], side["studies"][key]
    theme = side["themes"].get(study.get("theme", ""), {}).get("label", study.get("theme", ""))
    status = new["studies"][key]["status"] if key in new["studies"] else "deleted"
    return StudyChange(key=key, label=study_label(reference), title=reference.get("title", ""), theme=theme,
                       old_number=old["numbering"].get(key), new_number=new["numbering"].get(key), status=status)


def _included(snapshot: dict, key: str) -> bool:
    study = snapshot["studies"].get(key)
    return bool(study) and study["status"] == "included"


def compare_studies(old: dict, new: dict) -> dict[str, tuple[StudyChange, ...]]:
    """Studies added, removed, retracted and revised from snapshot *old* to *new*.

    A study is *added* when it is included now and was not before (a new row,
    or a status set back to included); *retracted* when its status became
    ``retracted``; *removed* when it was included and now is excluded or its
    row is gone; *revised* when it is included in both and a column of its
    row or a field of its bibliography entry changed.
    """
    groups: dict[str, list[StudyChange]] = {"added": [], "removed": [], "retracted": [], "revised": []}
    for key in sorted(set(old["studies"]) | set(new["studies"])):
        was, now = _included(old, key), _included(new, key)
        change = _study(key, old, new)
        if change.status == "retracted" and old["studies"].get(key, {}).get("status") != "retracted":
            groups["retracted"].append(change)
        elif now and not was:
            groups["added"].append(change)
        elif was and not now:
            groups["removed"].append(change)
        elif was and now:
            fields = (field_changes(old["studies"][key], new["studies"][key], new["sources"]["studies"])
                      + field_changes(old["references"][key], new["references"][key], new["sources"]["bibliography"]))
            if fields:
                groups["revised"].append(replace(change, fields=fields))

    def order(change: StudyChange) -> tuple:
        number = change.new_number if change.new_number is not None else change.old_number
        return (number is None, number or 0, change.key)

    return {name: tuple(sorted(items, key=order)) for name, items in groups.items()}


def number_map(old: dict[str, int], new: dict[str, int],
               labels: dict[str, str]) -> tuple[tuple[str, str, int | None, int | None], ...]:
    """Every cited key with its label and its old and new reference number (None: not cited), in new order."""
    rows = [(key, labels.get(key, key), old.get(key), new.get(key)) for key in set(old) | set(new)]
    return tuple(sorted(rows, key=lambda r: (r[3] is None, r[3] or 0, r[2] is None, r[2] or 0, r[0])))


def show_citations(text: str, numbering: dict[str, int]) -> str:
    """Plain text with each citation marker as its numbers: "... weeks [6]." ("?" for a key not cited)."""
    def numbers(keys: list[str]) -> str:
        if all(k in numbering for k in keys):
            return "[" + format_numbers([numbering[k] for k in keys], link=False) + "]"
        return "[" + ",".join(str(numbering.get(k, "?")) for k in keys) + "]"

    return map_citations(text, numbers)


def cited(text: str) -> tuple[str, ...]:
    """The keys cited in key-form *text*, once each, in order."""
    return tuple(dict.fromkeys(cited_keys(text)))


def _segment(op: str, words: list[str], numbering: dict[str, int]) -> Segment:
    text = " ".join(words)
    return Segment(op, show_citations(text, numbering), cited(text))


def word_diff(old: str, new: str, old_numbering: dict[str, int], new_numbering: dict[str, int]) -> tuple[Segment, ...]:
    """The word-level diff of two paragraphs (citations compared by key, shown by number)."""
    before, after = old.split(), new.split()
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(_segment("equal", after[j1:j2], new_numbering))
            continue
        if i2 > i1:
            segments.append(_segment("delete", before[i1:i2], old_numbering))
        if j2 > j1:
            segments.append(_segment("insert", after[j1:j2], new_numbering))
    return tuple(segments)


def similarity(old: str, new: str) -> float:
    """Share of words two paragraphs have in common (0 to 1)."""
    matcher = SequenceMatcher(None, old.split(), new.split(), autojunk=False)
    if matcher.real_quick_ratio() < SAME_PARAGRAPH or matcher.quick_ratio() < SAME_PARAGRAPH:
        return 0.0
    return matcher.ratio()


def align(old: list[str], new: list[str], threshold: float = SAME_PARAGRAPH) -> list[tuple[int | None, int | None]]:
    """Pair the paragraphs of two runs in order, maximising their similarity.

    Returns ``(i, j)`` for old paragraph *i* reworded as new paragraph *j*,
    ``(i, None)`` for a removed and ``(None, j)`` for an added paragraph, in
    document order. Pairs less similar than *threshold* are not paired.
    """
    n, m = len(old), len(new)
    sim = [[similarity(a, b) for b in new] for a in old]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            paired = best[i + 1][j + 1] + sim[i][j] if sim[i][j] >= threshold else -1.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], paired)
    pairs: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m and sim[i][j] >= threshold and best[i][j] == best[i + 1][j + 1] + sim[i][j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i][j] == best[i + 1][j]):
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    return pairs


def block_kind(text: str) -> str:
    """ "table row" for a row of a table, else "paragraph"."""
    return "table row" if text.startswith("|") else "paragraph"


def _positions(paragraphs: list[dict]) -> list[int]:
    """Each paragraph's 1-based position among the blocks of its kind in its section."""
    seen: dict[tuple[str, str], int] = {}
    positions = []
    for paragraph in paragraphs:
        place = (paragraph["section"], block_kind(paragraph["text"]))
        seen[place] = seen.get(place, 0) + 1
        positions.append(seen[place])
    return positions


def studies_behind(segments: tuple[Segment, ...]) -> tuple[str, ...]:
    """The keys a paragraph change is due to: those cited only by the removed or only by the added
    words; else all those the changed words cite; else all the paragraph cites."""
    deleted = [k for s in segments if s.op == "delete" for k in s.keys]
    inserted = [k for s in segments if s.op == "insert" for k in s.keys]
    either = [k for k in inserted if k not in deleted] + [k for k in deleted if k not in inserted]
    return tuple(dict.fromkeys(either or inserted + deleted or [k for s in segments for k in s.keys]))


def _paragraph_change(paragraph: dict, position: int, kind: str, segments: tuple[Segment, ...]) -> ParagraphChange:
    return ParagraphChange(paragraph["section"], block_kind(paragraph["text"]), position, kind, segments,
                           studies_behind(segments))


# Paragraphs between two anchors that are paired by similarity, at the most (beyond, the cost of
# comparing every old paragraph with every new one would grow with the square of their number).
MAX_PAIRING = 200 * 200


def anchors(before: list[dict], after: list[dict]) -> list[tuple[int, int]]:
    """Pairs (old index, new index) of paragraphs that come from the same studies: in the same section,
    citing the same keys, a combination that occurs once on each side (a study's own paragraph, its row
    of a table, its entry of the reference list). Only pairs in the same order on both sides are kept
    (the longest such chain), so that the paragraphs between two anchors can be compared as runs."""
    def signatures(paragraphs: list[dict]) -> dict[tuple, int]:
        counts: dict[tuple, int] = {}
        index: dict[tuple, int] = {}
        for position, paragraph in enumerate(paragraphs):
            keys = cited(paragraph["text"])
            if keys:
                signature = (paragraph["section"], block_kind(paragraph["text"]), keys)
                counts[signature] = counts.get(signature, 0) + 1
                index[signature] = position
        return {signature: index[signature] for signature, count in counts.items() if count == 1}

    old, new = signatures(before), signatures(after)
    pairs = sorted((old[signature], new[signature]) for signature in old.keys() & new.keys())
    return longest_increasing(pairs)


def longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest chain of *pairs* (sorted by their first item) whose second items increase too
    (patience sorting, n log n)."""
    ends: list[int] = []  # ends[k]: the smallest second item that ends a chain of length k + 1
    tails: list[int] = []  # tails[k]: the index in pairs of that end
    previous: list[int | None] = []
    for index, (_, second) in enumerate(pairs):
        length = bisect.bisect_left(ends, second)
        previous.append(tails[length - 1] if length else None)
        if length == len(ends):
            ends.append(second)
            tails.append(index)
        else:
            ends[length], tails[length] = second, index
    chain, at = [], tails[-1] if tails else None
    while at is not None:
        chain.append(pairs[at])
        at = previous[at]
    return chain[::-1]


def canonical_paragraphs(paragraphs: list[dict]) -> list[dict]:
    """*paragraphs* with the keys of each citation marker in sorted order: the order of the keys in one
    citation is not wording (a numbered citation shows them by number), so a snapshot written before
    markers were sorted compares equal to one written after."""
    def canonical(text: str) -> str:
        return map_citations(text, lambda keys: cite_marker(sorted(keys))) if CITE_OPEN in text else text

    return [paragraph | {"text": canonical(paragraph["text"])} for paragraph in paragraphs]


def compare_paragraphs(old: dict, new: dict) -> tuple[tuple[ParagraphChange, ...], int]:
    """The changed paragraphs from snapshot *old* to *new*, and how many differ only in citation numbers.

    Paragraphs are paired first by the studies they cite (:func:`anchors`), in
    time linear in their number; only the runs between two anchors are
    compared word by word to pair the remaining ones (a reworded framing
    sentence, a summary whose citations changed), and only pairs that differ
    are diffed.
    """
    before, after = canonical_paragraphs(old["paragraphs"]), canonical_paragraphs(new["paragraphs"])
    old_texts, new_texts = [p["text"] for p in before], [p["text"] for p in after]
    old_at, new_at = _positions(before), _positions(after)
    changes: list[ParagraphChange] = []
    renumbered = 0

    def pair(i: int, j: int) -> None:
        nonlocal renumbered
        if old_texts[i] == new_texts[j]:
            renumbered += show_citations(old_texts[i], old["numbering"]) != show_citations(new_texts[j],
                                                                                          new["numbering"])
        else:
            segments = word_diff(old_texts[i], new_texts[j], old["numbering"], new["numbering"])
            changes.append(_paragraph_change(after[j], new_at[j], "changed", segments))

    def run(i1: int, i2: int, j1: int, j2: int) -> None:
        """The paragraphs old[i1:i2] and new[j1:j2] between two anchors."""
        matcher = SequenceMatcher(None, old_texts[i1:i2], new_texts[j1:j2], autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                for k in range(a2 - a1):
                    pair(i1 + a1 + k, j1 + b1 + k)
                continue
            similar = (a2 - a1) * (b2 - b1) <= MAX_PAIRING
            steps = align(old_texts[i1 + a1:i1 + a2], new_texts[j1 + b1:j1 + b2]) if similar else \
                [(i, None) for i in range(a2 - a1)] + [(None, j) for j in range(b2 - b1)]
            for i, j in steps:
                if j is None:
                    segments = (_segment("delete", [old_texts[i1 + a1 + i]], old["numbering"]),)
                    changes.append(_paragraph_change(before[i1 + a1 + i], old_at[i1 + a1 + i], "removed", segments))
                elif i is None:
                    segments = (_segment("insert", [new_texts[j1 + b1 + j]], new["numbering"]),)
                    changes.append(_paragraph_change(after[j1 + b1 + j], new_at[j1 + b1 + j], "added", segments))
                else:
                    pair(i1 + a1 + i, j1 + b1 + j)

    i = j = 0
    for anchor_i, anchor_j in anchors(before, after):
        run(i, anchor_i, j, anchor_j)
        pair(anchor_i, anchor_j)
        i, j = anchor_i + 1, anchor_j + 1
    run(i, len(before), j, len(after))
    return tuple(changes), renumbered


def compare(baseline: dict | None, snapshot: dict) -> Changes:
    """What changed from *baseline* (None: the first release) to *snapshot*."""
    about = {"title": snapshot["review"]["title"], "new_version": snapshot["version"],
             "review_file": snapshot["sources"]["review"]}
    count = len(snapshot["numbering"])
    if baseline is None:
        return Changes(old_version=None, reference_count=(None, count), **about)
    studies = compare_studies(baseline, snapshot)
    labels = {key: study_label(ref) for side in (baseline, snapshot) for key, ref in side["references"].items()}
    themes = []
    for theme in sorted(set(baseline["themes"]) | set(snapshot["themes"])):
        fields = field_changes(baseline["themes"].get(theme, {}), snapshot["themes"].get(theme, {}),
                               snapshot["sources"]["themes"])
        if fields:
            themes.append(RecordChange(theme, fields))
    metadata = field_changes(flatten({k: v for k, v in baseline["review"].items() if k != "version"}),
                             flatten({k: v for k, v in snapshot["review"].items() if k != "version"}),
                             snapshot["sources"]["review"])
    paragraphs, renumbered = compare_paragraphs(baseline, snapshot)
    return Changes(old_version=baseline["version"], reference_count=(len(baseline["numbering"]), count),
                   themes=tuple(themes), metadata=metadata,
                   numbering=number_map(baseline["numbering"], snapshot["numbering"], labels),
                   paragraphs=paragraphs, renumbered_only=renumbered, **studies, **about)
