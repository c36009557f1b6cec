"""Claims follow the certainty of the evidence (GRADE's wording), and participants are counted over the trials
that report them.

- :func:`livingreview.guards.claim_problems` on sentences written here;
- the render-time guard (the sections stage, through the kind's ``section_problems``): a template or a
  conclusion statement that words a claim for another certainty stops the build with a clear error;
- the built Metapsy review (the session build of tests/test_metapsy_review.py): every sentence of its
  Abstract, Results and Conclusion read against Table 4's ratings, and every count of participants
  against the trials that report them, counted here from data/comparisons.csv.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from in_process import evidence_and_synthesis
from livingreview import guards, kinds
from livingreview.errors import EvidenceError, TemplateError
from livingreview.project import template_folders
from livingreview.stages import sections
from livingreview.stages.synthesis import Results, read_results
from livingreview.templates import Templates
from test_metapsy_review import NAME, metapsy_built  # noqa: F401 - the fixture, shared with those tests

REVIEW = Path(__file__).resolve().parents[1] / NAME

KIND = kinds.get("meta-analysis")
RATED = {"waiting list": "very low", "care as usual": "low", "cognitive behavioural therapy": "very low",
         "other psychotherapies": "low", "interpersonal psychotherapy": "moderate"}


@pytest.mark.parametrize("sentence, rated, default, expected", [
    # A plain claim about a very-low-certainty overall effect (the 2.0.0 Results).
    ("Pooled over 480 trials, psychotherapies had a larger effect than the control conditions: g = 0.71.",
     RATED, "very low", ["had a larger effect"]),
    # Moderate wording where the rating is very low (the 2.0.0 Abstract and Conclusion).
    ("The pooled g of 0.71 probably overstates the benefit.", RATED, "very low", ["probably"]),
    ("Cognitive behavioural therapy, tested in 259 trials, had a larger pooled effect than control conditions.",
     RATED, "moderate", ["had a larger pooled effect"]),
    ("Against a waiting list, the pooled effect was large (g = 0.90).", RATED, "low", ["pooled effect was large"]),
    # A comparison of two analyses may claim no more than the lower rating (very low).
    ("Psychotherapies may reduce depressive symptoms more against care as usual than against a waiting list.",
     RATED, "low", ["may reduce"]),
    # Too weak is wrong too: a low rating says "may".
    ("The evidence is very uncertain about the effect of psychotherapies, compared with care as usual.",
     RATED, "very low", ["very uncertain"]),
    # Worded for the rating, or numbers only: no problem.
    ("Psychotherapies may reduce depressive symptoms more than care as usual at the end of treatment.",
     RATED, "very low", []),
    ("Interpersonal psychotherapy probably reduces depressive symptoms more than control conditions.",
     RATED, "very low", []),
    ("The pooled g of 0.71 could overstate the benefit: the trials at low risk of bias gave 0.56.", RATED,
     "very low", []),
    ("In the 182 trials at low risk of bias, g = 0.56 (0.48 to 0.64), smaller than the 0.71 of all trials.",
     RATED, "very low", []),
    # Not rated: nothing to check against.
    ("In these trials, psychotherapies reduced depressive symptoms more than control conditions.", {}, None, []),
])
def test_a_claim_is_worded_for_the_rating_of_what_it_is_about(sentence, rated, default, expected):
    problems = guards.claim_problems(sentence, rated, default)
    assert [re.search(r'says "([^"]+)"', p)[1] for p in problems] == expected
    for problem in problems:
        assert "certainty" in problem and "Table 4" in problem


# --- the guard at render time -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stage_files(tmp_path_factory) -> dict[str, str]:
    """The Metapsy review's evidence.json and synthesis.csv (with the result files beside it), written by
    the evidence and synthesis stages: what the sections stage reads."""
    evidence_json, synthesis_csv = evidence_and_synthesis(REVIEW, tmp_path_factory.mktemp("claims"))
    return {"evidence": str(evidence_json), "synthesis": str(synthesis_csv)}


@pytest.fixture(scope="module")
def base(stage_files) -> tuple[dict, Results]:
    """The evidence and the synthesis's results the sections stage reads."""
    return json.loads(Path(stage_files["evidence"]).read_text(encoding="utf-8")), read_results(stage_files["synthesis"])


def folders(first: Path | None = None) -> list[str]:
    """The Metapsy review's template folders (the review's, then the kind's defaults), *first* before them."""
    return ([str(first)] if first else []) + [
        str(f) for f in template_folders(REVIEW / "templates", kind_defaults=KIND.default_templates)]


def rendered(data: dict, results: Results, section: str, first: Path | None = None) -> tuple[str, dict]:
    """Section *section* rendered from *data* and *results*, with the names it was rendered from."""
    names = KIND.section_context(data, results)
    return Templates(folders(first)).render(f"sections/{section}.md.j2", **names), names


def test_the_committed_templates_and_statements_word_every_claim_for_its_certainty(base):
    data, results = base
    for section in KIND.sections:
        text, names = rendered(data, results, section)
        assert KIND.section_problems(section, text, names) == [], section


def test_a_template_that_words_a_claim_above_its_certainty_stops_the_sections_stage(stage_files, tmp_path):
    folder = tmp_path / "templates"
    (folder / "sections").mkdir(parents=True)
    text = (REVIEW.parents[1] / "templates" / KIND.default_templates / "sections" / "results.md.j2").read_text(encoding="utf-8")
    old = "{% if rated and rated.claim %}{{ rated.claim }} ({{ rated.certainty }} certainty, Table 4)."
    assert old in text
    (folder / "sections" / "results.md.j2").write_text(
        text.replace(old, "{% if rated and rated.claim %}Psychotherapies had a larger effect than the control "
                          "conditions."), encoding="utf-8")
    out = tmp_path / "results.md"
    with pytest.raises(TemplateError) as raised:
        sections.render(kind=KIND, section="results", evidence=stage_files["evidence"],
                        synthesis=stage_files["synthesis"], templates=folders(folder), out=str(out),
                        log=str(tmp_path / "log"))
    assert ('sections/results.md.j2: "Psychotherapies had a larger effect than the control conditions." says "had '
            'a larger effect", the wording of high certainty, but it is about the overall effect (very low): its '
            "claim must be worded for very low certainty (Table 4)") in str(raised.value)
    assert not out.exists()


