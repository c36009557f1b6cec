"""The changes report of a meta-analytic review, checked against numbers computed apart from the pipeline.

- A held-out update: the published Metapsy release (version 2.0.0) edited by
  hand — a trial added, one removed, one whose effect size was corrected,
  one renamed (a new key and label, the same bibliography entry) — gives the right counts and
  the right drivers: each driver's "undone" estimate is recomputed with the
  independent implementation (tests/independent_meta.py).
- The committed report of the worked example (22.0.2 → 24.0.2): its summary
  agrees with the two releases' ``data.csv``, read and pooled here without
  the pipeline.
"""

from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path

import independent_meta
import pytest
from livingreview import kinds, pooling
from livingreview.stages.changes import report_markdown

ROOT = Path(__file__).resolve().parents[1]
METAPSY = ROOT / "examples" / "metapsy-depression"
TEMPLATES = [str(METAPSY / "templates"), str(ROOT / "templates" / "kinds" / "meta-analysis"), str(ROOT / "templates")]


def analysis_names() -> dict[str, tuple[str, str]]:
    """The summary's name of each analysis -> (analysis, level)."""
    from livingreview.meta_analysis import analysis_labels

    names = {"All trials": ("overall", "all")}
    for analysis, levels in analysis_labels().items():
        for level, label in levels.items():
            names[f"{'Control' if analysis == 'control' else 'Psychotherapy'}: {label}"] = (analysis, level)
    return names


def summary(markdown: str) -> str:
    """The report before its first folded section."""
    return markdown.split("<details")[0]


_ESTIMATE = re.compile(r"^- \*\*(?P<name>[^*]+)\*\*: g (?P<old>[^;]+?) → (?P<new>[^;]+?); τ² (?P<t_old>\S+) → (?P<t_new>\S+); "
                       r"(?P<k_old>\S+) → (?P<k_new>\S+) trials\.(?P<rest>(?:\n  - .*)*)$", re.MULTILINE)
_DRIVER = re.compile(r"(?P<change>added|removed|effect changed|moved in|moved out) \*(?P<label>[^*]+)\* \([^;]*; undone: "
                     r"g (?P<g>\S+), τ² (?P<tau2>[^)]+)\)")


def printed(value: float) -> str:
    """An independently computed number as the report prints it: as the synthesis table prints it (four
    decimals), then to the text's two (the text prints the table's number: τ² 0.384953 is 0.3850 there, 0.39
    in the text)."""
    return pooling.fixed(pooling.fixed(value, 4), 2)


def shown(row: dict) -> str:
    return f"{printed(row['g'])} ({printed(row['ci_low'])} to {printed(row['ci_high'])})"


def effects_by_trial(comparisons: list[dict], analysis: str, level: str) -> dict[str, tuple[float, float]]:
    """Each trial's combined effect in one analysis (the independent implementation), by trial."""
    column = {"control": "control", "therapy": "psychotherapy"}.get(analysis)
    trials: dict[str, list[dict]] = {}
    for c in comparisons:
        if c["time"] == "post" and (column is None or c[column] == level):
            trials.setdefault(c["key"], []).append(c)
    return {key: independent_meta.aggregate([float(c["g"]) for c in cs], [float(c["g_se"]) for c in cs])
            for key, cs in trials.items()}


def pooled(effects: dict[str, tuple[float, float]]) -> dict:
    keys = sorted(effects)
    return independent_meta.pool([effects[k][0] for k in keys], [effects[k][1] for k in keys])


# --- the held-out update ------------------------------------------------------------

