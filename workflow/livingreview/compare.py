"""Compare two evidence snapshots (see :mod:`livingreview.snapshot`): what
the changes report says.

Pure functions from two snapshots to a :class:`Changes` record: studies
added, removed, retracted and revised (field by field), the themes and
metadata that changed, the map of reference numbers, and each changed
paragraph as a word-level diff. Paragraphs are compared with their citations
as the keys they cite, so a paragraph whose only difference is a citation
number is not a changed paragraph (the number map explains it).

A paragraph is matched with the paragraph about the same subject (its id in
the snapshot: a bold label, a table row's cells, a reference's key), never by
its position; it is "moved" when it stands elsewhere and "renamed" when its
label changed (:func:`compare_paragraphs`). A paragraph whose words are the
same but that cites other studies is a change of kind "cites", named by
those studies and never diffed.
"""

from __future__ import annotations

import bisect
import dataclasses
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
    """A paragraph (or table row, or entry of the reference list) added, removed or changed, with its
    word-level diff.

    *kind* is "added", "removed", "changed" (its words changed), "moved" (it is about the same subject
    and stands elsewhere; its words may have changed too), "renamed" (its subject's label changed:
    *old_subject* was its label) or "cites" (only the studies it cites changed: counted and listed,
    never diffed). *subject* is what it is about (its id in the snapshot, see
    :func:`livingreview.stages.changes.paragraphs`), "" for a paragraph matched by its place.
    *cites* are the studies behind the change (see :func:`studies_behind`); *cites_added* and
    *cites_removed* the studies it cites now and did not, and no longer cites.
    """

    section: str
    block: str
    position: int
    kind: str
    segments: tuple[Segment, ...]
    cites: tuple[str, ...]
    subject: str = ""
    old_subject: str = ""
    cites_added: tuple[str, ...] = ()
    cites_removed: tuple[str, ...] = ()

    @property
    def reworded(self) -> bool:
        """True when its words changed: a changed paragraph, or a moved or renamed one with a word diff."""
        return self.kind == "changed" or (self.kind in ("moved", "renamed")
                                          and any(s.op != "equal" for s in self.segments))

    @property
    def label(self) -> str:
        """What changed, as the summary counts it and the detail names it: "reworded", "moved", "moved,
        reworded", "renamed from ...", "added", "removed" or "cites"."""
        if self.kind == "renamed":
            return f"renamed from “{self.old_subject}”" + (", reworded" if self.reworded else "")
        if self.kind == "moved":
            return "moved, reworded" if self.reworded else "moved"
        return "reworded" if self.kind == "changed" else self.kind


def text_counts(paragraphs) -> dict[str, int]:
    """How many of *paragraphs* (:class:`ParagraphChange`) were reworded (wherever they stand), reworded and
    moved, moved only (the same words elsewhere), renamed, added, removed, and cite other studies with the
    same words: the one count of the summary, from the labels the detail shows."""
    items = list(paragraphs)
    return {"reworded": sum(p.reworded for p in items),
            "reworded_moved": sum(p.kind == "moved" and p.reworded for p in items),
            "moved": sum(p.kind == "moved" and not p.reworded for p in items),
            "renamed": sum(p.kind == "renamed" for p in items),
            "added": sum(p.kind == "added" for p in items), "removed": sum(p.kind == "removed" for p in items),
            "cites": sum(p.kind == "cites" for p in items)}


@dataclass(frozen=True)
class Changes:
    """Everything the changes report states, from a baseline snapshot to this build's. *renumbered_only*
    counts the paragraphs and table rows that differ only in their citation numbers, *renumbered_references*
    the entries of the reference list that differ only in their number."""

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
    renumbered_references: int = 0
    labels: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)

    def blocks(self, kind: str, block: str | None = None) -> list[ParagraphChange]:
        """The changed blocks of *kind* ("added", "changed", ...), of one *block* kind ("paragraph",
        "table row", "reference") or of every kind (None)."""
        return [p for p in self.paragraphs if p.kind == kind and (block is None or p.block == block)]

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