def test_a_statement_that_claims_more_than_its_certainty_is_named_in_its_data_file(base):
    data, results = base
    edited = dict(data, conclusions=[dict(c, statement=c["statement"].replace(
        "the pooled g was {g}", "the pooled effect was large (g = {g})")) if c["id"] == "waiting-list" else c
        for c in data["conclusions"]])
    text, names = rendered(edited, results, "conclusion")
    problems = KIND.section_problems("conclusion", text, names)
    assert len(problems) == 1 and isinstance(problems[0], EvidenceError)
    assert str(problems[0]).startswith(f"{data['sources']['conclusions']}, statement waiting-list: \"Against a "
                                       "waiting list, the pooled effect was large")
    assert "the wording of high certainty, but it is about waiting list (very low)" in str(problems[0])


# --- the built review ---------------------------------------------------------------------------------

def table_four(markdown: str) -> dict[str, str]:
    """Table 4's ratings by the analysis as the text names it (lower case), read from the article."""
    table = markdown.split(": Table 4.")[1].split("\n\n")[1]
    ratings = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        name = cells[0].removesuffix(" (all controls)").lower()
        ratings["all trials" if name == "all control conditions" else name] = cells[5]
    return ratings


def claim_sections(markdown: str) -> str:
    """The Abstract, Results (tables apart) and Conclusion of the article."""
    parts = re.split(r"(?m)^# ", markdown)
    return "\n\n".join(p for p in parts if p.startswith(("Abstract", "Results", "Discussion", "Conclusion")))


def test_every_claim_of_the_built_review_follows_table_4(metapsy_built):  # noqa: F811
    markdown = (metapsy_built / NAME / "output" / "review.md").read_text(encoding="utf-8").replace("\\", "")
    ratings = table_four(markdown)
    assert ratings["all trials"] == "very low" and len(ratings) == 13
    text = claim_sections(markdown)
    overall = ratings.pop("all trials")
    assert guards.claim_problems(text, ratings, overall) == []
    # The claims the 2.0.0 release stated plainly are worded for their certainty now.
    assert ("The evidence is very uncertain about the effect of psychotherapies on depressive symptoms at the end "
            "of treatment, compared with control conditions (very low certainty, Table 4).") in text
    for plain in ("psychotherapies had a larger effect", "had a larger pooled effect", "pooled effect was large",
                  "pooled effect was moderate", "probably"):
        assert plain not in text, plain


def reporting(comparisons: list[dict], column: str | None) -> dict[str, int]:
    """The trials that report participants (an arm's n) among the post-treatment comparisons of each level
    of *column* (None: all trials), counted here from comparisons.csv."""
    found: dict[str, set] = {}
    for c in comparisons:
        if c["time"] == "post" and (c["n_arm1"] or c["n_arm2"]):
            found.setdefault(c[column] if column else "all", set()).add(c["key"])
    return {level: len(keys) for level, keys in found.items()}


def test_participants_are_paired_with_the_trials_that_report_them(metapsy_built):  # noqa: F811
    folder = metapsy_built / NAME
    markdown = (folder / "output" / "review.md").read_text(encoding="utf-8").replace("\\", "")
    with (folder / "data" / "comparisons.csv").open(encoding="utf-8", newline="") as handle:
        left_out = {d["key"] for d in csv.DictReader((folder / "data" / "decisions.csv").open(encoding="utf-8"))}
        comparisons = [c for c in csv.DictReader(handle) if c["key"] not in left_out]
    overall = reporting(comparisons, None)["all"]
    controls = reporting(comparisons, "control")
    assert overall == 470
    assert "(596 comparisons, 897 effect sizes; 54,334 participants in the 470 trials that report them)" in markdown
    assert "**All trials.** Pooled over 477 trials (54,334 participants in the 470 trials that report them): " in markdown
    assert f"pooled over 226 trials (27,752 participants in the {controls['cau']} trials that report them): " in markdown
    assert "| All trials | 477 | 54,334 (in 470 trials) |" in markdown
    assert f"| Care as usual | 226 | 27,752 (in {controls['cau']} trials) |" in markdown
    assert "Participants are summed over the trials that report them" in markdown
    # Each psychotherapy's paragraph: its participants over all of its trials, or over those that report them.
    labels = {"cbt": "Cognitive behavioural therapy", "3rd": "Third-wave therapy", "ipt": "Interpersonal psychotherapy",
              "dyn": "Psychodynamic therapy"}
    checked = 0
    for code, label in labels.items():
        members = [c for c in comparisons if c["psychotherapy"] == code]
        trials = {c["key"] for c in members}
        reported = {c["key"] for c in members if c["n_arm1"] or c["n_arm2"]}
        paragraph = markdown.split(f"**{label}.**")[1].split("\n")[0]
        said = re.search(r"effect sizes[;,] ([\d,]+) participants( in the (\d+) trials that report them)?\)", paragraph)
        assert said, label
        assert (int(said[3]) if said[2] else len(trials)) == len(reported), label
        checked += len(reported) < len(trials)
    assert checked >= 2  # cognitive behavioural therapy and interpersonal psychotherapy lack some