@pytest.fixture(scope="module")
def held_out():
    """The published snapshot of version 2.0.0 and a copy edited by hand as version 2.1.0, with the report."""
    published = json.loads((METAPSY / "output" / "evidence.json").read_text(encoding="utf-8"))["snapshot"]
    new = copy.deepcopy(published)
    new["version"] = new["review"]["version"] = "2.1.0"
    comparisons = new["comparisons"]
    # Added: a new psychodynamic trial with a large effect.
    new["studies"]["heldout2025"] = dict(new["studies"]["fonagy2019"], key="heldout2025", label="Heldout, 2025",
                                         year=2025)
    new["references"]["heldout2025"] = {"type": "article", "author": ["Heldout, A."], "title": "A held-out trial",
                                        "journal": "J", "year": "2025", "doi": "10.9/heldout"}
    comparisons["heldout2025_post"] = {**next(c for c in comparisons.values() if c["key"] == "fonagy2019"),
                                       "id": "heldout2025_post", "key": "heldout2025", "label": "Heldout, 2025",
                                       "psychotherapy": "dyn", "control": "cau", "arm1": "", "arm2": "",
                                       "g": 2.5, "g_se": 0.2}
    # Removed: an interpersonal psychotherapy trial.
    removed = "sloane1985"
    del new["studies"][removed], new["references"][removed]
    for ident in [i for i, c in comparisons.items() if c["key"] == removed]:
        del comparisons[ident]
    # Corrected: one effect size of a psychodynamic trial.
    corrected = next(i for i, c in sorted(comparisons.items()) if c["key"] == "heshmati2023" and c["time"] == "post")
    comparisons[corrected] = dict(comparisons[corrected], g=0.4)
    # Renamed: the same trial (the same DOI) under a new key and label.
    old_key, new_key = "fonagy2015", "fonagy2015a"
    new["studies"][new_key] = dict(new["studies"].pop(old_key), key=new_key, label="Fonagy, 2015a")
    new["references"][new_key] = new["references"].pop(old_key)
    for ident, c in list(comparisons.items()):
        if c["key"] == old_key:
            comparisons[ident] = dict(c, key=new_key, label="Fonagy, 2015a")
    new["numbering"] = {(new_key if k == old_key else k): n for k, n in new["numbering"].items() if k != removed}
    included = [k for k, s in new["studies"].items() if s["status"] == "included"]
    new["synthesis"] = [pooling.table_row(row) for row in pooling.synthesis(list(comparisons.values()), included)]
    kind = kinds.get("meta-analysis")
    names = kind.compare(published, new)
    return published, new, names, report_markdown(names, TEMPLATES, kind.changes_template)


def test_a_held_out_update_gives_the_right_counts(held_out):
    _, _, names, markdown = held_out
    changes, meta = names["changes"], names["meta"]
    assert [s.key for s in changes.added] == ["heldout2025"]
    assert [s.key for s in changes.removed] == ["sloane1985"]
    assert [(r.old_key, r.new_key, r.reason) for r in meta.renamed] == [("fonagy2015", "fonagy2015a", "the same reference")]
    assert [(r.key, r.new_g) for r in meta.revisions] == [("heshmati2023", 0.4)]
    assert changes.revised == () and meta.not_revisions == ()
    assert "- **Trials:** 477 → 477: 1 [added](#trials-added), 1 [removed](#trials-removed), 0 retracted, " \
           "0 with a [revised record](#trials-revised) (data/studies.csv or references.bib); " \
           "1 [renamed](#trials-renamed)" in summary(markdown)
    assert ("The trial added was published in 2024 or later, after the previous search (until 1 January 2024), which "
            "could not have found it ([by year](#trials-added)). The database gives no reason for removing the trial "
            "no longer in it.") in summary(markdown)
    assert "In the trials of both versions, 1 [revised](#effect-sizes-revised) (g or its standard error changed, " \
           "its codes perhaps too), 0 [recoded]" in summary(markdown)


def test_a_held_out_update_gives_the_right_drivers(held_out):
    published, new, names, markdown = held_out
    old_comparisons = [dict(c, key="fonagy2015a" if c["key"] == "fonagy2015" else c["key"])
                       for c in published["comparisons"].values()
                       if published["studies"][c["key"]]["status"] == "included"]
    new_comparisons = [c for c in new["comparisons"].values() if new["studies"][c["key"]]["status"] == "included"]
    lines = {m["name"]: m for m in _ESTIMATE.finditer(summary(markdown)) if not m["name"].startswith("Sensitivity: ")}
    # Psychodynamic therapy moved by the added trial and the corrected one; interpersonal therapy by the removed one.
    dyn = lines["Psychotherapy: psychodynamic therapy"]
    assert [(d["change"], d["label"]) for d in _DRIVER.finditer(dyn["rest"])] == [
        ("added", "Heldout, 2025"), ("effect changed", "Heshmati, 2023")]
    # Each kind undone at once, named for what it counts: a trial whose effect changed is not a trial
    # "revised" (the Trials line's count of trials whose record changed: none here).
    assert "1 added, g " in dyn["rest"] and "1 trial whose effect changed, g " in dyn["rest"]
    assert "revised" not in dyn["rest"]
    ipt = lines["Psychotherapy: interpersonal psychotherapy"]
    assert [(d["change"], d["label"]) for d in _DRIVER.finditer(ipt["rest"])] == [("removed", "Sloane, 1985")]
    assert "Fonagy" not in dyn["rest"]  # a renamed trial is no change of the estimate
    keys = {"Heldout, 2025": "heldout2025", "Heshmati, 2023": "heshmati2023", "Sloane, 1985": "sloane1985"}
    checked = 0
    for name, match in lines.items():
        analysis, level = analysis_names()[name]
        old = effects_by_trial(old_comparisons, analysis, level)
        now = effects_by_trial(new_comparisons, analysis, level)
        assert match["new"] == shown(pooled(now)) and match["old"] == shown(pooled(old)), name
        for driver in _DRIVER.finditer(match["rest"]):
            key = keys[driver["label"]]
            undone = dict(now)
            if key in old:
                undone[key] = old[key]
            else:
                del undone[key]
            expected = pooled(undone)
            assert (driver["g"], driver["tau2"]) == (printed(expected["g"]), printed(expected["tau2"])), (name, driver[0])
            checked += 1
    assert checked >= 4


