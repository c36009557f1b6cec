"""The evidence snapshot, its comparison and the changes report (pure functions)."""

from __future__ import annotations

import html
import json
import re

import pytest
from livingreview import kinds
from livingreview.citations import cite_marker
from livingreview.compare import (
    align,
    compare,
    compare_paragraphs,
    compare_studies,
    flatten,
    show_value,
    study_label,
    word_diff,
)
from livingreview.errors import DataError
from livingreview.project import SHARED_TEMPLATES
from livingreview.stages import changes as changes_stage
from livingreview.stages.changes import (
    article_paragraphs,
    choose_baseline,
    read_previous,
    report_markdown,
    republished_version,
)


def m(*keys: str) -> str:
    return cite_marker(list(keys))


# --- reading the article's syntax tree ---------------------------------------

ARTICLE = """---
title: 'T'
version: 1.0.0
---

# Introduction

First \\<finding\\> [@{a}].

Second *finding* [@{b}; @{a}] and [a link](#x) [@{a}; @{b}; @{c}].

Data that looks like a citation \\[1\\] or \\[\\@b\\] is text [@{c}].)

: Table 1. Studies.

| Ref. | Design |
|:-----|:-------|
| [@{b}] | trial \\| x |

# References

::: {#refs}
:::

::: {.back-matter}

**Version:** 1.0.0

:::
"""

REFERENCES = """references:
- {id: a, type: article-journal, title: Title, author: [{family: Author, given: A.}], container-title: Journal,
   volume: '1', issued: {date-parts: [[2020]]}}
- {id: b, type: book, title: B, issued: {date-parts: [[2021]]}}
- {id: c, type: book, title: C, issued: {date-parts: [[2022]]}}
"""


def formatted_tree(tmp_path, article: str, style: str = "seed") -> dict:
    """*article* (Markdown with pandoc citations) as the stage article formats it: its syntax tree after
    pandoc's citeproc with the built-in *style* and the entries a, b, c."""
    from livingreview.citeproc import formatted_article

    (tmp_path / "article.md").write_text(article, encoding="utf-8")
    (tmp_path / "references.yaml").write_text(REFERENCES, encoding="utf-8")
    return formatted_article(str(tmp_path / "article.md"), str(SHARED_TEMPLATES / "references" / f"{style}.csl"),
                             str(tmp_path / "references.yaml"), [str(SHARED_TEMPLATES / "pandoc" / "citeproc.yaml")],
                             str(tmp_path / "options.yaml"))


def test_article_paragraphs_keep_text_and_cite_keys(tmp_path):
    tree = formatted_tree(tmp_path, ARTICLE)
    assert changes_stage.citation_numbering(tree) == {"a": 1, "b": 2, "c": 3}
    assert article_paragraphs(tree) == [
        {"section": "Introduction", "text": f"First <finding> {m('a')}."},
        {"section": "Introduction", "text": f"Second finding {m('a', 'b')} and a link {m('a', 'b', 'c')}."},
        {"section": "Introduction", "text": f"Data that looks like a citation [1] or [@b] is text {m('c')}.)"},
        {"section": "Introduction", "text": "Table 1. Studies."},
        {"section": "Introduction", "text": "| Ref. | Design |", "id": "row:Table 1:Ref."},
        {"section": "Introduction", "text": f"| {m('b')} | trial | x |", "id": f"row:Table 1:{m('b')}"},
        {"section": "References", "text": f'{m("a")} A. Author. "Title." Journal 1 (2020).', "id": "ref:a"},
        {"section": "References", "text": f'{m("b")} "B." (2021).', "id": "ref:b"},
        {"section": "References", "text": f'{m("c")} "C." (2022).', "id": "ref:c"},
        {"section": "Back matter", "text": "Version: 1.0.0", "id": "Version"},
    ]


def test_citations_formatted_by_an_author_date_style_become_one_marker_of_their_keys(tmp_path):
    tree = formatted_tree(tmp_path, "# Introduction\n\nShown twice [@{a}; @{b}], once [@{c}].\n\n"
                                    "# References\n\n::: {#refs}\n:::\n", style="apa")
    paragraphs = article_paragraphs(tree)
    assert paragraphs[0] == {"section": "Introduction", "text": f"Shown twice {m('a', 'b')}, once {m('c')}."}
    assert paragraphs[1]["text"].startswith(f"{m('a')} Author, A. (2020).")


