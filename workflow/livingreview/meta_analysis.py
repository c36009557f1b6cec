"""The meta-analytic data model (config ``kind: meta-analysis``): studies and comparisons imported
from an evidence database, the author's decisions on them, and the database release's metadata.

Its tables are read as the narrative model's are (:func:`livingreview.tables.read_table`, each
with its JSON Schema in ``workflow/schemas/meta_*.schema.yaml``) and cross-checked here; the
section templates receive what :func:`context` makes of them: counts, one group of studies per
psychotherapy and per control condition, and Table 1 (counts computed with pandas).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from . import certainty, guards, pooling
from .errors import DataError, did_you_mean
from .pooling import fixed, printed, printed_number
from .schemas import labels, plural_nouns
from .tables import Table, row_place

MONTHS = ("January February March April May June July August September October November "
          "December").split()
STUDIES_SCHEMA = "meta_studies"
COMPARISONS_SCHEMA = "meta_comparisons"
DECISIONS_SCHEMA = "meta_decisions"
CONCLUSIONS_SCHEMA = "meta_conclusions"
DATABASE_SCHEMA = "meta_database"
CERTAINTY_SCHEMA = "meta_certainty"



def long_date(iso) -> str:
    """An ISO date as the text writes it ("1 January 2024"); "" for none."""
    if not iso:
        return ""
    day = dt.date.fromisoformat(str(iso))
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"

def cross_check_problems(studies: Table, comparisons: Table, decisions: Table, bibliography: dict | None,
                         database: dict | None, paths: dict[str, str]) -> list[DataError]:
    """Every comparison or study that refers to something that does not exist.

    As in the narrative model, only sound rows are checked, and keys only
    when the bibliography was read whole (*bibliography* is None otherwise).
    A decision on a study the release does not have is not an error (a decision made for another release
    of a living database): :func:`unused_decisions` names each, a warning at every build.
    """
    keys = [s["key"] for s in studies.rows]
    known = set(keys)
    problems: list[DataError] = []
    if not studies.faulty:
        for comparison in comparisons.sound_rows():
            if comparison["key"] not in known:
                problems.append(DataError(
                    paths["comparisons"], f"{row_place(comparison['_row'], comparison['_line'])}, key "
                    f"{comparison['key']}", f'the study "{comparison["key"]}" is not in {paths["studies"]}.'
                    + did_you_mean(comparison["key"], keys), "import the release again (make import)",
                    line=comparison["_line"]))
    if not comparisons.faulty and not studies.faulty:
        compared = {c["key"] for c in comparisons.rows}
        for study in studies.rows:
            if study["key"] not in compared:
                problems.append(DataError(paths["studies"], f"{row_place(study['_row'], study['_line'])}, key "
                                          f"{study['key']}", "the study has no comparison in "
                                          f"{paths['comparisons']}", "import the release again (make import)",
                                          line=study["_line"]))
    if bibliography is not None:
        for study in studies.sound_rows():
            if study["key"] not in bibliography:
                problems.append(DataError(paths["studies"], f"{row_place(study['_row'], study['_line'])}, key "
                                          f"{study['key']}", f'the key "{study["key"]}" has no entry in '
                                          f"{paths['bibliography']}.", "import the release again (make import)",
                                          line=study["_line"]))
        if database is not None and database["citation_key"] not in bibliography:
            problems.append(DataError(paths["database"], "key citation_key", f'the database\'s entry '
                                      f'"{database["citation_key"]}" is not in {paths["bibliography"]}',
                                      "import the release again (make import)"))
    return problems


# The plausible range of an effect size and its standard error (Hedges' g): outside it a value is a typing
# or unit error (a misplaced decimal mark, a variance for a standard error), and pooling it would be
# meaningless or numerically singular (a standard error of 1e-300 gives one trial all the weight). Real
# outliers stay inside: Metapsy release 22.0.2 has a g of 15.96 (Onyechi, 2016), standard errors 0.07-1.32.
MAX_EFFECT = 50.0
MIN_SE = 1e-3
MAX_SE = 10.0
NUMBER_COLUMNS = ("g", "g_se", "n_arm1", "n_arm2", "rand_arm1", "rand_arm2", "n_sessions", "time_weeks")
# The columns that make a comparison: two rows equal in all of them are one comparison written twice.
COMPARISON_IDENTITY = ("key", "psychotherapy", "control", "arm1", "arm2", "format", "outcome_type", "instrument",
                       "rating", "time", "g", "g_se", "n_arm1", "n_arm2")


def _trial(row: dict) -> str:
    """How a message names the trial of a comparison row: by its label (its key when it has none)."""
    return f'trial "{row.get("label") or row.get("key")}"'


def number_cell_problems(comparisons: Table, path: str) -> list[DataError]:
    """The schema's problems of the comparison table, with those of a number column (``n_arm1`` of
    "forty", ``g`` of "1,2") said plainly and naming the trial."""
    plain = []
    for problem in comparisons.problems:
        column = (problem.where or "").rsplit("column ", 1)[-1]
        row = next((r for r in comparisons.rows if r.get("_line") == problem.line), None)
        if column in NUMBER_COLUMNS and row is not None and isinstance(row.get(column), str):
            problem = DataError(path, problem.where, f'{_trial(row)}: "{row[column]}" in column {column} is not a '
                                "number", "write the number in digits (e.g. 40 or 0.25, with a full stop as the "
                                "decimal mark), or leave the cell empty where the column allows it", line=problem.line)
        plain.append(problem)
    return plain


def numeric_problems(comparisons: Table, path: str) -> list[DataError]:
    """Every sound comparison whose numbers cannot be pooled as they are, each naming its trial and row:
    a number that is not finite (``1e400``), an effect size beyond ±:data:`MAX_EFFECT`, a standard error
    outside [:data:`MIN_SE`, :data:`MAX_SE`]; and each row that repeats an earlier one in every column of
    :data:`COMPARISON_IDENTITY` (it would be pooled twice)."""
    problems: list[DataError] = []
    seen: dict[tuple, dict] = {}
    for row in comparisons.sound_rows():
        where, line = row_place(row["_row"], row["_line"]), row["_line"]
        for column in NUMBER_COLUMNS:
            value = row.get(column)
            if isinstance(value, float) and not math.isfinite(value):
                problems.append(DataError(path, f"{where}, column {column}", f"{_trial(row)}: {column} is not a "
                                          f"finite number ({value})", "write the value as the trial reports it (a "
                                          "number this large is a typing error)", line=line))
        g, se = row.get("g"), row.get("g_se")
        if isinstance(g, float) and math.isfinite(g) and abs(g) > MAX_EFFECT:
            problems.append(DataError(path, f"{where}, column g", f"{_trial(row)}: an effect size of {g:g} is not a "
                                      f"plausible Hedges' g (beyond ±{MAX_EFFECT:g})", "check the value and its "
                                      "decimal mark against the trial's report, or exclude the trial in "
                                      "data/decisions.csv", line=line))
        if isinstance(se, float) and math.isfinite(se) and se > 0 and not MIN_SE <= se <= MAX_SE:
            problems.append(DataError(path, f"{where}, column g_se", f"{_trial(row)}: a standard error of {se:g} is "
                                      f"not plausible (outside {MIN_SE:g} to {MAX_SE:g}); "
                                      + ("it would give the trial all the weight and make the pooling singular"
                                         if se < MIN_SE else "it would give the trial no weight"),
                                      "check the value against the trial's report (a variance or a standard "
                                      "deviation written as a standard error?), or exclude the trial in "
                                      "data/decisions.csv", line=line))
        identity = tuple(row.get(column) for column in COMPARISON_IDENTITY)
        if identity in seen:
            first = seen[identity]
            problems.append(DataError(path, f"{where}, id {row['id']}", f"{_trial(row)}: the row repeats row "
                                      f"{first['_row']} (id {first['id']}) in every column that makes a comparison "
                                      "(arms, instrument, time point, g, its SE and n): it would be pooled twice",
                                      "delete one of the two rows (if they are two comparisons, make arm1 or arm2 "
                                      "say how they differ)", line=line))
        seen.setdefault(identity, row)
    return problems


def analysis_labels() -> dict[str, dict[str, str]]:
    """Each analysis of the synthesis with its levels in the code book's order and their labels: ``all``
    (all trials) for overall, the control conditions, the psychotherapies (the comparison table's schema)."""
    return {"overall": {pooling.OVERALL_LEVEL: "all trials"},
            "control": {code: pair[0] for code, pair in labels(COMPARISONS_SCHEMA, "control").items()},
            "therapy": {code: pair[0] for code, pair in labels(COMPARISONS_SCHEMA, "psychotherapy").items()}}


def analysis_levels() -> dict[str, list[str]]:
    """The levels each analysis of the synthesis may have (see :func:`analysis_labels`)."""
    return {analysis: list(levels) for analysis, levels in analysis_labels().items()}


def conclusion_problems(conclusions: Table, path: str) -> list[DataError]:
    """Every conclusion statement whose level is not one of its analysis, whose condition cannot be read,
    or whose text asks for an unknown number; and statements sharing an order (only sound rows)."""
    levels = analysis_levels()
    problems: list[DataError] = []
    for row in conclusions.sound_rows():
        where, line = row_place(row["_row"], row["_line"]), row["_line"]
        known = levels[row["analysis"]]
        if row["level"] not in known:
            problems.append(DataError(path, f"{where}, column level", f'"{row["level"]}" is not a level of the '
                                      f'{row["analysis"]} analysis.' + did_you_mean(row["level"], known),
                                      "use one of: " + ", ".join(known), line=line))
        try:
            guards.parse_condition(row["condition"])
        except guards.ConditionError as exc:
            problems.append(DataError(path, f"{where}, column condition", f"the condition cannot be read: {exc}",
                                      "write comparisons such as `k >= 10 and ci_low > 0`", line=line))
        for name in guards.unknown_placeholders(row["statement"]):
            problems.append(DataError(path, f"{where}, column statement", f'the statement prints "{{{name}}}", '
                                      "which is not a number of the synthesis." + did_you_mean(name, guards.ALL_NAMES),
                                      "use {" + "}, {".join(guards.NAMES) + "} or a robustness result's "
                                      "({low-rob.g}, {egger.p}, ...), or write braces around nothing "
                                      "else", line=line))
    if not conclusions.faulty:
        first: dict[int, dict] = {}
        for row in conclusions.rows:
            if row["order"] in first:
                other = first[row["order"]]
                problems.append(DataError(path, f"{row_place(row['_row'], row['_line'])}, column order",
                                          f'statement "{row["id"]}" has the same order ({row["order"]}) as '
                                          f'statement "{other["id"]}" (row {other["_row"]})',
                                          "give each statement its own order", line=row["_line"]))
            first.setdefault(row["order"], row)
    return problems


def unused_decisions(studies: list[dict], decisions: list[dict], path: str, studies_path: str) -> list[DataError]:
    """One warning per decision on a study that *studies* (this release's) does not have: a study of another
    release (the decision waits for it) or a misspelt key (the study it meant stays included), named with
    the nearest key."""
    keys = [s["key"] for s in studies]
    known = set(keys)
    return [DataError(path, f"{row_place(d['_row'], d['_line'])}, key {d['key']}",
                      f'there is no study "{d["key"]}" in {studies_path} (this release), so the decision is not used.'
                      + did_you_mean(d["key"], keys),
                      f"use a key of {studies_path} if it is misspelt; a decision for another release of the "
                      "database may stay", line=d["_line"])
            for d in decisions if d["key"] not in known]


# The fields a study gets from the author's decision (merge_decisions), not from the database.
DECISION_FIELDS = ("status", "reason")


def merge_decisions(studies: list[dict], decisions: list[dict]) -> list[dict]:
    """The studies with their ``status`` (and ``reason``) from the decisions (:data:`DECISION_FIELDS`);
    "included" when none."""
    decided = {d["key"]: d for d in decisions}
    merged = []
    for study in studies:
        decision = decided.get(study["key"])
        merged.append(dict(study, status=decision["status"] if decision else "included",
                           reason=decision["reason"] if decision else ""))
    return merged


def study_order(study: dict) -> tuple:
    """Studies in the text and in each citation: by their label (author, then year)."""
    return (study["label"].casefold(), study["key"])


def _group(code: str, studies: list[dict], comparisons: list[dict], code_labels: dict,
           plural: frozenset = frozenset()) -> dict:
    """One psychotherapy's (or control condition's) studies and comparisons; its participants are those of
    the arms of its comparisons (that therapy's arms and their control arms, not a trial's other arms), summed
    over the trials that report them (``reporting``: as many as ``k`` when every trial does); ``plural_noun``:
    whether its label is a plural noun (its code is in *plural*, the schema's ``x-plural-nouns``)."""
    keys = {c["key"] for c in comparisons}
    members = [s for s in studies if s["key"] in keys]
    singular, phrase = code_labels[code]
    return {"code": code, "label": singular, "plural": phrase, "plural_noun": code in plural, "studies": members,
            "k": len(members), "comparisons": count_comparisons(comparisons), "effect_sizes": len(comparisons),
            "participants": int(fixed(pooling.participants(comparisons), 0)),
            "reporting": pooling.reporting_trials(comparisons)}


def comparison_of(row: dict) -> tuple:
    """The comparison an effect size belongs to: one psychotherapy arm against one control arm of one trial
    (its key, psychotherapy and arm label, control condition and arm label)."""
    return (row["key"], row["psychotherapy"], row.get("arm1") or "", row["control"], row.get("arm2") or "")


def repeated_post(rows: list[dict]) -> dict:
    """The instruments that the effect sizes *rows* measure more than once at the end of treatment (time
    post) in one comparison (the database codes each as post, and all are pooled), in two groups, as the
    Methods word them: ``later``, those measured at different weeks (the later may be a follow-up), and
    ``same_week``, the others (at the same week, or at weeks the database does not give for all of them),
    with the outcome types that tell them apart when they differ (two definitions of remission). Each group is
    ``{"instruments": n, "comparisons": n, "trials": [key, ...], "weeks": ["15 and 33", ...],
    "outcome_types": [...]}`` (the trials' keys, for the text to cite them, in order of key; in ``later``
    each different set of weeks once, in the order of the trials, earliest week first; in ``same_week`` the
    weeks given ("0") and the outcome types of the instruments whose types differ, in order of name)."""
    found: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["time"] == "post":
            found.setdefault((comparison_of(row), row.get("instrument"), row.get("rating")), []).append(row)
    groups: dict[str, dict] = {"later": {}, "same_week": {}}
    for key, members in found.items():
        if len(members) > 1:
            weeks = {float(m["time_weeks"]) for m in members if m.get("time_weeks") not in (None, "")}
            groups["later" if len(weeks) > 1 else "same_week"][key] = members

    def described(repeated: dict[tuple, list[dict]]) -> dict:
        """One group's counts, trials, weeks and outcome types."""
        shown = sorted({(comparison[0], tuple(sorted({float(m["time_weeks"]) for m in members
                                                      if m.get("time_weeks") not in (None, "")})))
                        for (comparison, _, _), members in repeated.items()})
        types = sorted({m["outcome_type"] for members in repeated.values()
                        if len({m.get("outcome_type") for m in members}) > 1 for m in members}, key=str.casefold)
        return {"instruments": len(repeated), "comparisons": len({comparison for comparison, _, _ in repeated}),
                "trials": sorted({comparison[0] for comparison, _, _ in repeated}),
                "weeks": list(dict.fromkeys(" and ".join(f"{w:g}" for w in weeks) for _, weeks in shown if weeks)),
                "outcome_types": types}

    return {name: described(repeated) for name, repeated in groups.items()}


# A follow-up time point as the database's ids name it: the id's time field (fu1, fu2, ...), between underscores
# ("Smit_2006_remission(diag_mantained)_cidi-adapt._fu1_0_..."; not "_full)" of "cut-off_full").
FOLLOW_UP_ID = re.compile(r"_(fu\d+)_")


def follow_up_ids(rows: list[dict], studies: list[dict]) -> dict:
    """The effect sizes *rows* at the end of treatment (time post, so pooled) whose id names a follow-up
    (:data:`FOLLOW_UP_ID`): the database may have recoded the time and kept the id (Smit, 2006: fu1 in
    release 22.0.2, post in 24.0.2). ``{"effect_sizes": n, "times": ["fu1", ...], "trials": [study, ...]}``,
    the trials in the order of *studies*."""
    found = [(row, match.group(1)) for row in rows
             if row["time"] == "post" and (match := FOLLOW_UP_ID.search(str(row.get("id") or "")))]
    keys = {row["key"] for row, _ in found}
    return {"effect_sizes": len(found), "times": sorted({time for _, time in found}),
            "trials": [s for s in studies if s["key"] in keys]}


# The outcome types (comparisons.csv's outcome_type) of effect sizes computed from a dichotomous outcome and
# converted to g by the database: remission, response and its "other dich (...)"; the others are continuous
# (msd, change, other statistic). The database's description: "Broader categories of dichotomous outcomes:
# remission, response, etc." (variable dich_type of its releases).
DICHOTOMOUS_OUTCOMES = ("remission", "response", "other dich")


def dichotomous_outcomes(rows: list[dict]) -> dict:
    """The effect sizes *rows* at the end of treatment (those pooled) computed from a dichotomous outcome
    (:data:`DICHOTOMOUS_OUTCOMES`): ``{"effect_sizes": n, "trials": n}``."""
    found = [row for row in rows
             if row["time"] == "post" and str(row.get("outcome_type") or "").startswith(DICHOTOMOUS_OUTCOMES)]
    return {"effect_sizes": len(found), "trials": len({row["key"] for row in found})}


def large_effects(rows: list[dict], studies: list[dict], rules: dict | None) -> dict:
    """The trials of the overall analysis (*rows*: the comparisons it pools) whose effect sizes, combined as it
    combines them (:func:`livingreview.pooling.trial_effects`), give a g above the review's ``max_g``
    (data/certainty.yaml, ``large_effects``; none without it), largest first, then by name:
    ``{"max_g": "3", "trials": [{"study": study, "g": "5.24"}, ...], "outliers": n}``, *outliers*: how many
    of them the sensitivity analysis without outliers leaves out (:func:`livingreview.pooling.outlier_trials`)."""
    limit = (rules or {}).get("large_effects", {}).get("max_g")
    if limit is None or not rows:
        return {"max_g": None, "trials": [], "outliers": 0}
    by_key = {s["key"]: s for s in studies}
    keys, effects, _ = pooling.trial_effects(rows)
    found = sorted(((by_key[key], g) for key, g in zip(keys, effects, strict=True) if g > limit),
                   key=lambda item: (-item[1], study_order(item[0])))
    outliers = pooling.outlier_trials(rows) if found else set()
    return {"max_g": f"{limit:g}", "trials": [{"study": study, "g": fixed(g, 2)} for study, g in found],
            "outliers": sum(1 for study, _ in found if study["key"] in outliers)}


def score_disagreements(comparisons: list[dict], studies: list[dict]) -> dict:
    """The effect sizes whose risk-of-bias score differs from the number of criteria their ratings meet
    (:func:`livingreview.pooling.score_disagreements`): ``{"effect_sizes": n, "trials": [study, ...], "higher": n,
    "lower": n}``, the trials in the order of *studies*; *higher* and *lower*: the effect sizes whose score is
    higher (a criterion counted met that its rating does not meet) or lower than the ratings give."""
    found = pooling.score_disagreements(comparisons)
    keys = {row["key"] for row in found}
    return {"effect_sizes": len(found), "trials": [s for s in studies if s["key"] in keys],
            "higher": sum(1 for row in found if row["score"] > row["met"]),
            "lower": sum(1 for row in found if row["score"] < row["met"])}


def undefined_blinding(comparisons: list[dict], studies: list[dict]) -> dict:
    """The effect sizes whose blinding of outcome assessment is rated with a code other than those the
    criteria know (0, 1, sr; :data:`livingreview.pooling.ROB_CRITERIA`), counted as not met:
    ``{"effect_sizes": n, "codes": [code, ...], "trials": [study, ...]}``."""
    found = [c for c in comparisons if c.get("ba") not in (None, "", "0", *pooling.ROB_CRITERIA["ba"])]
    keys = {c["key"] for c in found}
    return {"effect_sizes": len(found), "codes": sorted({c["ba"] for c in found}),
            "trials": [s for s in studies if s["key"] in keys]}


# The database's code for trials whose participants include adolescents (age or target group, schema
# meta_studies): a review "in adults" says how many trials it has.
ADOLESCENTS = "adol&yadul"


def adolescent_trials(studies: list[dict]) -> dict:
    """The trials of *studies* whose age group or target group the database codes as including adolescents
    (:data:`ADOLESCENTS`): ``{"label": "adolescents and young adults", "trials": [label, ...]}`` (labels in
    order of name)."""
    trials = [s["label"] for s in studies if ADOLESCENTS in (s.get("age_group"), s.get("target_group"))]
    return {"label": labels(STUDIES_SCHEMA, "age_group")[ADOLESCENTS][1], "trials": sorted(trials, key=str.casefold)}


def fractional_arms(rows: list[dict], labels: dict[str, str]) -> list[dict]:
    """The arms of the effect sizes *rows* whose number of participants analysed is not a whole number (the
    participants are summed as given): ``[{"trial": label, "n": "19.5"}, ...]``, one per trial and number,
    in order of name."""
    found = {(labels.get(row["key"], row["key"]), row[column]) for row in rows for column in ("n_arm1", "n_arm2")
             if isinstance(row.get(column), float) and not row[column].is_integer()}
    return [{"trial": trial, "n": f"{n:g}"}
            for trial, n in sorted(found, key=lambda item: (item[0].casefold(), item[1]))]


def _arms(rows: list[dict]) -> frozenset:
    """The arms of a trial's effect sizes *rows* (:func:`livingreview.pooling.arms_of`) as another trial's
    may equal them: (side, condition, randomised, analysed) of each."""
    return frozenset((side, arm[1], row.get(f"rand_arm{side}"), row.get(f"n_arm{side}"))
                     for row in rows for side, arm in pooling.arms_of(row))


def _authors(reference: dict | None) -> set[str]:
    """The family names of a bibliography entry's authors, case-folded ("others" not a name)."""
    return {a["family"].casefold() for a in (reference or {}).get("authors", [])
            if a.get("family") and a["family"].casefold() != "others"}


def _sizes(arms: frozenset, index: int) -> str | None:
    """The participants of *arms* (randomised: *index* 2; analysed: 3), psychotherapy arms first; None when
    an arm's number is not given."""
    if any(arm[index] in (None, "") for arm in arms):
        return None
    return " and ".join(f"{float(arm[index]):g}" for arm in sorted(arms, key=lambda a: (a[0], str(a))))


def possible_duplicates(studies: list[dict], comparisons: list[dict], references: dict[str, dict]) -> list[dict]:
    """The pairs of *studies* that may be two reports of one trial: the same arms (the same psychotherapy and
    control condition, with the same numbers of participants analysed in each, and randomised where the
    database gives them) and an author in common (*references*: the bibliography entries by key). A database
    lists such reports as trials of their own when it does not see that they are one (the Metapsy release
    24.0.2 lists Ng, 2013, "a preliminary result", beside Chan, 2013, with the same g); pooled as two, one
    trial's participants count twice. ``[{"trials": [study, study], "randomised": "38 and 36" (None when not
    given), "analysed": "36 and 32", "same_effects": bool}, ...]`` in the order of *studies*; *same_effects*:
    both have the same effect sizes (g and its standard error)."""
    rows: dict[str, list[dict]] = {}
    for row in comparisons:
        rows.setdefault(row["key"], []).append(row)
    alike: dict[frozenset, list[dict]] = {}  # trials by their arms, each arm's number analysed given
    for study in studies:
        arms = _arms(rows.get(study["key"], []))
        if arms and all(arm[3] not in (None, "") for arm in arms):
            alike.setdefault(arms, []).append(study)
    pairs = []
    for arms, trials in alike.items():
        for index, first in enumerate(trials):
            for second in trials[index + 1:]:
                if _authors(references.get(first["key"])) & _authors(references.get(second["key"])):
                    effects = [sorted((r["g"], r["g_se"]) for r in rows[s["key"]]) for s in (first, second)]
                    pairs.append({"trials": [first, second], "randomised": _sizes(arms, 2),
                                  "analysed": _sizes(arms, 3), "same_effects": effects[0] == effects[1]})
    order = {s["key"]: place for place, s in enumerate(studies)}
    return sorted(pairs, key=lambda pair: [order[s["key"]] for s in pair["trials"]])


def oversized_arms(comparisons: list[dict], studies: list[dict]) -> dict:
    """The arms of *comparisons* that analyse more participants than were randomised to them
    (:func:`livingreview.pooling.oversized_arms`), as the Methods name them: ``{"trials": [study, ...],
    "arms": n, "analysed": n, "randomised": n, "largest": {"trial": label, "n": "135", "randomised": "23"}}``,
    the trials in the order of *studies*, the participants of the arms summed and rounded; *largest*: the arm
    with the most participants beyond those randomised (ties: the first by trial label and arm), None
    without any."""
    found = pooling.oversized_arms(comparisons)
    by_key = {s["key"]: s for s in studies}
    largest = min(found.items(), key=lambda item: (item[1][1] - item[1][0],
                                                   by_key[item[0][0]]["label"].casefold(), item[0]), default=None)
    return {"trials": [s for s in studies if s["key"] in {key for key, _, _ in found}], "arms": len(found),
            "analysed": int(fixed(sum(n for n, _ in found.values()), 0)),
            "randomised": int(fixed(sum(r for _, r in found.values()), 0)),
            "largest": largest and {"trial": by_key[largest[0][0]]["label"], "n": f"{largest[1][0]:g}",
                                    "randomised": f"{largest[1][1]:g}"}}


def count_comparisons(rows: list[dict]) -> int:
    """The comparisons (:func:`comparison_of`) the effect sizes *rows* belong to."""
    return len({comparison_of(row) for row in rows})


def _counted(values, code_labels: dict | None = None, shown: str = "label") -> list[dict]:
    """``[{code, label, plural, n}]`` by falling count, then by the name the text prints (*shown*: "label",
    or "plural" for the formats' phrases): ties by name, as everywhere the article lists."""
    import pandas as pd

    counts = pd.Series(list(values), dtype=object).value_counts()
    rows = [{"code": code, "label": (code_labels or {}).get(code, (code, code))[0],
             "plural": (code_labels or {}).get(code, (code, code))[1], "n": int(n)} for code, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["n"], str(r[shown]).casefold(), str(r["code"])))