def conclusion_summary(published: dict, new: dict, old_words: str, new_words: str) -> str:
    """The summary's Conclusions line when the Conclusion's first paragraph of *new* says *new_words*
    where it said *old_words*."""
    edited = copy.deepcopy(new)
    first = next(p for p in edited["paragraphs"] if p["section"] == "Conclusion")
    assert old_words in first["text"]
    first["text"] = first["text"].replace(old_words, new_words)
    kind = kinds.get("meta-analysis")
    markdown = report_markdown(kind.compare(published, edited), TEMPLATES, kind.changes_template)
    return next(line for line in summary(markdown).splitlines() if line.startswith("- **Conclusions:**"))


def test_the_summary_sees_a_conclusion_paragraph_reworded_outside_the_statements(held_out):
    """A sentence of the Conclusion's first paragraph (no statement) worded otherwise is a rewording the
    summary states; a ranking that names another psychotherapy, or a tie that names two, is the data's change,
    not the words' (the report of version 2.0.0 called "behavioural activation" → "third-wave" a rewording);
    a paragraph whose numbers alone changed is named too, as such (the summary lists the paragraphs the
    detail shows)."""
    published, new, _, _ = held_out
    line = conclusion_summary(published, new, "is the most studied of", "is the most tested of")
    assert "Outside the statements, the Conclusion reads differently in paragraph 1 (reworded: its own words " \
           "changed, not only its numbers)" in line
    data = "paragraph 1 (its ranking or the data it names changed, not its own words)"
    assert data in conclusion_summary(published, new, "followed by third-wave therapy",
                                      "followed by behavioural activation therapy")
    assert data in conclusion_summary(published, new, "followed by third-wave therapy (48 trials)",
                                      "followed by behavioural activation therapy and third-wave therapy (48 trials "
                                      "each)")
    # a name with words of the authors' own: reworded
    assert "paragraph 1 (reworded: " in conclusion_summary(published, new, "followed by third-wave therapy",
                                                           "followed closely by behavioural activation therapy")
    line = conclusion_summary(published, new, "(258 trials)", "(259 trials)")
    assert "paragraph 1 (its numbers only)" in line


# --- the worked example, against the releases' data.csv ---------------------------------------

def release(name: str) -> list[dict]:
    """The comparisons of a vendored release's data.csv, read here (";" separated, decimal commas)."""
    path = METAPSY / "sources" / name / "data.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return [{"key": r["study"], "psychotherapy": r["condition_arm1"], "control": r["condition_arm2"],
             "time": r["time"], "g": float(r[".g"].replace(",", ".")), "g_se": float(r[".g_se"].replace(",", "."))}
            for r in rows]