def test_a_numbered_citation_names_its_keys_in_sorted_order_whatever_their_numbers(tmp_path):
    tree = formatted_tree(tmp_path, "Both [@{c}; @{a}].\n")
    assert article_paragraphs(tree)[0] == {"section": "", "text": f"Both {m('a', 'c')}."}


# --- the baseline --------------------------------------------------------------

def published(version: str, baseline: dict | None = None, **extra) -> dict:
    return {"format": 1, "snapshot": {"version": version, **extra}, "baseline": baseline}


def test_first_build_has_no_baseline():
    assert choose_baseline(None, {"version": "1.0.0"}) is None


def test_a_new_version_is_compared_with_the_published_release():
    previous = published("1.0.0", {"version": "0.9"}, x=1)
    assert choose_baseline(previous, {"version": "1.1.0", "x": 2}) == previous["snapshot"]


def test_the_same_version_keeps_its_baseline_so_a_rebuild_reproduces_the_report():
    previous = published("1.1.0", {"version": "1.0.0", "x": 0}, x=1)
    assert choose_baseline(previous, {"version": "1.1.0", "x": 1}) == {"version": "1.0.0", "x": 0}
    assert choose_baseline(previous, {"version": "1.1.0", "x": 2}) == {"version": "1.0.0", "x": 0}


def test_the_first_release_rebuilt_or_edited_has_no_baseline():
    previous = published("1.0.0", None, x=1)
    assert choose_baseline(previous, {"version": "1.0.0", "x": 1}) is None
    assert choose_baseline(previous, {"version": "1.0.0", "x": 2}) is None


def test_republishing_a_version_with_other_evidence_is_noticed():
    previous = {"snapshot": {"version": "1.0.0", "studies": 1}, "baseline": None}
    assert republished_version(previous, {"snapshot": {"version": "1.0.0", "studies": 2}}) == "1.0.0"
    assert republished_version(previous, {"snapshot": {"version": "1.0.0", "studies": 1}}) is None
    assert republished_version(previous, {"snapshot": {"version": "1.1.0", "studies": 2}}) is None
    assert republished_version(None, {"snapshot": {"version": "1.0.0", "studies": 2}}) is None
    # another reference style or template renders the same evidence differently: not a new release
    assert republished_version(previous, {"snapshot": {"version": "1.0.0", "studies": 1, "paragraphs": ["x"]}}) is None


def test_read_previous(tmp_path):
    path = tmp_path / "evidence.json"
    assert read_previous(path) is None
    path.write_text(json.dumps(published("1.0.0")), encoding="utf-8")
    assert read_previous(path)["snapshot"]["version"] == "1.0.0"
    for text in ("{not json", json.dumps({"format": 99, "snapshot": {}, "baseline": None}), "[]"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DataError, match="evidence.json") as error:
            read_previous(path)
        assert "git checkout" in str(error.value)


# --- comparing two snapshots ---------------------------------------------------

def study(key: str, status: str = "included", theme: str = "t1", **fields) -> dict:
    return {"key": key, "theme": theme, "status": status, "design": "cohort-study", "description": f"{key} found.",
            **fields}


def reference(family: str, year: str = "2020", **fields) -> dict:
    return {"type": "article", "author": [f"{family}, A.", "Other, B.", "Third, C."], "title": f"On {family}",
            "year": year, **fields}


def snapshot(version: str, studies: list[dict], paragraphs: list[str] | None = None, refs: dict | None = None,
             themes: dict | None = None, review: dict | None = None) -> dict:
    included = [s["key"] for s in studies if s["status"] == "included"]
    references = {s["key"]: reference(s["key"].capitalize()) for s in studies}
    references.update(refs or {})
    return {
        "version": version,
        "review": review or {"title": "A review", "version": version},
        "themes": themes or {"t1": {"theme": "t1", "label": "Theme one", "statement": ""}},
        "studies": {s["key"]: s for s in studies},
        "references": references,
        "numbering": {key: n for n, key in enumerate(included, start=1)},
        "paragraphs": [{"section": "Introduction", "text": t} for t in (paragraphs or [])],
        "sources": {"studies": "data/studies.csv", "themes": "data/themes.csv", "review": "data/review.yaml",
                    "bibliography": "references.bib"},
    }