def table_one(studies: list[dict], comparisons: list[dict]) -> list[dict]:
    """Table 1's rows: ``{characteristic, category, n, percent}``, counts of included studies (pandas).

    A study with arms in several formats, or with several kinds of control,
    counts under each (those counts add up to more than k).
    """
    import pandas as pd

    k = len(studies)
    frame = pd.DataFrame(studies)
    by_study = pd.DataFrame(comparisons)
    rows = []

    def add(characteristic: str, counts: pd.Series, code_labels: dict, order: list | None = None):
        """Add a row per code of *counts* with a count (in *order*, else by falling count, then label), labelled
        from *code_labels*; the characteristic is named on its first row only."""
        def label_of(code) -> str:
            """The label of *code* as Table 1 prints it."""
            return code_labels[code][0] if code in code_labels else str(code)

        codes = order if order is not None else sorted(
            counts.index, key=lambda c: (-counts[c], label_of(c).casefold(), str(c)))
        for code in codes:
            n = int(counts.get(code, 0))
            if n:
                label = label_of(code)
                share = 100 * n / k
                rows.append({"characteristic": characteristic, "category": label, "n": n,
                             "percent": "<1" if share < 0.5 else f"{share:.0f}"})  # a trial or two is not 0 %
            characteristic = ""

    # the age group the database codes (adolescents and young adults among adults: the Methods count them)
    add("Age group", frame["age_group"].value_counts(), labels(STUDIES_SCHEMA, "age_group"))
    add("Target group", frame["target_group"].value_counts(), labels(STUDIES_SCHEMA, "target_group"))
    formats = by_study.drop_duplicates(["key", "format"])["format"].value_counts()
    add("Format", formats, labels(COMPARISONS_SCHEMA, "format"))
    controls = by_study.drop_duplicates(["key", "control"])["control"].value_counts()
    add("Control condition", controls, labels(COMPARISONS_SCHEMA, "control"))
    add("Country", frame["country"].value_counts(), labels(STUDIES_SCHEMA, "country"))
    rob_labels = {4: ("4 of 4 criteria at low risk",), 3: ("3 of 4",), 2: ("2 of 4",), 1: ("1 of 4",),
                  0: ("none of 4",), "unknown": ("not rated",)}
    # each trial by the criteria its least sound effect size meets, counted from the ratings (the Methods)
    met = pooling.trial_criteria_met(comparisons)
    rob = pd.Series(["unknown" if met.get(s["key"]) is None else met[s["key"]] for s in studies],
                    dtype=object).value_counts()
    add("Risk of bias", rob, rob_labels, order=[4, 3, 2, 1, 0, "unknown"])
    return rows