def test_the_worked_examples_summary_agrees_with_the_two_releases_data():
    markdown = (METAPSY / "output" / "changes.md").read_text(encoding="utf-8")
    head = summary(markdown)
    assert len(head.splitlines()) <= 80
    # The trials the review's authors excluded (data/decisions.csv: Boele, 2021, Fissler, 2016 and Ng, 2013; the
    # last in both releases) are not the review's.
    labels = {s["key"]: s["label"] for s in csv.DictReader((METAPSY / "data" / "studies.csv").open(encoding="utf-8"))}
    left_out = {labels[d["key"]] for d in csv.DictReader((METAPSY / "data" / "decisions.csv").open(encoding="utf-8"))
                if d["key"] in labels}
    old, new = ([c for c in release(name) if c["key"] not in left_out] for name in ("22.0.2", "24.0.2"))
    old_trials, new_trials = {c["key"] for c in old}, {c["key"] for c in new}
    trials = re.search(r"- \*\*Trials:\*\* (\d+) → (\d+): (\d+) \[added\].*?, (\d+) \[removed\].*?; (\d+) \[renamed\]", head)
    assert (int(trials[1]), int(trials[2])) == (len(old_trials), len(new_trials)) == (414, 477)
    added, removed, renamed = int(trials[3]), int(trials[4]), int(trials[5])
    assert added + renamed == len(new_trials - old_trials) and removed + renamed == len(old_trials - new_trials)
    assert f"- **Effect sizes** (one comparison's Hedges' g on one instrument): {len(old)} → {len(new)}." in head
    # A sensitivity analysis selects its own trials: it is compared old → new, with no drivers of another analysis.
    for line in head.split("- **Sensitivity: ")[1:]:
        assert "Moved most by" not in line.split("\n- ")[0], line[:120]
    assert head.count("- **Sensitivity: ") == 5
    # release 22.0.2 gives no randomised numbers: the analysis without trials analysing more is new in 2.0.0
    assert ("- **Sensitivity: trials analysing more participants than randomised removed**: g — → 0.72 (0.66 to "
            "0.78); τ² — → 0.39; — → 462 trials.") in head
    lines = {m["name"]: m for m in _ESTIMATE.finditer(head) if not m["name"].startswith("Sensitivity: ")}
    assert len(lines) == 13
    checked = 0
    for name, match in lines.items():
        analysis, level = analysis_names()[name]
        before, after = pooled(effects_by_trial(old, analysis, level)), pooled(effects_by_trial(new, analysis, level))
        assert (match["old"], match["new"]) == (shown(before), shown(after)), name
        assert (match["t_old"], match["t_new"]) == (printed(before["tau2"]), printed(after["tau2"]))
        assert (int(match["k_old"]), int(match["k_new"])) == (before["k"], after["k"]), name
        # Each driver of a trial under the same label in both releases: its "undone" estimate, recomputed.
        old_effects, new_effects = effects_by_trial(old, analysis, level), effects_by_trial(new, analysis, level)
        for driver in _DRIVER.finditer(match["rest"]):
            label = driver["label"]
            if label not in old_trials | new_trials or (label in old_trials) != (driver["change"] != "added"):
                continue  # a renamed trial (its label differs between the releases)
            undone = dict(new_effects)
            if label in old_effects:
                undone[label] = old_effects[label]
            else:
                undone.pop(label, None)
            expected = pooled(undone)
            assert (driver["g"], driver["tau2"]) == (printed(expected["g"]), printed(expected["tau2"])), (name, driver[0])
            checked += 1
    assert checked >= 20


# --- the summary's counts against the detail below it ------------------------------------------

def heading_ids(markdown: str) -> set[str]:
    """The ids of the report's headings as pandoc makes them (lower case, spaces as hyphens, punctuation
    dropped) and of its <details> elements: what a summary link may point to."""
    ids = set(re.findall(r'<details id="([^"]+)"', markdown))
    for title in re.findall(r"(?m)^#+ (.+)$", markdown):
        ids.add(re.sub(r"[^\w\- ]", "", title.lower()).strip().replace(" ", "-"))
    return ids


def section(markdown: str, title: str) -> str:
    """The text under the heading *title*, to the next heading or the end of its folded part."""
    return re.split(r"(?m)^#+ |</details>", markdown.split(f"\n## {title}\n", 1)[1], maxsplit=1)[0]