def keys(changes) -> list[str]:
    return [c.key for c in changes]


def test_studies_are_added_removed_retracted_and_revised():
    old = snapshot("1", [study("a"), study("b"), study("c"), study("d"), study("e", "excluded"), study("f"),
                         study("g", "excluded")])
    new = snapshot("2", [study("a"), study("b", "retracted"), study("c", "excluded"),
                         study("d", description="d found more."), study("e"), study("h"),
                         study("i", "retracted"), study("g", "excluded", description="edited")],
                   refs={"a": reference("A", year="2021")})
    groups = compare_studies(old, new)
    assert keys(groups["added"]) == ["e", "h"]
    assert keys(groups["retracted"]) == ["b", "i"]
    assert keys(groups["removed"]) == ["c", "f"]
    assert [(c.status, c.old_number, c.new_number) for c in groups["removed"]] == [("excluded", 3, None),
                                                                                  ("deleted", 5, None)]
    assert keys(groups["revised"]) == ["a", "d"]
    revised = {c.key: c.fields for c in groups["revised"]}
    assert [(f.source, f.field, f.old, f.new) for f in revised["a"]] == [("references.bib", "year", "2020", "2021")]
    assert [(f.field, f.old, f.new) for f in revised["d"]] == [("description", "d found.", "d found more.")]
    assert groups["retracted"][0].old_number == 2 and groups["retracted"][0].new_number is None


def test_study_label():
    assert study_label({"author": ["van Aert, R."], "year": "2020"}) == "van Aert 2020"
    assert study_label({"author": ["Lindqvist, Å.", "Nyström, E."], "year": "2025"}) == "Lindqvist and Nyström 2025"
    assert study_label(reference("Johnsen", "2023")) == "Johnsen et al. 2023"
    assert study_label({"title": "Guideline", "year": "2019"}) == "Guideline 2019"


def test_flatten_nested_metadata():
    assert flatten({"dates": {"published": "2025-12-29"}, "authors": [{"family": "Berg"}], "tags": ["a", "b"]}) == {
        "dates.published": "2025-12-29", "authors.0.family": "Berg", "tags": "a; b"}


def test_a_study_inserted_in_the_middle_adds_paragraphs_and_renumbers_the_rest():
    old = snapshot("1", [study("a"), study("c")], [f"A text {m('a')}.", f"C text {m('c')}.", f"All {m('a', 'c')}."])
    new = snapshot("2", [study("a"), study("b"), study("c")],
                   [f"A text {m('a')}.", f"B text {m('b')}.", f"C text {m('c')}.", f"All {m('a', 'b', 'c')}."])
    paragraphs, renumbered = compare_paragraphs(old, new)
    # The summary's words did not change, only the studies it cites: counted and named, not diffed.
    assert [(p.kind, p.position, p.cites) for p in paragraphs] == [("added", 2, ("b",)), ("cites", 4, ("b",))]
    assert [(s.op, s.text) for s in paragraphs[0].segments] == [("insert", "B text [2].")]
    assert paragraphs[1].segments == () and paragraphs[1].cites_added == ("b",) and paragraphs[1].cites_removed == ()
    assert renumbered == (1, 0)  # "C text [2]." became "C text [3]." (a paragraph, no reference entry)


def test_a_reworded_paragraph_is_a_word_diff_and_a_vanished_one_is_removed():
    old = snapshot("1", [study("a"), study("b")], [f"Alpha beta gamma delta {m('a')}.", "Gone entirely now."])
    new = snapshot("2", [study("a"), study("b")], [f"Alpha beta GAMMA delta {m('a')}."])
    paragraphs, renumbered = compare_paragraphs(old, new)
    assert [(p.kind, p.cites) for p in paragraphs] == [("changed", ("a",)), ("removed", ())]
    assert [(s.op, s.text) for s in paragraphs[0].segments] == [
        ("equal", "Alpha beta"), ("delete", "gamma"), ("insert", "GAMMA"), ("equal", "delta [1].")]
    assert renumbered == (0, 0)


def test_the_order_of_the_keys_in_one_citation_is_not_a_change_of_wording():
    old = snapshot("1", [study("a"), study("b")], [f"Both {m('b', 'a')}."])
    new = snapshot("2", [study("a"), study("b")], [f"Both {m('a', 'b')}."])
    assert compare_paragraphs(old, new) == ((), (0, 0))