def by_trials(trials, label: str) -> tuple:
    """The one order of the control conditions (and of the psychotherapies) wherever the article lists
    them, text, tables and forest plot: by number of trials, most first, then by name. *trials* is the
    synthesis's ``k`` (Table 2's count) where the analysis was pooled."""
    return (-int(float(trials)), str(label).casefold())


def reporting_by_analysis(comparisons: list[dict], included) -> dict[tuple[str, str], int]:
    """For each analysis and level of the synthesis, the trials of its comparisons (those it pools:
    :func:`livingreview.pooling.post_comparisons`) that report their participants
    (:func:`livingreview.pooling.reporting_trials`): the trials the synthesis's participants are summed over."""
    rows = pooling.post_comparisons(comparisons, included)
    found: dict[tuple[str, str], list[dict]] = {}
    for analysis, column in pooling.ANALYSES.items():
        for row in rows:
            found.setdefault((analysis, pooling.OVERALL_LEVEL if column is None else row[column]), []).append(row)
    return {key: pooling.reporting_trials(members) for key, members in found.items()}


def _with_reporting(shown: dict, key: tuple[str, str], reporting: dict | None) -> dict:
    """A row as the text prints it with ``reporting``, the trials its participants are summed over (its k when
    *reporting* does not say), and ``k_int``, its k as a number (the table's cell, which has no separator)."""
    k = int(shown["k"])
    return dict(shown, k_int=k, reporting=(reporting or {}).get(key, k))