def shown_label(study: dict, reference: dict) -> str:
    """The one name the report gives a study everywhere: its label in the data when it has one (Metapsy's
    "Liu, 2024", which names the trial in the database, whatever year its reference gives), else the
    author and year of its reference (:func:`study_label`)."""
    return study.get("label") or study_label(reference)


def _study(key: str, old: dict, new: dict) -> StudyChange:
    """How the report names study *key* (from *new* when it is still in the dataset) and its numbers."""
    side = new if key in new["studies"] else old
    reference, study = side["references"][key], side["studies"][key]
    theme = side["themes"].get(study.get("theme", ""), {}).get("label", study.get("theme", ""))
    status = new["studies"][key]["status"] if key in new["studies"] else "deleted"
    return StudyChange(key=key, label=shown_label(study, reference), title=reference.get("title", ""), theme=theme,
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


# A citation of more keys than this is shown in a diff by its count ("[33 references]"), not its numbers.
LONG_CITATION = 6


def show_citations(text: str, numbering: dict[str, int]) -> str:
    """Plain text with each citation marker as its numbers: "... weeks [6]." ("?" for a key not cited); a
    citation of more than :data:`LONG_CITATION` keys as their count ("[259 references]")."""
    def numbers(keys: list[str]) -> str:
        if len(keys) > LONG_CITATION:
            return f"[{len(keys)} references]"
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


def block_kind(text: str, subject: str = "") -> str:
    """ "table row" for a row of a table, "reference" for an entry of the reference list (its id
    ``ref:KEY``), else "paragraph"."""
    if subject.startswith("ref:"):
        return "reference"
    return "table row" if text.startswith("|") else "paragraph"


def subject_name(subject: str) -> str:
    """How the report names a paragraph's subject: its label; a row's table and cells ("Table 1 row
    [kristiansen2021]": a citation as the keys it cites); a reference's key."""
    if subject.startswith("row:"):
        _, table, cells = subject.split(":", 2)
        cells = map_citations(cells, lambda keys: "[" + ", ".join(keys) + "]")
        return f"{table} row {cells}" if table else f"row {cells}"
    return subject.removeprefix("ref:")


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


def _paragraph_change(paragraph: dict, position: int, kind: str, segments: tuple[Segment, ...],
                      old: dict | None = None) -> ParagraphChange:
    subject = paragraph.get("id", "")
    was, now = (set(cited(old["text"])) if old else set()), set(cited(paragraph["text"]))
    added = tuple(sorted(now - was)) if old else ()
    removed = tuple(sorted(was - now)) if old else ()
    behind = studies_behind(segments) if segments else added + removed
    return ParagraphChange(paragraph["section"], block_kind(paragraph["text"], subject), position, kind, segments,
                           behind, subject_name(subject),
                           subject_name(old.get("id", "")) if old and old.get("id") != subject else "",
                           added, removed)


def without_citations(text: str) -> str:
    """Key-form *text* with every citation as the same token: its words alone."""
    return map_citations(text, lambda keys: "[]")


def _shared(a: str, b: str) -> float:
    """Share of the studies two paragraphs cite that both cite (Jaccard; 0 when neither cites any)."""
    x, y = set(cited(a)), set(cited(b))
    return len(x & y) / len(x | y) if x | y else 0.0


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


def compare_paragraphs(old: dict, new: dict) -> tuple[tuple[ParagraphChange, ...], tuple[int, int]]:
    """The changed paragraphs from snapshot *old* to *new*, and how many differ only in citation numbers:
    ``(paragraphs and table rows, entries of the reference list)``.

    A paragraph with an id (what it is about: a psychotherapy's paragraph, a
    row of a table, an entry of the reference list; see
    :func:`livingreview.stages.changes.paragraphs`) is matched with the
    paragraph of the same section and id, wherever it stands: one that stands
    elsewhere among the matched ones is "moved"; one whose id is gone is
    matched with a new one of its section that cites mostly the same studies
    ("renamed": its label changed), else it was removed. Paragraphs of
    different ids are never compared with each other.

    The paragraphs without an id are paired first by the studies they cite
    (:func:`anchors`), in time linear in their number; only the runs between
    two anchors are compared word by word to pair the remaining ones (a
    reworded framing sentence, a summary whose citations changed), and only
    pairs that differ are diffed. A pair that differs only in the studies its
    citations name is a change of kind "cites" (not diffed).
    """
    before, after = canonical_paragraphs(old["paragraphs"]), canonical_paragraphs(new["paragraphs"])
    old_texts, new_texts = [p["text"] for p in before], [p["text"] for p in after]
    old_at, new_at = _positions(before), _positions(after)
    changes: list[tuple[int, int, ParagraphChange]] = []  # (new index, or -1 and the old index; change)
    paired: dict[int, int] = {}  # old index -> new index
    renumbered = [0, 0]  # paragraphs and table rows, entries of the reference list

    def pair(i: int, j: int, kind: str = "changed") -> None:
        nonlocal renumbered
        paired[i] = j
        if old_texts[i] == new_texts[j]:
            if kind != "changed":
                changes.append((j, i, _paragraph_change(after[j], new_at[j], kind, (), before[i])))
            if show_citations(old_texts[i], old["numbering"]) != show_citations(new_texts[j], new["numbering"]):
                renumbered[block_kind(old_texts[i], before[i].get("id", "")) == "reference"] += 1
        elif kind == "changed" and without_citations(old_texts[i]) == without_citations(new_texts[j]):
            changes.append((j, i, _paragraph_change(after[j], new_at[j], "cites", (), before[i])))
        else:
            segments = word_diff(old_texts[i], new_texts[j], old["numbering"], new["numbering"])
            changes.append((j, i, _paragraph_change(after[j], new_at[j], kind, segments, before[i])))

    def removed(i: int) -> None:
        segments = (_segment("delete", [old_texts[i]], old["numbering"]),)
        changes.append((-1, i, _paragraph_change(before[i], old_at[i], "removed", segments)))

    def added(j: int) -> None:
        segments = (_segment("insert", [new_texts[j]], new["numbering"]),)
        changes.append((j, -1, _paragraph_change(after[j], new_at[j], "added", segments)))

    # 1. The paragraphs with an id: matched by it.
    def identities(paragraphs: list[dict]) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        index: dict[tuple[str, str], int] = {}
        for position, paragraph in enumerate(paragraphs):
            if paragraph.get("id"):
                identity = (paragraph["section"], paragraph["id"])
                counts[identity] = counts.get(identity, 0) + 1
                index[identity] = position
        return {identity: index[identity] for identity, n in counts.items() if n == 1}

    old_ids, new_ids = identities(before), identities(after)
    matched = sorted((old_ids[k], new_ids[k]) for k in old_ids.keys() & new_ids.keys())
    in_order = set(longest_increasing(matched))
    for i, j in matched:
        pair(i, j, "changed" if (i, j) in in_order else "moved")
    gone = [i for k, i in old_ids.items() if k not in new_ids]
    arrived = [j for k, j in new_ids.items() if k not in old_ids]
    for i in sorted(gone):
        candidates = [j for j in arrived if after[j]["section"] == before[i]["section"]
                      and _shared(old_texts[i], new_texts[j]) >= SAME_PARAGRAPH]
        if candidates:
            j = max(candidates, key=lambda j: (_shared(old_texts[i], new_texts[j]), -j))
            arrived.remove(j)
            pair(i, j, "renamed")
        else:
            removed(i)
    for j in arrived:
        added(j)

    # 2. The others (an id not unique on its side counts as none): by the studies they cite, then their words.
    rest_old = [i for i in range(len(before)) if (before[i]["section"], before[i].get("id")) not in old_ids]
    rest_new = [j for j in range(len(after)) if (after[j]["section"], after[j].get("id")) not in new_ids]
    sub_before, sub_after = [before[i] for i in rest_old], [after[j] for j in rest_new]

    def run(i1: int, i2: int, j1: int, j2: int) -> None:
        """The paragraphs sub_before[i1:i2] and sub_after[j1:j2] between two anchors."""
        olds = [old_texts[rest_old[i]] for i in range(i1, i2)]
        news = [new_texts[rest_new[j]] for j in range(j1, j2)]
        matcher = SequenceMatcher(None, olds, news, autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                for k in range(a2 - a1):
                    pair(rest_old[i1 + a1 + k], rest_new[j1 + b1 + k])
                continue
            similar = (a2 - a1) * (b2 - b1) <= MAX_PAIRING
            steps = align(olds[a1:a2], news[b1:b2]) if similar else \
                [(i, None) for i in range(a2 - a1)] + [(None, j) for j in range(b2 - b1)]
            for i, j in steps:
                if j is None:
                    removed(rest_old[i1 + a1 + i])
                elif i is None:
                    added(rest_new[j1 + b1 + j])
                else:
                    pair(rest_old[i1 + a1 + i], rest_new[j1 + b1 + j])

    i = j = 0
    for anchor_i, anchor_j in anchors(sub_before, sub_after):
        run(i, anchor_i, j, anchor_j)
        pair(rest_old[anchor_i], rest_new[anchor_j])
        i, j = anchor_i + 1, anchor_j + 1
    run(i, len(sub_before), j, len(sub_after))
    # In the order of the new article; a removed paragraph after the new place of the one before it.
    ends = sorted(paired)

    def place(item: tuple[int, int, ParagraphChange]) -> tuple:
        j, i, _ = item
        if j >= 0:
            return (j, 0, i)
        before_it = bisect.bisect_left(ends, i) - 1
        return (paired[ends[before_it]] if before_it >= 0 else -1, 1, i)

    return tuple(change for _, _, change in sorted(changes, key=place)), (renumbered[0], renumbered[1])


def compare(baseline: dict | None, snapshot: dict) -> Changes:
    """What changed from *baseline* (None: the first release) to *snapshot*."""
    about = {"title": snapshot["review"]["title"], "new_version": snapshot["version"],
             "review_file": snapshot["sources"]["review"]}
    count = len(snapshot["numbering"])
    if baseline is None:
        return Changes(old_version=None, reference_count=(None, count), **about)
    studies = compare_studies(baseline, snapshot)
    # One name per work (shown_label): a study's label in the data when it has one (Metapsy's "Abbas, 2023a"),
    # else, and for a reference that is no study, the author and year of its reference.
    shown = {key: shown_label((side["studies"].get(key) or {}), ref)
             for side in (baseline, snapshot) for key, ref in side["references"].items()}
    themes = []
    for theme in sorted(set(baseline["themes"]) | set(snapshot["themes"])):
        fields = field_changes(baseline["themes"].get(theme, {}), snapshot["themes"].get(theme, {}),
                               snapshot["sources"]["themes"])
        if fields:
            themes.append(RecordChange(theme, fields))
    metadata = field_changes(flatten({k: v for k, v in baseline["review"].items() if k != "version"}),
                             flatten({k: v for k, v in snapshot["review"].items() if k != "version"}),
                             snapshot["sources"]["review"])
    paragraphs, (renumbered, references) = compare_paragraphs(baseline, snapshot)
    return Changes(old_version=baseline["version"], reference_count=(len(baseline["numbering"]), count),
                   themes=tuple(themes), metadata=metadata,
                   numbering=number_map(baseline["numbering"], snapshot["numbering"], shown),
                   paragraphs=paragraphs, renumbered_only=renumbered,
                   renumbered_references=references, labels=shown, **studies, **about)
