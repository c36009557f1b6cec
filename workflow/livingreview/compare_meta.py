"""Compare two snapshots of a meta-analytic review: what its changes report adds to
:func:`livingreview.compare.compare`.

Pure functions from two snapshots (see :mod:`livingreview.stages.changes`) to a
:class:`MetaChanges` record:

- studies *renamed* between database releases (``Alfonso, 2009`` became
  ``Afonso, 2009``): a study whose key left the dataset matched one-to-one
  with a study whose key is new, by the same DOI, the same bibliography entry,
  or the same first author, year and title; reported as renamed, not as one
  removed and one added (:func:`match_renamed`);
- the comparisons of the studies in both releases matched (their ids are not
  stable across releases), and each effect size that was revised (:func:`match_comparisons`);
- every pooled estimate, old and new (the snapshots' synthesis tables), in the
  order of the article's Table 2 (:func:`pooled_changes`);
- the *drivers* of each pooled estimate that moved: the trials added,
  removed, moved into or out of its analysis, or revised, whose change
  moved it most, each with the estimate recomputed with that change undone
  (:func:`pooled_drivers`, with the pooling of :mod:`livingreview.pooling`);
- the codes (format ``ush``, a time point) that one release has in some effect
  size and the other in none, and the arms a trial no longer has, with the
  effect sizes removed or added that they explain (:func:`code_changes`), and
  the arms that changed sides, a control condition that became a
  psychotherapy or the reverse (:func:`changed_sides`);
- the effect sizes whose codes that decide what is pooled (time point,
  control condition, psychotherapy) were recoded, by name (:func:`pooling_recodes`);
- the conclusion statements whose wording changed, because a number changed
  (with the numbers that changed) or because the author reworded them;
- the changes of study fields that are not revisions: a unit changed
  (``percent_women`` 54.05 → 0.54), a label recoded in every trial that had
  it (:func:`not_revisions`), reported once with their count;
- the items PRISMA-LSR asks of an update: the search of each version, and
  what is new since the previous one: the trials added published after the
  previous search's date, and the older ones the database newly included
  (:func:`added_by_date`).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace

from .compare import Changes, FieldChange, Segment, field_changes, shown_label, word_diff
from .meta_analysis import DECISION_FIELDS, certainty_said, long_date

# What identifies a comparison within its study, when ids change between releases.
COMPARISON_FIELDS = ("psychotherapy", "control", "arm1", "arm2", "outcome_type", "instrument", "rating", "time")
# The two sides of a comparison: which arm is the psychotherapy and which the control condition. A comparison
# matched across releases keeps at least one of them; one whose sides both changed compares other arms.
SIDE_FIELDS = ("psychotherapy", "control")
# Fields of a study row that a rename changes by itself (not revisions).
RENAME_FIELDS = ("key", "label")
# The fields of a comparison that decide what is pooled (livingreview.pooling): its time point (only the
# comparisons at POOLED_TIME are pooled, :func:`livingreview.pooling.post_comparisons`) and the codes that put it
# in an analysis's subgroup (:data:`livingreview.pooling.ANALYSES`). A recoding of one is listed by name.
POOLED_TIME = "post"
POOLING_FIELDS = ("time", "control", "psychotherapy")
# The fields of a comparison whose values are codes (of the code book, or a time point or outcome type the
# database codes): a value one release has and the other has in no effect size explains effect sizes removed
# or added (release 24.0.2 has no unguided self-help, format ``ush``).
CODE_FIELDS = ("psychotherapy", "control", "format", "outcome_type", "rating", "time")
# The fields whose codes say what the database collects (which psychotherapies, control conditions and formats): a
# code one release has in no effect size is a change of its scope, which the report's summary states as one
# (release 24.0.2 has no unguided self-help, which release 22.0.2 had).
SCOPE_FIELDS = ("psychotherapy", "control", "format")
# The field that names a trial's arm (``cbt (cbt+lt)``): an arm a trial of both versions no longer has (or
# did not have) explains the effect sizes of that arm removed (or added) that no code explains.
ARM_FIELD = "arm1"
# How many recodings (a code of a matched comparison changed, its effect size not) the report lists.
RECODINGS_SHOWN = 12
# How many drivers the report gives for each pooled estimate, and how many candidates (chosen by their
# approximate influence) are pooled again exactly to find them.
DRIVERS_SHOWN = 3
DRIVER_CANDIDATES = 8
# Two effects (g, or a variance or standard error) are the same when they differ by less than this relative
# tolerance: the noise of floating-point sums taken in another order (a trial's effect sizes combined in
# the order of their ids, which a release may change), far below any printed digit.
SAME_EFFECT_REL_TOL = 1e-9
SAME_EFFECT_ABS_TOL = 1e-12
# A change of study field in at least this many trials, all the same kind of non-revision, is reported once.
PATTERN_MIN = 2


@dataclass(frozen=True)
class Renamed:
    """A study whose key and label changed between releases: the same study, by *reason*."""

    old_key: str
    new_key: str
    old_label: str
    new_label: str
    reason: str
    old_number: int | None
    new_number: int | None
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class EffectRevision:
    """A comparison matched across releases whose Hedges' g or standard error changed; *recoded* are the
    codes that changed with it, ``(field, old, new)`` (a control condition recoded as its value was
    recomputed)."""

    key: str
    label: str
    comparison: str
    old_g: float
    old_se: float
    new_g: float
    new_se: float
    recoded: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class EffectSize:
    """An effect size added or removed in a trial of both versions: *comparison* as the report names it."""

    key: str
    label: str
    comparison: str
    g: float
    se: float
    codes: tuple[tuple[str, str], ...] = ()

    def code(self, field: str) -> str:
        """Its value of the code *field* (:data:`CODE_FIELDS`), "" when it has none."""
        return dict(self.codes).get(field, "")


def effect_size(key: str, label: str, comparison: dict) -> EffectSize:
    """The :class:`EffectSize` of one comparison row of trial *key*, with its codes (:data:`CODE_FIELDS`)."""
    codes = tuple((f, str(comparison.get(f) or "")) for f in (*CODE_FIELDS, ARM_FIELD))
    return EffectSize(key, label, describe_comparison(comparison), float(comparison["g"]), float(comparison["g_se"]),
                      codes)


@dataclass(frozen=True)
class CodeChange:
    """A code (*value* of *field*) that one release has in some effect size and the other in none: *change*
    is "gone" (the new release has no effect size so coded) or "new". *with_trials* are the effect sizes so
    coded of the trials removed (gone) or added (new); *in_both* those removed from (or added to) the trials
    of both versions; *recoded* how many effect sizes of the trials of both versions kept their match and
    had their code changed from (or to) it. *release* is the release that lacks it. *trial* names the trial
    when the code is one trial's arm (:data:`ARM_FIELD`): an arm the trial no longer has (or did not have)."""

    field: str
    value: str
    label: str
    change: str
    release: str
    with_trials: tuple[EffectSize, ...]
    in_both: tuple[EffectSize, ...]
    recoded: int
    trial: str = ""

    @property
    def effects(self) -> tuple[EffectSize, ...]:
        """Every effect size removed (or added) so coded: of the trials removed (added), then of the others."""
        return self.with_trials + self.in_both

    @property
    def trials(self) -> int:
        """The number of trials of :attr:`effects`."""
        return len({e.key for e in self.effects})


@dataclass(frozen=True)
class SideChange:
    """An arm of a trial of both versions that changed sides (:func:`changed_sides`): *old_arm* was its
    *old_side* ("control" or "psychotherapy") in release *old_release*, *new_arm* is its *new_side* in release
    *new_release* (Shaw 1977's nondirective arm: the control condition ``other ctr`` of cbt vs other ctr, then
    the psychotherapy ``sup`` of sup vs wl). *removed* are the effect sizes of the comparisons it was in on
    its old side, *added* those it is in on its new side."""

    key: str
    trial: str
    old_arm: str
    new_arm: str
    old_side: str
    new_side: str
    old_release: str
    new_release: str
    removed: tuple[EffectSize, ...]
    added: tuple[EffectSize, ...]

    def effects(self, change: str) -> tuple[EffectSize, ...]:
        """The effect sizes it explains of *change*: removed ("gone") or added ("new")."""
        return self.removed if change == "gone" else self.added


@dataclass(frozen=True)
class PooledChange:
    """One analysis of the synthesis table, old and new (None where it had no study); *label* names its
    level ("waiting list")."""

    analysis: str
    level: str
    label: str
    old: dict | None
    new: dict | None