def test_word_diff_shows_old_numbers_for_removed_words():
    segments = word_diff(f"x {m('a')}.", f"x {m('b')}.", {"a": 4}, {"b": 4})
    assert [(s.op, s.text, s.keys) for s in segments] == [("equal", "x", ()), ("delete", "[4].", ("a",)),
                                                         ("insert", "[4].", ("b",))]


def test_align_pairs_similar_paragraphs_in_order():
    old = ["one two three four", "five six seven eight"]
    new = ["brand new text here", "one two three FOUR", "five six seven eight nine"]
    assert align(old, new) == [(None, 0), (0, 1), (1, 2)]
    assert align(["a b c d"], ["w x y z"]) == [(0, None), (None, 0)]


# --- the report ----------------------------------------------------------------

def to_markdown(changes) -> str:
    return report_markdown({"changes": changes}, [SHARED_TEMPLATES])


def test_first_release_report():
    changes = compare(None, snapshot("1.0.0", [study("a")]))
    text = to_markdown(changes)
    assert text.startswith("# Changes in version 1.0.0\n")
    assert "first release" in text and "It cites 1 study." in text


def test_report_names_versions_studies_numbers_and_paragraphs():
    old = snapshot("1.0.0", [study("a"), study("b"), study("c")], [f"B says {m('b')}.", f"C says {m('c')}."])
    new = snapshot("1.1.0", [study("a", description="a found less."), study("b", "retracted"), study("c")],
                   [f"C says {m('c')}."])
    text = to_markdown(compare(old, new))
    assert text.startswith("# Changes from version 1.0.0 to version 1.1.0\n")
    assert "- **B et al. 2020** (b), “On B”, theme: Theme one. Retracted: removed from the text and the " \
           "reference list. Was reference 2." in text
    assert ("- **A et al. 2020** (a), “On A”, theme: Theme one. Reference 1.\n  - *description* (data/studies.csv)\n"
            "    - old: ~~a found.~~\n    - new: **a found less.**") in text
    assert "| C et al. 2020 | c | 3 | 2 |" in text and "| B et al. 2020 | b | 2 | — |" in text
    assert "**Introduction, paragraph 1** (removed). Cites: b (was \\[2\\]).\n\n> ~~B says \\[2\\].~~" in text
    assert "1 more paragraph differs only in its citation numbers" in text
    assert "Note:" not in text


def test_report_says_how_each_study_left():
    old = snapshot("1", [study("a"), study("b"), study("c"), study("d", "excluded")])
    new = snapshot("2", [study("a"), study("b", "excluded"), study("d", "retracted")])
    text = to_markdown(compare(old, new))
    assert "## Studies removed\n\n- **B et al. 2020** (b), “On B”, theme: Theme one. Now excluded: removed from " \
           "the text and the reference list. Was reference 2.\n- **C et al. 2020** (c), “On C”, theme: Theme one. " \
           "Deleted from the study dataset: removed from the text and the reference list. Was reference 3.\n" in text
    assert "## Studies retracted\n\n- **D et al. 2020** (d), “On D”, theme: Theme one. Retracted; it was not in " \
           "the previous version.\n" in text


HOSTILE = '<script>alert(1)</script> *bold* [link](http://x) # `code` &amp; | ~~s~~'


def test_report_text_from_data_is_escaped_in_markdown_and_html(tmp_path):
    old = snapshot("1.0.0", [study("a")], [f"Plain {m('a')}."])
    new = snapshot("1.1.0", [study("a", description=HOSTILE), study("b")], [f"{HOSTILE} {m('a')}."],
                   refs={"b": reference("Evil", title=HOSTILE)})
    new["review"]["title"] = HOSTILE
    published = tmp_path / "evidence.json"
    published.write_text(json.dumps({"format": 1, "snapshot": new, "baseline": old}), encoding="utf-8")
    pandoc_folder = SHARED_TEMPLATES / "pandoc"
    changes_stage.report(kind=kinds.get("narrative"), snapshot=str(published), templates=[str(SHARED_TEMPLATES)],
                         defaults=str(pandoc_folder / "changes.yaml"),
                         template=str(SHARED_TEMPLATES / "changes" / "template.html"),
                         variables=str(tmp_path / "variables.yaml"), markdown=str(tmp_path / "changes.md"),
                         html=str(tmp_path / "changes.html"), log=str(tmp_path / "log"))
    page = (tmp_path / "changes.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<code>" not in page and 'href="http://x"' not in page
    body = page.split("<body>")[1]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())
    # the title, the new title among the metadata revised, the title of study b, the new finding, the paragraph
    assert text.count(HOSTILE) == 5
    assert page.count("<title>") == 1 and "<title>Changes from version 1.0.0 to version 1.1.0: &lt;script&gt;" in page