def test_each_summary_count_is_what_the_detail_lists(held_out):
    """Every summary link leads to a section; each count of effect sizes is the number of entries its
    section lists (the recoded table's rows sum to the recoded effect sizes, an effect size recoded in two
    codes counted once); the Text line counts paragraphs and table rows as the detail shows them, the
    reference entries renumbered apart. An effect size recoded and revised at once is revised, with its
    codes; one of a trial of both versions added is listed."""
    published, new, _, _ = held_out
    edited = copy.deepcopy(new)
    comparisons = edited["comparisons"]
    post = sorted(i for i, c in comparisons.items() if c["time"] == "post" and c["control"] == "cau"
                  and c["key"] in published["studies"] and c["key"] != "heshmati2023")
    first, second, third, fourth = (comparisons[i] for i in post[:4])
    first.update(control="wl", instrument="phq-9-new")          # two codes recoded, one effect size
    second.update(control="wl")                                   # one code recoded
    third.update(control="wl", g=float(third["g"]) + 0.3)       # recoded and revised: a revision
    comparisons["extra_post"] = dict(fourth, id="extra_post", instrument="whodas", g=0.11)  # added
    included = [k for k, s in edited["studies"].items() if s["status"] == "included"]
    edited["synthesis"] = [pooling.table_row(row) for row in pooling.synthesis(list(comparisons.values()), included)]
    kind = kinds.get("meta-analysis")
    names = kind.compare(published, edited)
    markdown = report_markdown(names, TEMPLATES, kind.changes_template)
    head = summary(markdown)
    assert set(re.findall(r"\]\(#([^)]+)\)", head)) <= heading_ids(markdown)
    effects = re.search(r"(\d+) \[revised\]\(#effect-sizes-revised\).*?(\d+) \[recoded\].*?(\d+) \[added\].*?"
                        r"(\d+) \[removed\]", head)
    revised, recoded, added, removed = map(int, effects.groups())
    assert (revised, recoded, added, removed) == (2, 2, 1, 0)
    assert len(re.findall(r"(?m)^- ", section(markdown, "Effect sizes revised"))) == revised
    assert "Codes changed: control cau → wl." in section(markdown, "Effect sizes revised")
    rows = re.findall(r"(?m)^\| (?!Codes changed|:--)(.+) \| (\d+) \|$", section(markdown, "Effect sizes recoded"))
    assert sum(int(n) for _, n in rows) == recoded and len(rows) == 2
    assert "control cau → wl; instrument " in section(markdown, "Effect sizes recoded")
    listed = section(markdown, "Effect sizes added in trials of both versions")
    assert len(re.findall(r"(?m)^- ", listed)) == added and "whodas" in listed
    listed = section(markdown, "Effect sizes removed from trials of both versions")
    assert len(re.findall(r"(?m)^- ", listed)) == removed and listed.strip().endswith("None.")
    # The Text line: paragraphs and table rows (as the detail shows them), reference entries apart.
    text = next(line for line in head.splitlines() if line.startswith("- **Text**"))
    changes = names["changes"]
    detail = section(markdown, "Changed paragraphs")
    for kind_name, word in (("changed", "reworded"), ("added", "added"), ("removed", "removed"), ("moved", "moved")):
        n = sum(1 for p in changes.paragraphs if p.kind == kind_name and p.block != "reference")
        assert detail.count(f"** ({word}).") == n
        assert f" {n} {word}" in text if n or kind_name != "moved" else " moved" not in text
    assert changes.renumbered_references > 0 and f"{changes.renumbered_references} of them carried over" in text
    assert f"{changes.renumbered_only} differ only in their citation numbers" in text


def test_a_comparison_whose_arms_changed_sides_is_removed_and_added_in_the_worked_examples_report():
    """The worked example's two snapshots (22.0.2 → 24.0.2, the committed evidence.json): a comparison whose
    psychotherapy and control condition both changed (release 24.0.2 moved a trial's nondirective arm from
    the control side to the psychotherapy side, keeping the comparison's id) is another comparison, listed
    once as removed and once as added, never as revised; every effect-size count of the summary is the
    number of entries its section lists, and no arm still there under a new label is said to be gone."""
    published = json.loads((METAPSY / "output" / "evidence.json").read_text(encoding="utf-8"))
    old, new = published["baseline"], published["snapshot"]
    kind = kinds.get("meta-analysis")
    markdown = report_markdown(kind.compare(old, new), TEMPLATES, kind.changes_template)
    head = summary(markdown)
    def same_id(c: dict) -> tuple:  # the database reorders the parts of an id between releases
        return c["key"], tuple(sorted(c["id"].split("_")))

    before = {same_id(c): c for c in old["comparisons"].values()}
    moved = [(c["key"], c) for c in new["comparisons"].values() if same_id(c) in before
             and all(before[same_id(c)][f] != c[f] for f in ("psychotherapy", "control"))]
    assert moved, "the worked example has a comparison whose two sides changed under the same id"
    revised = section(markdown, "Effect sizes revised")
    added = section(markdown, "Effect sizes added in trials of both versions")
    removed = section(markdown, "Effect sizes removed from trials of both versions")
    for key, comparison in moved:
        label = new["studies"][key]["label"]
        side = f"{comparison['psychotherapy']} vs {comparison['control']}"
        assert f"**{label}** ({key}), {side}" not in revised
        assert f"**{label}** ({key}), {side}" in added
        assert re.search(rf"\*\*{re.escape(label)}\*\* \({key}\), (?!{re.escape(side)})", removed)
    counts = re.search(r"(\d+) \[revised\]\(#effect-sizes-revised\).*?(\d+) \[recoded\].*?(\d+) \[added\].*?"
                       r"(\d+) \[removed\]", head)
    n_revised, _, n_added, n_removed = map(int, counts.groups())
    assert len(re.findall(r"(?m)^- ", revised)) == n_revised
    assert len(re.findall(r"(?m)^- ", added)) == n_added
    assert len(re.findall(r"(?m)^- ", removed)) == n_removed
    assert (n_revised, n_added, n_removed) == (12, 6, 15)
    assert "has no arm cbt (ct) of" not in head  # that arm is recoded (cbt (ct) → cbt), not gone