def pooled_context(table: dict[tuple[str, str], dict[str, str]], reporting: dict | None = None) -> dict:
    """The pooled effects as the section templates receive them, numbers as the text prints them
    (:func:`livingreview.guards.text_numbers`) from the synthesis table's rows: ``overall``, ``control``
    and ``therapy`` (code -> row), and ``rows`` (every analysis in the order of Table 2: overall, then the
    control conditions and the psychotherapies, each :func:`by_trials`). Each row has its ``analysis``,
    ``code``, ``label`` and numbers, ``k_int`` and ``reporting``: the trials its participants are summed
    over (*reporting*, :func:`reporting_by_analysis`; its k when not given)."""
    pooled: dict = {"control": {}, "therapy": {}, "overall": None, "rows": []}
    for analysis, known in analysis_labels().items():
        present = [(code, label) for code, label in known.items() if (analysis, code) in table]
        for code, label in sorted(present, key=lambda item: by_trials(table[(analysis, item[0])]["k"], item[1])):
            row = table[(analysis, code)]
            shown = _with_reporting(dict(guards.text_numbers(row), analysis=analysis, code=code, label=label),
                                    (analysis, code), reporting)
            pooled["rows"].append(shown)
            if analysis == "overall":
                pooled["overall"] = shown
            else:
                pooled[analysis][code] = shown
    return pooled