# The change of a trial of both versions whose combined effect in an analysis changed (a driver's kind): not
# "revised", the word of the trials whose record changed (Changes.revised), which a summary counts too.
EFFECT_CHANGED = "effect changed"


@dataclass(frozen=True)
class Driver:
    """A change that moved a pooled estimate: *change* is "added" (a new trial), "removed" (a trial no
    longer included), "moved in" / "moved out" (a trial of both versions whose effect sizes entered or
    left this analysis by a change of code, their values revised or not), "effect changed" (a trial of
    both versions whose combined effect in this analysis changed: its effect sizes there were revised,
    added, removed or recoded; not the trials *revised* of :class:`~livingreview.compare.Changes`, whose
    record changed) or, for a group,
    the same words for every change of that kind (*count* changes). *old_g* and *new_g* are the
    trial's own effect in this analysis (its comparisons combined; None where it had none); *g* and
    *tau2* the pooled estimate of the new version with this change undone."""

    change: str
    key: str
    label: str
    count: int
    old_g: float | None
    new_g: float | None
    g: float
    tau2: float


@dataclass(frozen=True)
class PooledDrivers:
    """What moved one pooled estimate: *groups* (each kind of change undone at once) and *drivers* (the
    single changes that moved g most, undone one at a time), for *changed* trials in all."""

    analysis: str
    level: str
    changed: int
    groups: tuple[Driver, ...]
    drivers: tuple[Driver, ...]


@dataclass(frozen=True)
class NotRevision:
    """A change of one study field in *count* trials that is not a revision: *kind* is "unit" (the value
    divided or multiplied by 100: a percentage given as a fraction) or "recode" (every trial coded *old*
    is now coded *new*); *example* is one trial's old and new value."""

    field: str
    kind: str
    count: int
    old: str
    new: str
    example: tuple[str, str, str]


@dataclass(frozen=True)
class StatementChange:
    """A conclusion statement added, removed, reworded or held to another condition: ``kind`` is "numbers"
    (its numbers changed, its wording did not), "reworded" (the author changed it), "condition" (only its
    condition changed), "certainty" (its text did not change, the certainty said after it did), "added" or
    "removed"; ``old_condition`` and ``new_condition`` are its conditions (equal when the condition did not
    change). ``certainty`` is the :class:`CertaintyChange` of its analysis when the Conclusion says that
    certainty after this statement and words its claim for it (:func:`livingreview.meta_analysis.certainty_said`):
    the claim reads differently because the certainty changed."""

    id: str
    kind: str
    analysis: str
    level: str
    old: str
    new: str
    segments: tuple[Segment, ...]
    old_condition: str = ""
    new_condition: str = ""
    numbers: tuple[tuple[str, str], ...] = ()
    certainty: CertaintyChange | None = None


@dataclass(frozen=True)
class AddedByDate:
    """The trials added (not renamed), by the year each was published against the date the previous
    version's search ran until (*search*, as the text writes it; *year* its year): *after*, published after
    it (in *year* or later when the search ran until 1 January, *first_day*; else after *year*), which only a
    later search could find; *before*, published before *year*, which the database newly included (its
    release gives no reason); *same_year*, published in *year* when the search ended later in it (the year
    cannot tell which side); *unknown*, with no year. Each a tuple of keys (:func:`publication_year`).
    *differ* are the trials added whose data and reference give other years: ``(label, data's, reference's)``."""

    search: str
    year: int
    first_day: bool
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    same_year: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    differ: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class MetaChanges:
    """What a meta-analytic review's changes report states beyond :class:`~livingreview.compare.Changes`.
    *recodings* are the effect sizes recoded (a code changed, the value did not), each row one set of code
    changes ``((field, old, new), ...)`` with the number of effect sizes recoded so, the most common first;
    *more_recodings* the effect sizes recoded in the ways not listed (the rows and it sum to the count of
    recoded effect sizes). *code_changes* are the codes and arms that explain effect sizes removed or added
    (:func:`code_changes`), *side_changes* the arms that changed sides (:func:`changed_sides`), which explain
    an effect size removed and one added each, *pooling_recodes* the effect sizes whose codes that decide what
    is pooled changed (:func:`pooling_recodes`); *trials_removed* and *trials_added* the trials removed
    (retracted too) and added, not renamed, and *trial_effects_removed* and *trial_effects_added* their effect sizes.
    *added_effects* and *removed_effects* are the effect sizes added and removed in
    the trials of both versions. *conclusion_text* are the Conclusion's paragraphs that read differently
    (:class:`ConclusionParagraph`); *certainty* the analyses whose certainty rating changed
    (:class:`CertaintyChange`; None when the baseline recorded no ratings). *added_by_date* sorts the
    trials added by the year they were published against the previous search's date (:class:`AddedByDate`;
    None when the baseline has no search date)."""

    renamed: tuple[Renamed, ...] = ()
    revisions: tuple[EffectRevision, ...] = ()
    comparisons: dict | None = None
    recodings: tuple[tuple[tuple[tuple[str, str, str], ...], int], ...] = ()
    more_recodings: int = 0
    added_effects: tuple[EffectSize, ...] = ()
    removed_effects: tuple[EffectSize, ...] = ()
    pooled: tuple[PooledChange, ...] = ()
    statements: tuple[StatementChange, ...] = ()
    search: dict | None = None
    flow: dict | None = None
    new_fields: tuple[str, ...] = ()
    drivers: dict | None = None
    not_revisions: tuple[NotRevision, ...] = ()
    conclusion_text: tuple = ()
    certainty: tuple | None = None
    code_changes: tuple[CodeChange, ...] = ()
    side_changes: tuple[SideChange, ...] = ()
    pooling_recodes: tuple[EffectRevision, ...] = ()
    trial_effects_removed: int = 0
    trial_effects_added: int = 0
    trials_removed: int = 0
    trials_added: int = 0
    added_by_date: AddedByDate | None = None
    pooled_time: str = POOLED_TIME

    def explained(self, change: str, part: str) -> int:
        """How many distinct effect sizes the codes of *change* ("gone" or "new") explain among those of the
        trials removed or added (*part* "with_trials") or of the trials of both versions ("in_both"): an
        effect size two codes explain counts once. The arms that changed sides (:attr:`side_changes`) explain
        effect sizes of the trials of both versions, removed (gone) and added (new)."""
        explained = {id(e) for c in self.code_changes if c.change == change for e in getattr(c, part)}
        if part == "in_both":
            explained |= {id(e) for s in self.side_changes for e in s.effects(change)}
        return len(explained)

    def scope(self) -> dict:
        """What the database collects that changed: ``codes``, the codes of :data:`SCOPE_FIELDS` that one
        release has in some effect size and the other in none (:attr:`code_changes`), and ``arms``, the arms that
        trials of both versions no longer have, each with the number of effect sizes of that arm removed from its
        trial (those a code explains too: an arm's own change counts only those no code explains), ``(change,
        n)``. Release 24.0.2: no unguided self-help; no arm cbt (cbt + exercise) of De Groot, 2019, nor cbt
        (cbt+lt) of Rohan, 2007, two arms combining a psychotherapy with another treatment."""
        removed = {id(e): e for c in self.code_changes if c.change == "gone" for e in c.in_both}
        arms = tuple((c, sum(1 for e in removed.values() if (e.key, e.code(ARM_FIELD)) == (c.in_both[0].key, c.value)))
                     for c in self.code_changes if c.trial and c.change == "gone" and c.in_both)
        return {"codes": tuple(c for c in self.code_changes if c.field in SCOPE_FIELDS and not c.trial), "arms": arms}

    def explains(self, change: str) -> bool:
        """Whether a code, an arm or an arm that changed sides explains effect sizes of *change* ("gone" or
        "new"): whether the report says how many they explain."""
        return bool(self.side_changes) or any(c.change == change for c in self.code_changes)


# --- renamed studies --------------------------------------------------------------

def ascii_fold(text: str) -> str:
    """*text* lower-case, accents dropped, only letters and digits kept (single spaces between words)."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", " ", plain.casefold()).strip()


def same_doi(reference: dict) -> str | None:
    """The entry's DOI, normalised (lower case, no resolver prefix); None without one."""
    doi = str(reference.get("doi", "")).strip().lower()
    for prefix in ("https://doi.org/", "http://dx.doi.org/", "doi:"):
        doi = doi.removeprefix(prefix)
    return doi or None