def test_paragraphs_are_paired_by_the_studies_they_cite_in_linear_time():
    from livingreview.compare import anchors, longest_increasing

    before = [{"section": "S", "text": t} for t in (f"a {m('a')}.", "framing.", f"b {m('b')}.", f"c {m('c')}.")]
    after = [{"section": "S", "text": t} for t in (f"c {m('c')}.", f"a {m('a')}!", "framing!", f"b {m('b')}.")]
    assert anchors(before, after) == [(0, 1), (2, 3)]  # c moved: not an anchor of this order
    assert longest_increasing([(0, 3), (1, 1), (2, 2), (3, 0), (4, 5)]) == [(1, 1), (2, 2), (4, 5)]


def test_a_large_update_is_compared_paragraph_by_paragraph_not_each_with_every_other():
    """Every paragraph reworded: pairs found by their citations, one word diff each (comparing each
    paragraph with every other would take hours at this size)."""
    n = 3000
    old = snapshot("1", [study(f"s{i}") for i in range(n)], [f"Finding of s{i} {m(f's{i}')}." for i in range(n)])
    new = snapshot("2", [study(f"s{i}") for i in range(n)], [f"Result of s{i} {m(f's{i}')}." for i in range(n)])
    paragraphs, renumbered = compare_paragraphs(old, new)
    assert [p.kind for p in paragraphs] == ["changed"] * n and renumbered == (0, 0)
    assert [(s.op, s.text) for s in paragraphs[7].segments] == [("delete", "Finding"), ("insert", "Result"),
                                                               ("equal", "of s7 [8].")]


def test_a_whole_number_from_a_number_column_is_shown_without_decimals():
    """pandas reads a number column with blanks as decimals: 38.0 is reported as 38, 38.5 as it is."""
    assert [show_value(v) for v in (38.0, 38.5, 0.71, None, 7, [1.0, "a"])] == ["38", "38.5", "0.71", "", "7", "1; a"]


def test_paragraphs_with_an_id_are_matched_by_it_moved_renamed_and_never_with_another():
    def about(subject: str, text: str) -> dict:
        return {"section": "Description", "id": subject, "text": f"{subject}. {text}"}

    old = snapshot("1", [study(k) for k in "abcde"], [])
    new = snapshot("2", [study(k) for k in "abcde"], [])
    old["paragraphs"] = [about("Alpha", f"Tested in 3 trials {m('a')}."), about("Beta", f"Tested in 4 trials {m('b')}."),
                         about("Gamma", f"Tested in 5 trials {m('c')}."), about("Eta", f"Tested in 6 trials {m('e')}.")]
    new["paragraphs"] = [about("Beta", f"Tested in 7 trials {m('b')}."), about("Gamma rays", f"Tested in 5 trials {m('c')}."),
                         about("Alpha", f"Tested in 3 trials {m('a')}."), about("Eta", f"Tested in 6 trials {m('d', 'e')}."),
                         about("Delta", f"Tested in 3 trials {m('d')}.")]
    paragraphs, _ = compare_paragraphs(old, new)
    assert [(p.kind, p.subject, p.old_subject) for p in paragraphs] == [
        ("changed", "Beta", ""), ("renamed", "Gamma rays", "Gamma"), ("moved", "Alpha", ""), ("cites", "Eta", ""),
        ("added", "Delta", "")]
    assert [(s.op, s.text) for s in paragraphs[0].segments] == [("equal", "Beta. Tested in"), ("delete", "4"),
                                                               ("insert", "7"), ("equal", "trials [2].")]
    assert paragraphs[3].cites_added == ("d",) and paragraphs[3].segments == ()
    text = to_markdown(compare(old, new))
    assert "**Description, Gamma rays** (renamed from “Gamma”)." in text
    assert "- Description, Eta: now also cites D et al. 2020." in text
    assert text.split("<details")[0].count("\n") < 20  # the summary, then the folded detail