# The sensitivity analyses of the overall effect as the text and tables name them.
SENSITIVITY_LABELS = {"low-rob": "trials at low risk of bias (all four criteria met)",
                      "outliers-removed": "outliers removed",
                      "oversized-arms-removed": "trials analysing more participants than randomised removed",
                      "largest": "the largest effect size of each trial",
                      "smallest": "the smallest effect size of each trial"}


def certainty_said(statements: list[dict]) -> list[bool]:
    """Whether the Conclusion says the certainty of each statement's analysis (and words its claim for it)
    after that statement: on the last statement of a run about the same analysis and level."""
    keys = [(statement["analysis"], statement["level"]) for statement in statements]
    return [i + 1 == len(keys) or keys[i + 1] != key for i, key in enumerate(keys)]


def robustness_context(table, reporting: dict | None = None) -> dict:
    """The robustness results as the section templates receive them, numbers as the text prints them:
    ``sensitivity`` (level -> row with its ``label``, in :data:`SENSITIVITY_LABELS`' order), ``egger``
    (the small-study test, None without one), ``subgroups`` (analysis -> Q between, df, p as text, and
    whether p < 0.05) and ``findings`` (the summary of findings' rows with their labels, numbers, the
    downgrades' reasons, ``notes``: the reasons of the domains not downgraded whose rule came close, and
    ``egger``: whether the publication-bias judgement ran Egger's test), from the synthesis's results
    (:class:`livingreview.stages.synthesis.Results`); each finding has ``k_int`` and ``reporting`` as
    :func:`pooled_context`'s rows have."""
    sensitivity = {level: dict(guards.text_numbers(table[(pooling.SENSITIVITY, level)]), code=level, label=label)
                   for level, label in SENSITIVITY_LABELS.items() if (pooling.SENSITIVITY, level) in table}
    small = getattr(table, "small_study", {})
    egger = dict(guards.small_study_numbers(small["egger"]), p_value=small["egger"]["p"]) if "egger" in small else None
    subgroups = {name: {"q": printed(row["q_between"], 2), "df": row["df"], "p": guards.p_text(row["p"]),
                        "subgroups": row["subgroups"], "significant": float(row["p"]) < 0.05}
                 for name, row in getattr(table, "subgroups", {}).items()}
    labels_by_analysis = analysis_labels()
    analyses = list(labels_by_analysis)

    def label_of(row: dict) -> str:
        """The label of a summary-of-findings row's level (its code when the code book has none)."""
        return labels_by_analysis[row["analysis"]].get(row["level"], row["level"])

    findings = []
    # In the order of Table 2: the overall effect, then each analysis's levels by number of trials, then name.
    for row in sorted(getattr(table, "findings", []),
                      key=lambda r: (analyses.index(r["analysis"]), *by_trials(r["k"], label_of(r)))):
        label = label_of(row)
        downgrades = [(certainty.DOMAIN_NAMES[d], row[d].removeprefix("serious: ")) for d in certainty.DOMAINS
                      if row[d].startswith("serious")]
        findings.append(dict(_with_reporting(guards.text_numbers(row), (row["analysis"], row["level"]), reporting),
                             analysis=row["analysis"], code=row["level"], label=label,
                             certainty=row["certainty"], nnt=printed(row["nnt"], 1) if row["nnt"] else "",
                             control_event_rate=row["control_event_rate"],
                             judgements={certainty.DOMAIN_NAMES[d]: row[d] for d in certainty.DOMAINS},
                             egger=not row["publication_bias"].startswith(certainty.NOT_ASSESSED),
                             downgrades=downgrades,
                             notes=[(certainty.DOMAIN_NAMES[d], row[d].removeprefix(f"{certainty.NOT_SERIOUS}: "))
                                    for d in certainty.DOMAINS if row[d].startswith(f"{certainty.NOT_SERIOUS}: ")]))
    return {"sensitivity": sensitivity, "egger": egger, "subgroups": subgroups, "findings": findings}