def same_entry(reference: dict) -> str:
    """The whole bibliography entry (type, names and fields) as one comparable text."""
    return json.dumps(reference, sort_keys=True, ensure_ascii=False)


def same_author_year_title(reference: dict) -> str | None:
    """The first author's family name, the year and the title, normalised; None when one is missing."""
    people = reference.get("author") or []
    family = ascii_fold(people[0].split(",")[0]) if people else ""
    title, year = ascii_fold(reference.get("title", "")), str(reference.get("year", "")).strip()
    return f"{family}|{year}|{title}" if family and year and title else None


# How a renamed study is recognised, in the order tried, with the reason the report gives.
RENAME_RULES = (("the same DOI", same_doi), ("the same reference", same_entry),
                ("the same first author, year and title", same_author_year_title))


def match_renamed(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """``(old_key, new_key, reason)`` for each study of snapshot *old* whose key is gone from *new*, matched
    one-to-one with a study whose key is new, by the first of :data:`RENAME_RULES` that pairs them (a
    signature shared by several candidates on either side pairs nothing)."""
    gone = sorted(k for k in old["studies"] if k not in new["studies"])
    arrived = sorted(k for k in new["studies"] if k not in old["studies"])
    pairs: list[tuple[str, str, str]] = []
    for reason, signature in RENAME_RULES:
        olds: dict[str, list[str]] = {}
        news: dict[str, list[str]] = {}
        for key in gone:
            value = signature(old["references"].get(key, {}))
            if value:
                olds.setdefault(value, []).append(key)
        for key in arrived:
            value = signature(new["references"].get(key, {}))
            if value:
                news.setdefault(value, []).append(key)
        for value, keys in sorted(olds.items()):
            if len(keys) == 1 and len(news.get(value, [])) == 1:
                pairs.append((keys[0], news[value][0], reason))
        matched_old, matched_new = {p[0] for p in pairs}, {p[1] for p in pairs}
        gone = [k for k in gone if k not in matched_old]
        arrived = [k for k in arrived if k not in matched_new]
    return sorted(pairs)


def renamed_studies(old: dict, new: dict) -> tuple[Renamed, ...]:
    """The renamed studies of :func:`match_renamed`, with their labels, numbers and other changed fields."""
    found = []
    for old_key, new_key, reason in match_renamed(old, new):
        before = {k: v for k, v in old["studies"][old_key].items() if k not in RENAME_FIELDS}
        after = {k: v for k, v in new["studies"][new_key].items() if k not in RENAME_FIELDS}
        fields = (field_changes(before, after, new["sources"]["studies"])
                  + field_changes(old["references"].get(old_key, {}), new["references"].get(new_key, {}),
                                  new["sources"]["bibliography"]))
        found.append(Renamed(old_key, new_key, old["studies"][old_key].get("label", old_key),
                             new["studies"][new_key].get("label", new_key), reason, old["numbering"].get(old_key),
                             new["numbering"].get(new_key), fields))
    return tuple(sorted(found, key=lambda r: (r.new_number is None, r.new_number or 0, r.new_key)))


def without_renamed(changes: Changes, renamed: tuple[Renamed, ...]) -> Changes:
    """*changes* with the renamed studies taken out of the added and removed ones and of the studies a
    changed paragraph cites now and no longer, and each renamed study's two rows of the number map joined
    into one (its key shown as ``old → new``)."""
    olds = {r.old_key: r for r in renamed}
    news = {r.new_key: r for r in renamed}
    numbering = [row for row in changes.numbering if row[0] not in olds and row[0] not in news]
    numbering += [(f"{r.old_key} → {r.new_key}", next((label for key, label, _, _ in changes.numbering
                                                        if key == r.new_key), r.new_label), r.old_number,
                   r.new_number) for r in renamed]
    numbering.sort(key=lambda r: (r[3] is None, r[3] or 0, r[2] is None, r[2] or 0, r[0]))

    def same_trials(change):
        """A paragraph change without the renamed trials among the studies it cites now and no longer: the
        same trial under its new key."""
        gone = {key for key in change.cites_removed if key in olds and olds[key].new_key in change.cites_added}
        came = {olds[key].new_key for key in gone}
        return replace(change, cites_added=tuple(k for k in change.cites_added if k not in came),
                       cites_removed=tuple(k for k in change.cites_removed if k not in gone))

    paragraphs = tuple(same_trials(p) for p in changes.paragraphs)
    kept = tuple(p for p in paragraphs if p.kind != "cites" or p.cites_added or p.cites_removed)
    return replace(changes, added=tuple(s for s in changes.added if s.key not in news),
                   removed=tuple(s for s in changes.removed if s.key not in olds), numbering=tuple(numbering),
                   paragraphs=kept, renumbered_only=changes.renumbered_only + len(paragraphs) - len(kept))


def new_study_fields(old: dict, new: dict) -> tuple[str, ...]:
    """The study columns that the new snapshot fills and the old one left empty for every study: a column
    the database added (``n_randomised`` in release 24.0.2), to be reported once rather than as a revision
    of every trial. The author's decision's fields (:data:`livingreview.meta_analysis.DECISION_FIELDS`: a
    first exclusion's reason) are not the database's."""
    def filled(snapshot: dict) -> set[str]:
        """The study fields with a value in at least one study of *snapshot*."""
        return {field for study in snapshot["studies"].values() for field, value in study.items()
                if value not in ("", None) and field not in DECISION_FIELDS}
    return tuple(sorted(filled(new) - filled(old)))


def without_new_fields(changes: Changes, renamed: tuple[Renamed, ...], fields: tuple[str, ...],
                       source: str) -> tuple[Changes, tuple[Renamed, ...]]:
    """*changes* and *renamed* without the filling of the new study *fields* (of the file *source*): a
    revised study left with no other change is no longer revised."""
    def kept(items: tuple[FieldChange, ...]) -> tuple[FieldChange, ...]:
        """The field changes that are not a new field being filled."""
        return tuple(f for f in items if not (f.field in fields and f.source == source and f.old == ""))
    revised = tuple(replace(s, fields=kept(s.fields)) for s in changes.revised)
    return (replace(changes, revised=tuple(s for s in revised if s.fields)),
            tuple(replace(r, fields=kept(r.fields)) for r in renamed))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _unit_change(old: str, new: str) -> bool:
    """True when *new* is *old* divided (or multiplied) by 100, as printed to two decimals, rounded or cut:
    54.05 → 0.54, 58.8 → 0.59, 67.7 → 0.67 (release 24.0.2 gives Choi, 2020b's 67.7 % as 0.67)."""
    a, b = _number(old), _number(new)
    if a is None or b is None or a == b:
        return False
    return abs(a / 100 - b) < 0.01 or abs(b / 100 - a) < 0.01


def not_revisions(old: dict, new: dict, changes: Changes, renamed: tuple[Renamed, ...],
                  source: str) -> tuple[tuple[NotRevision, ...], Changes, tuple[Renamed, ...]]:
    """The changes of study fields (of the file *source*) that are not revisions, and *changes* and
    *renamed* without them (a revised study left with no other change is no longer revised).

    - a *unit* change: a field whose new value is the old one divided or multiplied by 100, as printed
      (``percent_women`` 54.05 → 0.54, 67.7 → 0.67: :func:`_unit_change`), in at least :data:`PATTERN_MIN` trials;
    - a *recode*: a field whose value *old* became *new* in every trial of both versions that had *old*,
      at least :data:`PATTERN_MIN` of them (a code book's label renamed); not when one value holds the
      other's codes and more (``gsh ush`` → ``gsh``: an arm dropped, a revision).
    """
    changed = [(s.key, f) for s in changes.revised for f in s.fields if f.source == source]
    changed += [(r.new_key, f) for r in renamed for f in r.fields if f.source == source]
    units: dict[str, list] = {}
    pairs: dict[tuple[str, str, str], list] = {}
    for key, f in changed:
        if _unit_change(f.old, f.new):
            units.setdefault(f.field, []).append((key, f))
        elif f.old and f.new:
            pairs.setdefault((f.field, f.old, f.new), []).append((key, f))
    found: list[NotRevision] = []
    dropped: set[tuple[str, str]] = set()  # (key, field)
    for field, items in sorted(units.items()):
        if len(items) >= PATTERN_MIN:
            found.append(NotRevision(field, "unit", len(items), "", "", (items[0][0], items[0][1].old,
                                                                          items[0][1].new)))
            dropped |= {(key, field) for key, _ in items}
    from .compare import show_value
    old_key = {r.new_key: r.old_key for r in renamed}
    both = [old_key.get(k, k) for k in new["studies"] if _included(new, k) and _included(old, old_key.get(k, k))]
    values: dict[str, dict[str, int]] = {}  # field -> old value -> trials of both versions that had it

    def had(field: str, value: str) -> int:
        if field not in values:
            values[field] = {}
            for key in both:
                shown = show_value(old["studies"][key].get(field))
                values[field][shown] = values[field].get(shown, 0) + 1
        return values[field].get(value, 0)

    for (field, before, after), items in sorted(pairs.items()):
        tokens_before, tokens_after = set(before.split()), set(after.split())
        subset = tokens_before <= tokens_after or tokens_after <= tokens_before  # a code dropped or added
        if len(items) >= PATTERN_MIN and not subset and had(field, before) == len(items):
            found.append(NotRevision(field, "recode", len(items), before, after, (items[0][0], before, after)))
            dropped |= {(key, field) for key, _ in items}

    def kept(key: str, fields: tuple[FieldChange, ...]) -> tuple[FieldChange, ...]:
        return tuple(f for f in fields if not (f.source == source and (key, f.field) in dropped))

    revised = tuple(replace(s, fields=kept(s.key, s.fields)) for s in changes.revised)
    return (tuple(found), replace(changes, revised=tuple(s for s in revised if s.fields)),
            tuple(replace(r, fields=kept(r.new_key, r.fields)) for r in renamed))


def _included(snapshot: dict, key: str) -> bool:
    study = snapshot["studies"].get(key)
    return bool(study) and study.get("status", "included") == "included"


# --- comparisons and effect sizes -----------------------------------------------------

def _natural(comparison: dict, fields: tuple[str, ...] = COMPARISON_FIELDS) -> tuple:
    """What a comparison compares (its *fields*, as text): the key it is matched by across releases."""
    return tuple(str(comparison.get(f) or "") for f in fields)


def instrument_family(instrument: str) -> str:
    """An instrument's code without its version or variant (``hdrs-17`` and ``hdrs`` are both ``hdrs``)."""
    return re.split(r"[-(\s]", str(instrument).strip().lower(), maxsplit=1)[0]


def id_parts(comparison: dict) -> tuple[str, ...]:
    """A comparison's id as the sorted parts between its underscores: Metapsy's ids are the comparison's
    codes joined, and release 24.0.2 joins them in another order (``Shaw_1977_cbt_otherctr_..._post`` became
    ``Shaw_1977_..._post_0_self-report_cbt_otherctr_...``), keeping them when it recodes the comparison."""
    return tuple(sorted(str(comparison.get("id", "")).split("_")))


def same_sides(old: dict, new: dict) -> bool:
    """Whether comparison *old* and comparison *new* (of one trial, in two releases) may be the same
    comparison: it keeps at least one of its sides (:data:`SIDE_FIELDS`), its psychotherapy or its control
    condition. One side recoded (care as usual → waiting list) is the same comparison recoded; both sides
    changed is another comparison, of other arms (an arm moved from the control side to the psychotherapy
    side: cbt vs other ctr became sup vs wl), whatever its id: an effect size removed and one added."""
    return any(str(old.get(f) or "") == str(new.get(f) or "") for f in SIDE_FIELDS)


def match_comparisons(old: list[dict], new: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """The comparisons of one study in two releases paired: ``(pairs, only_old, only_new)``.

    Comparison ids are not stable across releases, so comparisons are paired
    by what they compare (:data:`COMPARISON_FIELDS`, in order of occurrence
    when a release repeats them); then those whose instrument was only
    recoded (``hdrs`` as ``hdrs-17``); then those with the same effect size
    and standard error (another code recoded); then those with the same id,
    its parts in any order (:func:`id_parts`: the database kept it while it
    recoded the comparison). Last, the same
    comparison measured or coded otherwise, paired only when it is the one
    left on both sides: the same arms and instrument whose outcome type changed
    (remission → change scores), then the same psychotherapy and instrument
    whose control condition was recoded. No rule pairs two comparisons that do
    not compare the same arms (:func:`same_sides`). What remains was added or
    removed.
    """
    pairs: list[tuple[dict, dict]] = []
    left, right = sorted(old, key=lambda c: c["id"]), sorted(new, key=lambda c: c["id"])

    def pair_by(signature, unique: bool = False) -> None:
        """Pair the comparisons left whose *signature* is the same (in id order; when *unique*, only a
        signature that one comparison on each side has)."""
        nonlocal left, right
        waiting: dict[tuple, list[dict]] = {}
        for comparison in right:
            waiting.setdefault(signature(comparison), []).append(comparison)
        olds = Counter(signature(c) for c in left)
        unpaired = []
        for comparison in left:
            candidates = waiting.get(signature(comparison))
            if candidates and unique and (len(candidates) > 1 or olds[signature(comparison)] > 1):
                unpaired.append(comparison)
                continue
            match = next((c for c in candidates or () if same_sides(comparison, c)), None)
            if match is None:
                unpaired.append(comparison)
            else:
                candidates.remove(match)
                pairs.append((comparison, match))
        taken = {id(b) for _, b in pairs}
        left, right = unpaired, [c for c in right if id(c) not in taken]

    pair_by(_natural)
    pair_by(lambda c: (*_natural(c, tuple(f for f in COMPARISON_FIELDS if f != "instrument")),
                       instrument_family(c.get("instrument", ""))))
    pair_by(lambda c: (repr(float(c["g"])), repr(float(c["g_se"]))))
    pair_by(id_parts)
    pair_by(lambda c: (*_natural(c, tuple(f for f in COMPARISON_FIELDS if f not in ("instrument", "outcome_type"))),
                       instrument_family(c.get("instrument", ""))), unique=True)
    pair_by(lambda c: (*_natural(c, ("psychotherapy", "arm1", "rating", "time")),
                       instrument_family(c.get("instrument", ""))), unique=True)
    return pairs, left, right


# The sides of a comparison, each as the field of its code, the field of its arm's name and the field of the
# number of participants analysed in its arm.
SIDES = {"psychotherapy": ("psychotherapy", "arm1", "n_arm1"), "control": ("control", "arm2", "n_arm2")}


def arm_name(comparison: dict, side: str) -> str:
    """The name of *comparison*'s arm on *side* ("psychotherapy" or "control"): the arm's label (``cbt (ct)``,
    ``other ctr``), else the side's code."""
    code, arm, _ = SIDES[side]
    return str(comparison.get(arm) or comparison.get(code) or "")


def changed_sides(pairs: list[tuple[dict, dict]], only_old: list[dict],
                  only_new: list[dict]) -> list[tuple[dict, dict, str, str]]:
    """The effect sizes of one trial removed (*only_old*) and added (*only_new*) because an arm changed sides,
    each ``(old, new, old_side, new_side)``; *pairs* are the trial's effect sizes matched across the releases
    (:func:`match_comparisons`).

    An arm changed sides when the database kept an effect size's id (its parts in any order,
    :func:`id_parts`) while it recoded both sides of its comparison, and the arm on one side of the old
    comparison is the arm on the other side of the new one: the old arm has no matched effect size left on
    its old side, the new arm has none on its new side (it was not there in the old release), and the two
    have the same number of participants analysed (both given: without it the arms cannot be told the same).
    Shaw 1977 (22.0.2 → 24.0.2): cbt (ct) vs other ctr became sup vs wl under the same id; its nondirective
    arm, the control condition other ctr (n 8), is the psychotherapy sup (n 8), while cbt (ct) kept its effect
    size against the waiting list."""
    found = []
    for old in only_old:
        for new in only_new:
            if id_parts(old) != id_parts(new) or any(new is n for *_, n, _, _ in found):
                continue
            for before, after in (("control", "psychotherapy"), ("psychotherapy", "control")):
                n_old, n_new = old.get(SIDES[before][2]), new.get(SIDES[after][2])
                if (arm_name(old, before) not in {arm_name(a, before) for a, _ in pairs}
                        and arm_name(new, after) not in {arm_name(b, after) for _, b in pairs}
                        and n_old not in (None, "") and n_new not in (None, "") and float(n_old) == float(n_new)):
                    found.append((old, new, before, after))
                    break
            if found and found[-1][0] is old:
                break
    return found


def describe_comparison(comparison: dict) -> str:
    """How the report names a comparison: ``cbt vs cau, bdi-2 (self-report), post``."""
    arms = " vs ".join(str(comparison.get(f) or "") for f in ("psychotherapy", "control"))
    specification = " / ".join(s for s in (comparison.get("arm1"), comparison.get("arm2")) if s)
    return (f"{arms}{f' ({specification})' if specification else ''}, {comparison.get('instrument', '')} "
            f"({comparison.get('rating', '')}), {comparison.get('time', '')}")


def compare_comparisons(old: dict, new: dict, renamed: tuple[Renamed, ...]) -> tuple[
        tuple[EffectRevision, ...], dict, Counter, tuple[EffectSize, ...], tuple[EffectSize, ...],
        tuple[EffectRevision, ...], tuple[SideChange, ...]]:
    """The effect sizes revised in the studies of both snapshots, the counts of effect sizes (unchanged,
    recoded, revised, added and removed, in those studies; before and now, overall), the recodings (each
    recoded effect size counted once, by the set of its codes that changed), the effect sizes added
    and removed in those studies, the effect sizes recoded (each an :class:`EffectRevision` whose g and
    standard error did not change), and the arms that changed sides (:class:`SideChange`, by trial key), whose
    effect sizes are among those added and removed."""
    old_key = {r.new_key: r.old_key for r in renamed}
    by_study_old: dict[str, list[dict]] = {}
    by_study_new: dict[str, list[dict]] = {}
    for comparison in old.get("comparisons", {}).values():
        by_study_old.setdefault(comparison["key"], []).append(comparison)
    for comparison in new.get("comparisons", {}).values():
        by_study_new.setdefault(comparison["key"], []).append(comparison)
    revisions, recoded, recodings, added, removed = [], [], Counter(), [], []
    moved: dict[tuple[str, str, str, str], tuple[list[EffectSize], list[EffectSize]]] = {}
    counts = Counter()
    for key in sorted(by_study_new):
        before = by_study_old.get(old_key.get(key, key))
        if not before:
            continue
        pairs, only_old, only_new = match_comparisons(before, by_study_new[key])
        label = new["studies"][key].get("label", key)
        counts["added"] += len(only_new)
        counts["removed"] += len(only_old)
        effects = {id(c): effect_size(key, label, c) for c in only_old + only_new}
        added += [effects[id(c)] for c in only_new]
        removed += [effects[id(c)] for c in only_old]
        for a, b, side, other in changed_sides(pairs, only_old, only_new):
            gone, came = moved.setdefault((key, arm_name(a, side), arm_name(b, other), side), ([], []))
            gone.append(effects[id(a)])
            came.append(effects[id(b)])
        for a, b in pairs:
            codes = tuple((f, str(a.get(f) or ""), str(b.get(f) or "")) for f in COMPARISON_FIELDS
                          if str(a.get(f) or "") != str(b.get(f) or ""))
            if not same_effect((float(a["g"]), float(a["g_se"])), (float(b["g"]), float(b["g_se"]))):
                counts["revised"] += 1
                revisions.append(EffectRevision(key, label, describe_comparison(b), float(a["g"]), float(a["g_se"]),
                                                float(b["g"]), float(b["g_se"]), codes))
            elif codes:
                counts["recoded"] += 1
                recodings[codes] += 1
                recoded.append(EffectRevision(key, label, describe_comparison(b), float(a["g"]), float(a["g_se"]),
                                              float(b["g"]), float(b["g_se"]), codes))
            else:
                counts["unchanged"] += 1
    # the effect sizes of each version's trials (not of those its authors excluded or that were retracted)
    counts["before"] = sum(1 for c in old.get("comparisons", {}).values() if _included(old, c["key"]))
    counts["now"] = sum(1 for c in new.get("comparisons", {}).values() if _included(new, c["key"]))
    releases = (old.get("database", {}).get("release", ""), new.get("database", {}).get("release", ""))
    sides = tuple(SideChange(key, new["studies"][key].get("label", key), old_arm, new_arm, side,
                             "control" if side == "psychotherapy" else "psychotherapy", *releases,
                             tuple(gone), tuple(came))
                  for (key, old_arm, new_arm, side), (gone, came) in sorted(moved.items()))
    return tuple(revisions), dict(counts), recodings, tuple(added), tuple(removed), tuple(recoded), sides


# --- pooled estimates, statements, search ----------------------------------------------

def pooled_changes(old: dict, new: dict) -> tuple[PooledChange, ...]:
    """Every analysis of either snapshot's synthesis table, old and new, in the order of the article's Table 2
    (:func:`livingreview.meta_analysis.by_trials`): overall, then the control conditions and then the
    psychotherapies, each by its number of trials in the new version (in the old one when the new one has
    none), most first, then by name; then the sensitivity analyses of the overall effect, in their own order."""
    from .meta_analysis import SENSITIVITY_LABELS, analysis_labels, by_trials

    before = {(r["analysis"], r["level"]): r for r in old.get("synthesis", [])}
    after = {(r["analysis"], r["level"]): r for r in new.get("synthesis", [])}
    known = dict(analysis_labels(), sensitivity=SENSITIVITY_LABELS)
    analyses = list(known)
    fixed_order = {level: j for j, level in enumerate(SENSITIVITY_LABELS)}

    def rank(item: tuple[str, str]) -> tuple:
        analysis, level = item
        if analysis == "sensitivity":
            within = (fixed_order.get(level, len(fixed_order)), level)
        else:
            row = after.get(item) or before.get(item) or {}
            within = by_trials(row.get("k") or 0, known.get(analysis, {}).get(level, level))
        return (analyses.index(analysis) if analysis in known else len(analyses), *within, item)

    return tuple(PooledChange(a, level, known.get(a, {}).get(level, level), before.get((a, level)),
                              after.get((a, level))) for a, level in sorted(set(before) | set(after), key=rank))


def trial_effects(snapshot: dict, analysis: str, level: str, keys: dict[str, str] | None = None,
                  time: str = POOLED_TIME) -> dict[str, tuple[float, float]]:
    """Each included trial's effect in one analysis of *snapshot*, as :func:`livingreview.pooling.synthesis`
    pools it: ``{key: (g, variance)}``, its comparisons at *time* in that analysis level combined
    (:func:`livingreview.pooling.aggregate_cs`). *keys* renames trials (an old key to its new one)."""
    from .pooling import ANALYSES, aggregate_cs

    column = ANALYSES.get(analysis)
    by_trial: dict[str, list[dict]] = {}
    for comparison in sorted(snapshot.get("comparisons", {}).values(), key=lambda c: (c["key"], c["id"])):
        if (_included(snapshot, comparison["key"]) and comparison.get("time") == time
                and (column is None or comparison.get(column) == level)):
            by_trial.setdefault(comparison["key"], []).append(comparison)
    renamed = keys or {}
    return {renamed.get(key, key): aggregate_cs([float(c["g"]) for c in rows], [float(c["g_se"]) for c in rows])
            for key, rows in by_trial.items()}


def same_effect(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """True when the effects *a* and *b* (g and its variance, or g and its standard error) are equal but for
    floating-point noise (:data:`SAME_EFFECT_REL_TOL`): the same numbers summed in another order."""
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=SAME_EFFECT_REL_TOL, abs_tol=SAME_EFFECT_ABS_TOL)
                                    for x, y in zip(a, b, strict=True))


def _pooled(effects: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    """The random-effects g and τ² of *effects* (:func:`livingreview.pooling.pool`); None without any."""
    from .pooling import pool

    if not effects:
        return None
    ordered = sorted(effects)
    try:
        result = pool([effects[k][0] for k in ordered], [effects[k][1] for k in ordered])
    except (ValueError, ArithmeticError):
        return None
    return result.g, result.tau2


def _undone(new: dict, old: dict, keys) -> dict:
    """The new effects with the change of each trial of *keys* undone: its old effect back, or none."""
    effects = dict(new)
    for key in keys:
        if key in old:
            effects[key] = old[key]
        else:
            effects.pop(key, None)
    return effects


def analysis_drivers(old_snapshot: dict, new_snapshot: dict, analysis: str, level: str,
                     renamed: tuple[Renamed, ...] = (), labels: dict[str, str] | None = None) -> PooledDrivers | None:
    """What moved the pooled estimate of one analysis from *old_snapshot* to *new_snapshot*.

    Each trial's effect in the analysis is computed in both versions
    (:func:`trial_effects`; renamed trials under their new key). A trial whose
    effect differs (beyond floating-point noise: :func:`same_effect`), or that
    contributes to one version only, is a change:
    *added* (a new trial), *removed* (no longer included), *moved in* or
    *moved out* (in both versions, in this analysis in one: its comparisons'
    codes changed, their values perhaps too) or *effect changed* (its effect in this analysis changed). A
    change's contribution is the new estimate with that change undone (its
    old effect put back, or its new one taken out), pooled again with
    :func:`livingreview.pooling.pool`; every kind of change is also undone at
    once. Only the :data:`DRIVER_CANDIDATES` changes of largest approximate
    influence (the inverse-variance weights at the new τ², for g and for
    Cochran's Q) are pooled again one by one, so the work grows with the
    size of the analysis, not with its square. None when the analysis has no
    trial in the new version.
    """
    keys = {r.old_key: r.new_key for r in renamed}
    old = trial_effects(old_snapshot, analysis, level, keys)
    new = trial_effects(new_snapshot, analysis, level)
    current = _pooled(new)
    if current is None:
        return None
    included_before = {keys.get(k, k) for k in old_snapshot["studies"] if _included(old_snapshot, k)}
    included_now = {k for k in new_snapshot["studies"] if _included(new_snapshot, k)}
    kinds: dict[str, str] = {}
    for key in sorted(set(old) | set(new)):
        if key in old and key in new:
            if not same_effect(old[key], new[key]):
                kinds[key] = EFFECT_CHANGED
        elif key in new:
            kinds[key] = "added" if key not in included_before else "moved in"
        else:
            kinds[key] = "removed" if key not in included_now else "moved out"
    names = labels or {}

    def driver(change: str, key: str, count: int, effects: dict) -> Driver | None:
        pooled = _pooled(effects)
        if pooled is None:
            return None
        before, after = old.get(key), new.get(key)
        return Driver(change, key, names.get(key, key), count, before[0] if before else None,
                      after[0] if after else None, pooled[0], pooled[1])

    groups = []
    for change in ("added", "removed", "moved in", "moved out", EFFECT_CHANGED):
        members = [k for k, c in kinds.items() if c == change]
        if members:
            found = driver(change, "", len(members), _undone(new, old, members))
            if found:
                groups.append(found)
    # The approximate influence of undoing each change at the new τ² (fixed weights), then exact for the top.
    g, tau2 = current
    weights = {k: 1 / (v + tau2) for k, (_, v) in new.items()}
    total, weighted = sum(weights.values()), sum(weights[k] * new[k][0] for k in new)

    def influence(key: str) -> tuple[float, float]:
        w, wy = total, weighted
        if key in new:
            w, wy = w - weights[key], wy - weights[key] * new[key][0]
        if key in old:
            w_old = 1 / (old[key][1] + tau2)
            w, wy = w + w_old, wy + w_old * old[key][0]
        shift = abs(g - wy / w) if w > 0 else 0.0
        spread = max((y - g) ** 2 / (v + tau2) for y, v in (e for e in (new.get(key), old.get(key)) if e))
        return shift, spread

    approx = {key: influence(key) for key in kinds}
    candidates = set(sorted(approx, key=lambda k: (-approx[k][0], k))[:DRIVER_CANDIDATES])
    candidates |= set(sorted(approx, key=lambda k: (-approx[k][1], k))[:DRIVER_CANDIDATES])
    singles = [found for key in sorted(candidates)
               if (found := driver(kinds[key], key, 1, _undone(new, old, [key]))) is not None]
    singles.sort(key=lambda d: (-abs(g - d.g), -abs(tau2 - d.tau2), d.key))
    return PooledDrivers(analysis, level, len(kinds), tuple(groups), tuple(singles[:DRIVERS_SHOWN]))


def pooled_drivers(old: dict, new: dict, renamed: tuple[Renamed, ...] = ()) -> dict[tuple[str, str], PooledDrivers]:
    """The drivers (:func:`analysis_drivers`) of every analysis of the new synthesis table that pools the
    trials of one subgroup (overall, a control condition, a psychotherapy), by (analysis, level). A
    sensitivity analysis selects its trials and effect sizes by its own rule (risk of bias, outliers, one
    effect size per trial), which :func:`trial_effects` does not repeat: it has no drivers."""
    from .pooling import ANALYSES

    labels = {k: shown_label(study, side["references"].get(k, {})) or k
              for side in (old, new) for k, study in side["studies"].items()}
    labels.update({r.new_key: r.new_label for r in renamed})
    found = {}
    for row in new.get("synthesis", []):
        if row["analysis"] not in ANALYSES:
            continue
        drivers = analysis_drivers(old, new, row["analysis"], row["level"], renamed, labels)
        if drivers is not None:
            found[(row["analysis"], row["level"])] = drivers
    return found


# A number as a statement prints it, with its sign (a prediction interval's lower bound is often negative; the
# hyphen of a range such as 1977-2024 follows a digit and is not a sign).
_NUMBER = re.compile(r"(?<![\w.])[-\u2212]?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?")


def changed_numbers(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """The numbers of a statement that changed, in order, when its old and new texts print as many numbers
    (the same wording); else nothing."""
    before, after = _NUMBER.findall(old), _NUMBER.findall(new)
    if len(before) != len(after) or _NUMBER.sub("#", old) != _NUMBER.sub("#", new):
        return ()
    return tuple((a, b) for a, b in zip(before, after, strict=True) if a != b)


def statement_changes(old: dict, new: dict) -> tuple[StatementChange, ...]:
    """The conclusion statements added, removed, or whose printed text, condition or certainty (the
    certainty the Conclusion says after it, which words its claim) changed, in the new order: an author who
    loosens a condition to keep a statement through an update is reported too."""
    before = {c["id"]: c for c in old.get("conclusions", [])}
    statements = new.get("conclusions", [])
    after = {c["id"]: c for c in statements}
    rated = {(c.analysis, c.level): c for c in certainty_changes(old, new) or ()}
    said = {c["id"]: rated.get((c["analysis"], c["level"]))
            for c, last in zip(statements, certainty_said(statements), strict=True) if last}
    changes = []
    for ident in [c["id"] for c in statements] + sorted(set(before) - set(after)):
        a, b = before.get(ident), after.get(ident)
        if (a and b and a["text"] == b["text"] and a.get("condition") == b.get("condition")
                and not said.get(ident)):
            continue
        if a and b:
            kind = ("certainty" if a["text"] == b["text"] and a.get("condition") == b.get("condition") else
                    "condition" if a["text"] == b["text"] else
                    "numbers" if a["statement"] == b["statement"] else "reworded")
        else:
            kind = "added" if b else "removed"
        side = b or a
        segments = word_diff(a["text"] if a else "", b["text"] if b else "", {}, {})
        changes.append(StatementChange(ident, kind, side["analysis"], side["level"], a["text"] if a else "",
                                       b["text"] if b else "", segments, (a or b).get("condition", ""),
                                       (b or a).get("condition", ""),
                                       changed_numbers(a["text"], b["text"]) if a and b else (),
                                       said.get(ident) if a and b else None))
    return tuple(changes)


def _words_beyond(text: str, statements: list[str]) -> str:
    """*text* with the *statements* it prints taken out and every number masked: what an author's words
    say beyond the numbers the data fills in."""
    text = " ".join(text.split())
    for statement in statements:
        text = text.replace(" ".join(statement.split()), "")
    return " ".join(_NUMBER.sub("#", text).split())


def _coded_names() -> re.Pattern:
    """The names of the coded values a paragraph can take from the data: the psychotherapies and control
    conditions as the comparison table's schema labels them (singular and plural), longest first."""
    from .meta_analysis import COMPARISONS_SCHEMA
    from .schemas import labels

    names = {name for field in ("psychotherapy", "control") for pair in labels(COMPARISONS_SCHEMA, field).values()
             for name in pair}
    return re.compile("|".join(rf"(?<!\w){re.escape(name)}(?!\w)" for name in sorted(names, key=len, reverse=True)),
                      re.IGNORECASE)


def _words_beyond_names(words: str) -> str:
    """*words* (:func:`_words_beyond`) with every name of a coded value (:func:`_coded_names`) as "@", a list
    of them ("@, @ and @") as one, and the "each" of a count they share dropped: what is left of a
    paragraph when a ranking names other psychotherapies, or a tie names several ("followed by @ and @ (#
    trials each)" as "followed by @ (# trials)")."""
    words = _coded_names().sub("@", words)
    words = re.sub(r"@(?:, @)*,? and @", "@", words)
    return re.sub(r"(# \w+) each\b", r"\1", words)


@dataclass(frozen=True)
class ConclusionParagraph:
    """A paragraph of the Conclusion that reads differently (a
    :class:`~livingreview.compare.ParagraphChange` of the detail's list), and whether its own words changed
    (*reworded*: beyond its numbers, the conclusion statements it prints and the psychotherapies and control
    conditions it names), only the psychotherapies or control conditions it names with its numbers (*names*:
    a ranking that changed with the data) or only its numbers."""

    paragraph: object
    reworded: bool
    certainty: tuple[CertaintyChange, ...] = ()
    names: bool = False

    @property
    def label(self) -> str:
        """What changed in the paragraph, as both the summary and the detail's heading say it: "its numbers
        only", "its ranking or the data it names changed, not its own words", "reworded: ...", "added",
        "removed" or "renamed from ..."; with the certainty ratings that changed and reword the claims it
        prints."""
        paragraph = self.paragraph
        if paragraph.kind == "renamed":
            text = f"renamed from “{paragraph.old_subject}”"
        elif paragraph.kind in ("changed", "moved"):
            text = ("moved, " if paragraph.kind == "moved" else "") + (
                "reworded: its own words changed, not only its numbers" if self.reworded else
                "its ranking or the data it names changed, not its own words" if self.names else "its numbers only")
        else:
            text = paragraph.kind
        for change in self.certainty:
            text += (f"; the certainty of {change.label} changed, {change.old or 'not rated'} → "
                     f"{change.new or 'not rated'}, and its claim with it")
        return text


def conclusion_rewordings(changes: Changes, old: dict, new: dict) -> tuple[ConclusionParagraph, ...]:
    """Every paragraph of the Conclusion that the detail shows changed (the same list: added, removed,
    changed, moved or renamed; not one whose cited trials alone changed), each marked whether its words
    changed beyond its numbers, outside the conclusion statements (which :func:`statement_changes` reports):
    a sentence of the template reworded, a paragraph added or removed; or beyond its numbers only in the
    psychotherapies and control conditions it names (a ranking that names another psychotherapy, or a tie
    several: the data changed, not the words); with the certainty changes of the statements it prints whose
    claims it words for them. The summary and the detail's heading name each one by its
    :attr:`ConclusionParagraph.label`, so the summary never hides a Conclusion paragraph the detail shows, nor
    labels it otherwise."""
    before = [c["text"] for c in old.get("conclusions", [])]
    after = [c["text"] for c in new.get("conclusions", [])]
    rated = [(" ".join(s.new.split()), s.certainty) for s in statement_changes(old, new) if s.certainty]
    found = []
    for paragraph in changes.paragraphs:
        if paragraph.section != "Conclusion" or paragraph.kind == "cites":
            continue
        was = " ".join(s.text for s in paragraph.segments if s.op != "insert")
        now = " ".join(s.text for s in paragraph.segments if s.op != "delete")
        words = _words_beyond(was, before), _words_beyond(now, after)
        names = words[0] != words[1] and _words_beyond_names(words[0]) == _words_beyond_names(words[1])
        found.append(ConclusionParagraph(paragraph, paragraph.kind in ("added", "removed")
                                         or (words[0] != words[1] and not names),
                                         tuple(c for text, c in rated if text in " ".join(now.split())),
                                         names=names and paragraph.kind not in ("added", "removed")))
    return tuple(found)


@dataclass(frozen=True)
class CertaintyChange:
    """The certainty rating of one analysis (Table 4, the summary of findings) in each version; None where
    that version did not rate it."""

    analysis: str
    level: str
    label: str
    old: str | None
    new: str | None


def certainty_changes(old: dict, new: dict) -> tuple[CertaintyChange, ...] | None:
    """Every analysis whose certainty rating differs between the snapshots, in the order of
    :func:`pooled_changes`; None when the old snapshot recorded no ratings (a release built before they
    were recorded), so the report says it cannot tell rather than that nothing changed."""
    if "certainty" not in old:
        return None
    before = {(r["analysis"], r["level"]): r["certainty"] for r in old["certainty"]}
    after = {(r["analysis"], r["level"]): r["certainty"] for r in new.get("certainty", [])}

    def rows(snapshot: dict, rated: dict) -> dict:
        """The synthesis rows of the analyses *rated* (their k orders them), a bare row where it has none."""
        pooled = {(r["analysis"], r["level"]): r for r in snapshot.get("synthesis", [])}
        return {"synthesis": [pooled.get((a, v), {"analysis": a, "level": v}) for a, v in rated]}

    return tuple(CertaintyChange(p.analysis, p.level, p.label, before.get((p.analysis, p.level)),
                                 after.get((p.analysis, p.level)))
                 for p in pooled_changes(rows(old, before), rows(new, after))
                 if before.get((p.analysis, p.level)) != after.get((p.analysis, p.level)))


FLOW_COUNTS = (("database.hits", "records identified in databases"),
               ("additional.records", "records from other sources"),
               ("records.screened", "records screened"),
               ("full.text.assessed.for.eligibility", "full texts assessed"),
               ("included", "included, as the search flow reports"))


def search_changes(old: dict, new: dict) -> dict:
    """The search of each version (release, last search, search-flow counts), for PRISMA-LSR."""
    def side(snapshot: dict) -> dict:
        database, flow = snapshot.get("database", {}), snapshot.get("search_flow", {})
        return {"release": database.get("release", ""), "last_search": long_date(database.get("last_search")),
                "counts": {name: flow.get(name) for name, _ in FLOW_COUNTS}}

    return {"old": side(old), "new": side(new), "labels": dict(FLOW_COUNTS)}


def trial_flow(old: dict | None, new: dict, renamed: list[tuple[str, str, str]] | None = None) -> dict:
    """How the included trials moved from snapshot *old* (None: no previous version) to *new*: how many were
    included before and now, carried over (by key, or renamed), new, and no longer included; the trials of
    each release (``release``: old, new; the excluded and retracted too); and ``excluded``, the trials new in
    this release that the review's authors excluded at once, as (label, reason) in order of label (a trial
    of both that is now excluded is a removed one)."""
    def included(snapshot: dict) -> set[str]:
        return {k for k, s in snapshot["studies"].items() if s.get("status", "included") == "included"}

    now = included(new)
    excluded = sorted(((s.get("label") or k, s.get("reason", "")) for k, s in new["studies"].items()
                       if s.get("status") == "excluded" and (old is None or k not in old["studies"])),
                      key=lambda pair: pair[0].casefold())
    if old is None:
        return {"previous": None, "now": len(now), "carried": 0, "renamed": 0, "new": len(now), "left": 0,
                "release": (None, len(new["studies"])), "excluded": excluded}
    before = included(old)
    pairs = renamed if renamed is not None else match_renamed(old, new)
    as_new = {o: n for o, n, _ in pairs}
    carried = {as_new.get(k, k) for k in before} & now
    return {"previous": len(before), "now": len(now), "carried": len(carried),
            "renamed": sum(1 for o, n, _ in pairs if o in before and n in now), "new": len(now - carried),
            "left": len(before) - len(carried), "release": (len(old["studies"]), len(new["studies"])),
            "excluded": excluded}


def publication_years(snapshot: dict, key: str) -> tuple[int | None, int | None]:
    """The year trial *key* was published, as the data give it (``data/studies.csv``) and as its reference
    does (``references.bib``); None where one gives none."""
    def year(value) -> int | None:
        match = re.match(r"\s*(\d{4})", str(value or ""))
        return int(match[1]) if match else None

    return (year(snapshot["studies"].get(key, {}).get("year")),
            year(snapshot.get("references", {}).get(key, {}).get("year")))


def publication_year(snapshot: dict, key: str) -> int | None:
    """The year trial *key* was published (:func:`publication_years`): the earlier when the data and its
    reference differ (Saisanan, 2020 is of 2022 in release 24.0.2's data, of 2020 in its reference and
    label), since from then on a search could find it. None when neither gives one."""
    years = [y for y in publication_years(snapshot, key) if y is not None]
    return min(years) if years else None


def added_by_date(old: dict, new: dict, keys: set[str]) -> AddedByDate | None:
    """The trials *keys* added in *new*, by the year each was published (:func:`publication_year`) against
    the date the search of *old* ran until (:class:`AddedByDate`); None when *old* gives no such date.

    A year is compared with a date: with a search until 1 January 2022, a trial of 2022 was published after
    it, one of 2021 before; with a search until 1 June 2022, a trial of 2022 may be either."""
    last = str(old.get("database", {}).get("last_search") or "")
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", last)
    if not match:
        return None
    year, first_day = int(match[1]), match[2] == match[3] == "01"
    sides: dict[str, list[str]] = {"after": [], "before": [], "same_year": [], "unknown": []}
    differ = []
    for key in sorted(keys):
        published = publication_year(new, key)
        side = ("unknown" if published is None else "before" if published < year
                else "after" if published > year or first_day else "same_year")
        sides[side].append(key)
        data, reference = publication_years(new, key)
        if None not in (data, reference) and data != reference:
            differ.append((new["studies"][key].get("label", key), data, reference))
    return AddedByDate(long_date(last), year, first_day, **{side: tuple(found) for side, found in sides.items()},
                       differ=tuple(sorted(differ, key=lambda d: (d[0].casefold(), d))))


def compare_meta_analysis(baseline: dict, snapshot: dict, changes: Changes) -> tuple[Changes, MetaChanges]:
    """The changes of a meta-analytic review: *changes* (from :func:`livingreview.compare.compare`) without
    the renamed studies, and what :class:`MetaChanges` adds."""
    renamed = renamed_studies(baseline, snapshot)
    new_fields = new_study_fields(baseline, snapshot)
    changes, renamed = without_new_fields(changes, renamed, new_fields, snapshot["sources"]["studies"])
    others, changes, renamed = not_revisions(baseline, snapshot, changes, renamed, snapshot["sources"]["studies"])
    revisions, counts, recodings, added, removed, recoded, sides = compare_comparisons(baseline, snapshot, renamed)
    removed_trials = ({s.key for s in changes.removed + changes.retracted if _included(baseline, s.key)}
                      - {r.old_key for r in renamed})
    added_trials = {s.key for s in changes.added} - {r.new_key for r in renamed}
    with_removed = trials_effects(baseline, removed_trials)
    with_added = trials_effects(snapshot, added_trials)
    common = recodings.most_common()
    shown = sorted(common[:RECODINGS_SHOWN], key=lambda item: (-item[1], item[0]))
    meta = MetaChanges(
        renamed=renamed,
        revisions=tuple(sorted(revisions, key=lambda r: (r.label.casefold(), r.key, r.comparison))),
        comparisons=counts,
        recodings=tuple(shown),
        more_recodings=sum(n for _, n in common[RECODINGS_SHOWN:]),
        added_effects=tuple(sorted(added, key=lambda e: (e.label.casefold(), e.key, e.comparison))),
        removed_effects=tuple(sorted(removed, key=lambda e: (e.label.casefold(), e.key, e.comparison))),
        pooled=pooled_changes(baseline, snapshot),
        statements=statement_changes(baseline, snapshot),
        search=search_changes(baseline, snapshot),
        flow=trial_flow(baseline, snapshot, [(r.old_key, r.new_key, r.reason) for r in renamed]),
        new_fields=new_fields,
        drivers=pooled_drivers(baseline, snapshot, renamed),
        not_revisions=others,
        conclusion_text=conclusion_rewordings(changes, baseline, snapshot),
        certainty=certainty_changes(baseline, snapshot),
        code_changes=code_changes(baseline, snapshot, (with_removed, removed), (with_added, added),
                                  revisions + recoded, renamed, sides),
        side_changes=sides,
        pooling_recodes=pooling_recodes(revisions + recoded),
        trial_effects_removed=len(with_removed),
        trial_effects_added=len(with_added),
        trials_removed=len(removed_trials),
        trials_added=len(added_trials),
        added_by_date=added_by_date(baseline, snapshot, added_trials),
    )
    return without_renamed(changes, renamed), meta


def trials_effects(snapshot: dict, keys: set[str]) -> tuple[EffectSize, ...]:
    """The effect sizes of the trials *keys* in *snapshot* (those of the trials added or removed), in the
    order of the trials' labels."""
    found = [effect_size(c["key"], snapshot["studies"].get(c["key"], {}).get("label", c["key"]), c)
             for c in snapshot.get("comparisons", {}).values() if c["key"] in keys]
    return tuple(sorted(found, key=lambda e: (e.label.casefold(), e.key, e.comparison)))


def code_label(field: str, value: str) -> str:
    """The code book's label of *value* of the comparison field *field* ("unguided self-help"), "" when the
    code book has none."""
    from .meta_analysis import COMPARISONS_SCHEMA
    from .schemas import labels

    try:
        return labels(COMPARISONS_SCHEMA, field).get(value, ("",))[0]
    except (KeyError, TypeError, ValueError):
        return ""


def code_changes(old: dict, new: dict, removed: tuple[tuple[EffectSize, ...], tuple[EffectSize, ...]],
                 added: tuple[tuple[EffectSize, ...], tuple[EffectSize, ...]],
                 matched: tuple[EffectRevision, ...], renamed: tuple[Renamed, ...] = (),
                 sides: tuple[SideChange, ...] = ()) -> tuple[CodeChange, ...]:
    """Every code (a value of :data:`CODE_FIELDS`) that one snapshot has in some effect size and the other in
    none, with the effect sizes removed or added that it explains: *removed* and *added* are each the effect
    sizes of the trials removed (added) and those removed from (added to) the trials of both versions;
    *matched* the effect sizes of those trials matched across the releases, revised or recoded. A code gone
    first, then a code new, each by field (in :data:`CODE_FIELDS` order) and value; after each, the arms
    (:data:`ARM_FIELD`) a trial of both versions no longer has (or did not have) that explain effect sizes
    removed from (or added to) it that no code explains, by trial (*renamed* trials under their new key); the
    effect sizes of an arm that changed sides (*sides*) are explained by it, not by an arm lacking."""
    def values(snapshot: dict, field: str) -> set[str]:
        return {str(c.get(field) or "") for c in snapshot.get("comparisons", {}).values()} - {""}

    found: list[CodeChange] = []
    for change, (before, after), (with_trials, in_both), release, side in (
            ("gone", (old, new), removed, new.get("database", {}).get("release", ""), 1),
            ("new", (new, old), added, old.get("database", {}).get("release", ""), 2)):
        names = {r.old_key: r.new_key for r in renamed} if change == "new" else {}  # the old keys as new
        for field in CODE_FIELDS:
            for value in sorted(values(before, field) - values(after, field)):
                recoded = sum(1 for r in matched for f, *pair in r.recoded if f == field and pair[side - 1] == value)
                found.append(CodeChange(field, value, code_label(field, value), change, release,
                                        tuple(e for e in with_trials if e.code(field) == value),
                                        tuple(e for e in in_both if e.code(field) == value), recoded))
        # The arms a trial of both versions no longer has (or did not have), for the effect sizes left.
        explained = ({id(e) for c in found if c.change == change for e in c.in_both}
                     | {id(e) for s in sides for e in s.effects(change)})
        arms: dict[str, set[str]] = {}
        for comparison in after.get("comparisons", {}).values():
            arms.setdefault(names.get(comparison["key"], comparison["key"]), set()).add(
                str(comparison.get(ARM_FIELD) or ""))
        for r in matched:  # an arm a matched effect size recoded (cbt (ct) → cbt) is there under its new label
            arms.setdefault(r.key, set()).update(pair[side - 1] for f, *pair in r.recoded if f == ARM_FIELD)
        by_arm: dict[tuple[str, str], list[EffectSize]] = {}
        for e in in_both:
            if id(e) not in explained and e.code(ARM_FIELD) and e.code(ARM_FIELD) not in arms.get(e.key, set()):
                by_arm.setdefault((e.key, e.code(ARM_FIELD)), []).append(e)
        found += [CodeChange(ARM_FIELD, arm, "", change, release, (), tuple(effects), 0, effects[0].label)
                  for (key, arm), effects in sorted(by_arm.items(), key=lambda i: (i[1][0].label.casefold(), i[0]))]
    return tuple(found)


def pooling_recodes(matched: tuple[EffectRevision, ...]) -> tuple[EffectRevision, ...]:
    """The effect sizes matched across the releases (revised or recoded) one of whose codes that decide
    what is pooled (:data:`POOLING_FIELDS`) changed: by trial and comparison."""
    return tuple(sorted((r for r in matched if any(f in POOLING_FIELDS for f, _, _ in r.recoded)),
                        key=lambda r: (r.label.casefold(), r.key, r.comparison)))


def first_release(snapshot: dict) -> MetaChanges:
    """What a first release's report states: its pooled estimates, statements and search."""
    return MetaChanges(pooled=pooled_changes({}, snapshot), statements=statement_changes({}, snapshot),
                       search=search_changes({}, snapshot), flow=trial_flow(None, snapshot))