def release_values(name: str, column: str) -> dict[str, set[str]]:
    """The values of a trial-level *column* in each trial's rows of a vendored release's data.csv, by label."""
    path = METAPSY / "sources" / name / "data.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    values: dict[str, set[str]] = {}
    for row in rows:
        value = row[column].replace(",", ".")
        values.setdefault(row["study"], set()).add(str(float(value)) if value not in ("", "NA") else "")
    return values


def test_a_trial_whose_rows_only_changed_order_is_not_revised_in_the_worked_examples_report():
    """Release 24.0.2 gives Choi, 2020b, Vazquez, 2020 and Moon, 2021 the same mean ages and shares of women
    as 22.0.2, in rows of another order: none is revised for them. Choi, 2020b's shares are given as fractions
    (67.7 and 73.3 became 0.67 and 0.73): a unit change, counted under "Not revisions"."""
    markdown = (METAPSY / "output" / "changes.md").read_text(encoding="utf-8")
    head = summary(markdown)
    # 36 in the report before: these 3, and Ritvo, 2021, whose reference the import now corrects (references.bib)
    assert ", 32 with a [revised record](#trials-revised)" in head
    assert "*percent\\_women* is given in another unit in 12 trials" in head
    revised = section(markdown, "Trials revised")
    for label in ("Choi, 2020b", "Vazquez, 2020", "Moon, 2021"):
        assert f"**{label}**" not in revised
    for column in ("mean_age", "percent_women"):
        old, new = release_values("22.0.2", column), release_values("24.0.2", column)
        shown = "*" + column.replace("_", "\\_") + "* (data/studies.csv)"
        listed = [line.split("**")[1] for line in revised.splitlines() if shown in line]
        assert all(old[label] != new[label] for label in listed), column


def test_the_trials_added_are_told_apart_by_their_year_of_publication_in_the_worked_examples_report():
    """Of the 77 trials added (Boele, 2021 and Fissler, 2016, new in 24.0.2, are excluded by the authors), those published before the previous search's date (1 January 2022) were not found
    by the new search: the report says how many, lists them apart, and says the database gives no reason for
    including them or for removing trials. Each trial is listed by the earlier of its years in the data and its
    reference, checked here against the committed snapshot."""
    published = json.loads((METAPSY / "output" / "evidence.json").read_text(encoding="utf-8"))
    old, new = published["baseline"], published["snapshot"]
    kind = kinds.get("meta-analysis")
    markdown = report_markdown(kind.compare(old, new), TEMPLATES, kind.changes_template)
    head = summary(markdown)
    assert ("Of the 77 trials added, 53 were published in 2022 or later, after the previous search (until 1 January "
            "2022), which could not have found them; 24 were published before 2022: older trials the "
            "database newly included ([by year](#trials-added)). The database gives no reason for including these 24 "
            "older trials or for removing the 14 trials no longer in it.") in head
    added = section(markdown, "Trials added")
    after, before = added.split("**Published before 2022, newly included** (24):")
    assert "**Published in 2022 or later, after the previous search** (53):" in after
    for part, expected in ((after, lambda y: min(y) >= 2022), (before, lambda y: min(y) < 2022)):
        keys = re.findall(r"(?m)^- \*\*[^*]+\*\* \(([^)]+)\)", part)
        assert keys and all(expected([int(new["studies"][k]["year"]), int(new["references"][k]["year"])])
                            for k in keys)
    assert len(re.findall(r"(?m)^- ", after)) == 53 and len(re.findall(r"(?m)^- ", before)) == 24
    assert "(sloane1985)" in before and "(saisanan2020)" in before and "(au2022)" in after
    assert "Saisanan, 2020 (2022 in the data, 2020 in the reference)" in added
    assert "The database no longer has the trials below, and it gives no reason." in section(markdown, "Trials removed")