def software_versions() -> dict[str, str]:
    """The versions of the software the synthesis ran with (the manifest records them too)."""
    import platform
    from importlib import metadata

    versions = {"Python": platform.python_version()}
    for name, package in (("NumPy", "numpy"), ("SciPy", "scipy"), ("statsmodels", "statsmodels"),
                          ("pandas", "pandas"), ("matplotlib", "matplotlib")):
        try:
            versions[name] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover - the lock file installs them all
            versions[name] = "not installed"
    return versions


def conclusion_context(conclusions: list[dict], table: dict[tuple[str, str], dict[str, str]]) -> list[dict]:
    """The Conclusion's statements in order, each with its ``id``, ``analysis``, ``level`` and ``text`` as
    printed (its numbers filled in; the synthesis stage has checked every condition)."""
    return [{"id": c["id"], "analysis": c["analysis"], "level": c["level"],
             "text": guards.render_statement(c, table[(c["analysis"], c["level"])], table)} for c in conclusions]


def context(evidence: dict, synthesis: dict[tuple[str, str], dict[str, str]] | None = None) -> dict:
    """The names a meta-analysis section template receives (see README, 'The Metapsy review'); *synthesis*
    is the synthesis table (rows by analysis and level, cells as text)."""
    included_keys = set(evidence["included"])
    studies = sorted((s for s in evidence["studies"] if s["key"] in included_keys), key=study_order)
    comparisons = [c for c in evidence["comparisons"] if c["key"] in included_keys]
    therapy_labels = labels(COMPARISONS_SCHEMA, "psychotherapy")
    control_labels = labels(COMPARISONS_SCHEMA, "control")
    format_labels = labels(COMPARISONS_SCHEMA, "format")
    country_labels = labels(STUDIES_SCHEMA, "country")

    def groups(column: str, code_labels: dict, other: str, name: str, other_labels: dict) -> list[dict]:
        """One group per code of *column* that has effect sizes (see :func:`_group`), with the counts of the
        other side (*other*, under *name*) and of the formats; in the order of Tables 2 and 4 (:func:`by_trials`:
        by number of trials as Table 2 counts them where the group was pooled, else its own count, then by
        name): a ranking in the text is the tables'."""
        found = []
        for code in code_labels:
            members = [c for c in comparisons if c[column] == code]
            if not members:
                continue
            group = _group(code, studies, members, code_labels, plural_nouns(COMPARISONS_SCHEMA, column))
            group[name] = _counted((c[other] for c in members), other_labels)
            group["formats"] = _counted((c["format"] for c in members), format_labels, "plural")
            found.append(group)
        analysis = {"psychotherapy": "therapy"}.get(column, column)
        return sorted(found, key=lambda g: by_trials(table.get((analysis, g["code"]), g)["k"], g["label"]))

    years = [s["year"] for s in studies]
    database = evidence["database"]
    flow = database.get("search_flow", {})
    decided = [s for s in evidence["studies"] if s["status"] != "included"]
    table = synthesis or {}
    reporting = reporting_by_analysis(comparisons, included_keys)
    return {
        "review": evidence["review"],
        "sources": evidence.get("sources", {}),
        "pooled": pooled_context(table, reporting),
        "conclusions": conclusion_context(evidence.get("conclusions", []), table),
        "methods": {"rho": printed(pooling.RHO), "level": printed(pooling.LEVEL * 100, 0), "low_rob": pooling.LOW_ROB,
                    "egger_min_k": pooling.EGGER_MIN_K, "certainty": evidence.get("certainty")},
        "database": database,
        "last_search": long_date(evidence["database"]["last_search"]),
        "flow": {"records": flow.get("database.hits"), "additional": flow.get("additional.records"),
                 "screened": flow.get("records.screened"),
                 "full_texts": flow.get("full.text.assessed.for.eligibility")},
        "studies": studies,
        "psychotherapies": groups("psychotherapy", therapy_labels, "control", "controls", control_labels),
        "controls": groups("control", control_labels, "psychotherapy", "psychotherapies", therapy_labels),
        "countries": _counted((s["country"] for s in studies), country_labels),
        "table": table_one(studies, comparisons),
        "excluded": [s for s in decided if s["status"] == "excluded"],
        "retracted": [s for s in decided if s["status"] == "retracted"],
        "robustness": robustness_context(table, reporting),
        "software": software_versions(),
        "counts": {
            "studies": len(studies),
            "comparisons": count_comparisons(comparisons),
            "effect_sizes": len(comparisons),
            "participants": round(sum(s["n_analysed"] or 0 for s in studies)),
            "trials_with_n": sum(1 for s in studies if s["n_analysed"] is not None),
            "first_year": min(years) if years else None,
            "last_year": max(years) if years else None,
            "low_risk": len(pooling.low_rob_trials(comparisons)),
            # effect sizes whose database score differs from the criteria their ratings meet, by trial
            "score_disagrees": score_disagreements(comparisons, studies),
            # effect sizes whose blinding the database codes "2", a code its description does not define
            "blinding_undefined": undefined_blinding(comparisons, studies),
            "post": sum(1 for c in comparisons if c["time"] == "post"),
            # effect sizes whose blinding the database codes "sr" (self-report) and counts as met
            "self_reported": sum(1 for c in comparisons if c.get("ba") == "sr"),
            # one comparison's instrument coded at the end of treatment more than once (at different weeks or not)
            "repeated_post": repeated_post(comparisons),
            # effect sizes at the end of treatment whose id names a follow-up (fu1, ...)
            "follow_up_ids": follow_up_ids(comparisons, studies),
            # effect sizes computed from a dichotomous outcome (remission, response), converted to g
            "dichotomous": dichotomous_outcomes(comparisons),
            # trials whose combined g exceeds the review's max_g (data/certainty.yaml)
            "large_effects": large_effects(pooling.post_comparisons(comparisons, included_keys), studies,
                                           evidence.get("certainty")),
            "adolescents": adolescent_trials(studies),
            "fractional_arms": fractional_arms(comparisons, {s["key"]: s["label"] for s in studies}),
            # pairs of included trials that may be two reports of one trial (same arms, an author in common)
            "possible_duplicates": possible_duplicates(studies, comparisons, evidence.get("references", {})),
            # arms that analyse more participants than were randomised to them (pooled as given)
            "oversized_arms": oversized_arms(comparisons, studies),
        },
    }


