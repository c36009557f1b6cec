"""Ordering of studies and the evidence guard of conclusion statements."""

import pytest
from livingreview.errors import DataError, EvidenceError, in_reading_order
from livingreview.kinds.narrative import conclusion_statements, cross_check_problems, narrative_order
from livingreview.tables import Table


def theme(name, order, statement="", conclusion_order=None, also=()):
    return {"theme": name, "order": order, "label": name.title(), "statement": statement,
            "conclusion_order": conclusion_order, "also_requires": list(also), "_row": order, "_line": order + 1}


def study(key, theme_name, row, status="included"):
    return {"key": key, "theme": theme_name, "status": status, "_row": row}


THEMES = [theme("b", 2, "B works.", 1, also=["c"]), theme("a", 1, "A works.", 2), theme("c", 3)]


def test_narrative_order_is_theme_order_then_row_order():
    studies = [study("x", "b", 1), study("y", "a", 2), study("z", "b", 3), study("w", "a", 4, "retracted")]
    assert [s["key"] for s in narrative_order(studies, THEMES)] == ["y", "x", "z"]


def test_statements_in_conclusion_order_with_their_support():
    included = [study("y", "a", 1), study("x", "b", 2), study("v", "c", 3)]
    statements = conclusion_statements(THEMES, included, "themes.csv")
    assert [s["statement"] for s in statements] == ["B works.", "A works."]
    assert statements[0]["studies"] == ["x", "v"]


@pytest.mark.parametrize("included, missing", [
    ([study("y", "a", 1), study("v", "c", 3)], 'theme "b"'),
    ([study("y", "a", 1), study("x", "b", 2)], 'theme "c"'),
])
def test_a_statement_without_its_evidence_stops_the_build(included, missing):
    with pytest.raises(EvidenceError) as caught:
        conclusion_statements(THEMES, included, "themes.csv")
    message = str(caught.value)
    assert '"B works."' in message and missing in message and "themes.csv, row 2" in message


def study_row(key, theme_name, row, status="included"):
    return dict(study(key, theme_name, row, status), _line=row + 1)


def places(problems):
    return [f"{p.file}, {p.where}" for p in problems]


def test_cross_checks_name_every_unknown_theme_and_key_of_sound_rows():
    studies = Table([study_row("x", "a", 1), study_row("y", "zz", 2), study_row("q", "a", 3)])
    themes = Table([theme("a", 1)])
    problems = cross_check_problems(studies, themes, {"x": None, "y": None}, "s.csv", "t.csv", "r.bib")
    assert places(problems) == ["s.csv, row 2 (line 3), column theme", "s.csv, row 3 (line 4), key q"]


def test_cross_checks_leave_out_what_other_problems_make_unsure():
    studies = Table([study_row("x", "zz", 1, status="inclded"), study_row("y", "zz", 2)], faulty={1})
    themes = Table([theme("a", 1)])
    # row 1 has its own problem: not checked; no bibliography read whole: no key checked
    assert places(cross_check_problems(studies, themes, None, "s.csv", "t.csv", "r.bib")) == [
        "s.csv, row 2 (line 3), column theme"]
    # a faulty themes row: an "unknown theme" might only be its misspelling
    assert cross_check_problems(studies, Table([theme("a", 1)], faulty={1}), None, "s", "t", "r") == []
    # nothing included only because of a faulty status is not reported
    excluded = Table([study_row("x", "a", 1, status="excluded"), study_row("y", "a", 2, status="inclded")],
                     faulty={2})
    assert cross_check_problems(excluded, themes, {"x": 1, "y": 1}, "s", "t", "r") == []
    excluded.faulty.clear()
    assert "no study has status" in cross_check_problems(excluded, themes, {"x": 1, "y": 1}, "s", "t", "r")[0].problem


def test_problems_are_listed_file_by_file_then_by_line():
    problems = [DataError("b.bib", "line 44, key k", "x", line=44), DataError("s.csv", "row 4 (line 5)", "x", line=5),
                DataError("s.csv", "row 2 (line 3)", "x", line=3), DataError("s.csv", None, "x"),
                DataError("t.csv", "row 1 (line 2)", "x", line=2)]
    assert places(in_reading_order(problems, ["t.csv", "s.csv", "b.bib"])) == [
        "t.csv, row 1 (line 2)", "s.csv, None", "s.csv, row 2 (line 3)", "s.csv, row 4 (line 5)", "b.bib, line 44, key k"]


def test_two_themes_in_the_same_place_are_named_together():
    from livingreview.kinds.narrative import same_order_problems

    problems = same_order_problems([theme("a", 1), theme("b", 2), dict(theme("c", 3), order=1)], "order", "t.csv")
    assert [str(p).split("\n")[0] for p in problems] == [
        't.csv, row 3 (line 4), column order: theme "c" has the same order (1) as theme "a" (row 1)']


def test_a_version_below_the_published_one_is_refused(tmp_path):
    from livingreview.stages.changes import check_version_order

    review = tmp_path / "review.yaml"
    review.write_text('title: T\nversion: "1.9.0"\n', encoding="utf-8")
    published = {"snapshot": {"version": "1.10.0"}}
    with pytest.raises(DataError) as caught:
        check_version_order(published, {"version": "1.9.0"}, str(review))
    assert caught.value.where == "line 2, key version" and 'lower than the published version "1.10.0"' in str(caught.value)
    check_version_order(published, {"version": "1.10.1"}, str(review))
    check_version_order(published, {"version": "draft"}, str(review))  # no order to compare: allowed


def test_the_methods_bibliography_is_read_with_the_bibliography_and_may_not_repeat_a_key(tmp_path):
    """livingreview.stages.evidence.read_references, which every kind's reading uses: the Methods' own
    bibliography (config methods_bibliography) when the kind has one, a key in both files a problem of
    the Methods' file at its line; no Methods' bibliography, no entries of it."""
    from livingreview.stages.evidence import read_references

    entry = "@article{{{key},\n  author = {{Doe, Jane}},\n  title = {{T}},\n  journal = {{J}},\n  year = {{2020}}\n}}\n"
    bibliography, methods = tmp_path / "references.bib", tmp_path / "methods.bib"
    bibliography.write_text(entry.format(key="a") + entry.format(key="b"), encoding="utf-8")
    methods.write_text(entry.format(key="m") + "\n" + entry.format(key="b"), encoding="utf-8")
    problems = []
    references, own, found = read_references({"bibliography": str(bibliography)}, ["a"], problems)
    assert sorted(references) == ["a", "b"] and own == {} and problems == found == []
    references, own, found = read_references({"bibliography": str(bibliography), "methods_bibliography": str(methods)},
                                             ["a"], problems)
    assert sorted(own) == ["b", "m"] and found == []
    assert [(p.file, p.where, p.line) for p in problems] == [(str(methods), "key b", 8)]
    assert f'"b" is also an entry of {bibliography}' in problems[0].problem