# The sections whose claims must follow the certainty of the evidence (livingreview.guards.claim_problems).
CLAIM_SECTIONS = ("abstract", "results", "discussion", "conclusion")


def claim_ratings(findings: list[dict]) -> tuple[dict[str, str], str | None]:
    """The ratings a claim is checked against (:func:`livingreview.guards.claim_problems`), from the summary
    of findings' rows as the templates receive them: each rated analysis by its label ("waiting list"),
    and the overall effect's certainty (None when it is not rated)."""
    rated = {f["label"]: f["certainty"] for f in findings}
    overall = next((f["certainty"] for f in findings if f["analysis"] == "overall"), None)
    return rated, overall


def _shared(groups: list[dict]) -> bool:
    """Whether a trial has effect sizes in more than one of *groups* (psychotherapies or control conditions)."""
    keys = [s["key"] for g in groups for s in g["studies"]]
    return len(keys) != len(set(keys))


def _subject(finding: dict) -> tuple[str, str]:
    """Who is compared with whom in a summary-of-findings row: (psychotherapy, comparator)."""
    if finding["analysis"] == "control":
        return "psychotherapies", finding["label"]
    if finding["analysis"] == "therapy":
        return finding["label"], "control conditions"
    return "psychotherapies", "control conditions"


def guarded_context(names: dict) -> dict:
    """*names* with what the templates need to word a finding no more strongly than its numbers and its
    certainty allow:

    - each summary-of-findings row (``robustness.findings``) gets ``not_assessed`` (the domains not
      assessed, with the reason: :func:`livingreview.certainty.not_assessed`) and ``claim``, the finding in
      GRADE's words for its certainty (:func:`livingreview.certainty.claim`; "" when its CI includes zero),
      and ``overstates``, the verb of a caveat that the pooled g overstates the effect, worded for its
      certainty too (:data:`livingreview.certainty.OVERSTATES`);
    - ``rated``: the rows by (analysis, level);
    - each conclusion statement gets ``finding``, the row of its analysis and level, on the last
      statement of a run about the same analysis and level (there its certainty is said), and ``rated``;
    - ``shared``: per subgroup analysis ("control", "therapy"), whether a trial counts in several subgroups;
    - ``too_small``: per subgroup analysis, the subgroups with fewer than
      :data:`livingreview.certainty.MIN_SUBGROUP_K` trials (``min_subgroup_k``): with any, the test of
      subgroup differences is not reported.
    """
    findings = []
    plural_therapies = plural_nouns(COMPARISONS_SCHEMA, "psychotherapy")
    for row in names["robustness"]["findings"]:
        subject, comparator = _subject(row)
        findings.append(dict(row, not_assessed=certainty.not_assessed(row["judgements"]),
                             overstates=certainty.OVERSTATES[row["certainty"]],
                             claim=certainty.claim(row["certainty"], subject, comparator,
                                                   singular=row["analysis"] == "therapy"
                                                   and row["code"] not in plural_therapies)
                             if printed_number(row["ci_low"]) > 0 else ""))
    rated = {(f["analysis"], f["code"]): f for f in findings}
    statements = names["conclusions"]
    conclusions = [dict(statement, rated=(statement["analysis"], statement["level"]) in rated,
                        finding=rated.get((statement["analysis"], statement["level"])) if last else None)
                   for statement, last in zip(statements, certainty_said(statements), strict=True)]
    pooled = names["pooled"]
    too_small = {name: [p["label"] for p in pooled[name].values() if p["k_int"] < certainty.MIN_SUBGROUP_K]
                 for name in ("control", "therapy")}
    return dict(names, robustness=dict(names["robustness"], findings=findings), rated=rated, conclusions=conclusions,
                shared={"control": _shared(names["controls"]), "therapy": _shared(names["psychotherapies"])},
                too_small=too_small, min_subgroup_k=certainty.MIN_SUBGROUP_K)
