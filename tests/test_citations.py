"""Citations as the templates write them (pandoc citations) and as the snapshot records them."""

import copy

import pytest
from livingreview.citations import (
    cite_marker,
    cited_keys,
    compress_numbers,
    format_numbers,
    map_citations,
    pandoc_citation,
)
from livingreview.templates import cite, with_citation


def test_a_citation_is_a_pandoc_citation_with_braced_keys():
    assert pandoc_citation(["smith2020"]) == "[@{smith2020}]"
    assert pandoc_citation(["b", "a"]) == "[@{b}; @{a}]"
    assert pandoc_citation(["doi:10.1/x_y"]) == "[@{doi:10.1/x_y}]"


@pytest.mark.parametrize("key", ["", "two words", "brace}", "{brace", "tab\tkey", "\ue000x"])
def test_a_key_that_cannot_be_cited_is_refused(key):
    with pytest.raises(ValueError, match="not a citation key"):
        pandoc_citation([key])


def test_a_citation_needs_a_key():
    with pytest.raises(ValueError):
        pandoc_citation([])


def test_the_filters_cite_studies_and_escape_the_text():
    study = {"key": "smith2020"}
    assert cite([study, "jones2021"]) == "[@{smith2020}; @{jones2021}]"
    assert with_citation("It works [@other] for @key.", study) == r"It works \[\@other\] for \@key [@{smith2020}]."


def test_the_snapshot_notation_keeps_keys_order_and_repeats():
    text = f"a {cite_marker(['b', 'a'])} c {cite_marker(['b'])}"
    assert cited_keys(text) == ["b", "a", "b"]
    assert map_citations(text, lambda keys: "+".join(keys)) == "a b+a c b"


@pytest.mark.parametrize("numbers, runs", [
    ([1], [(1, 1)]),
    ([3, 1, 2, 5], [(1, 3), (5, 5)]),
    ([2, 2, 5], [(2, 2), (5, 5)]),
])
def test_compress_numbers(numbers, runs):
    assert compress_numbers(numbers) == runs


@pytest.mark.parametrize("numbers, text", [
    ([1], "1"),
    ([2, 5], "2,5"),
    ([1, 2], "1,2"),
    ([6, 3, 4, 5], "3-6"),
    ([1, 3, 4, 5, 9], "1,3-5,9"),
])
def test_format_numbers_as_the_changes_report_shows_them(numbers, text):
    assert format_numbers(numbers) == text


# --- only templates cite: data that looks like a citation is printed as text (stages article and sections) ---

HOSTILE = "Tricky [@olsen2023], [@{solberg2022}], @key, @{key} and \ue000andersen2022\ue001 text."


def test_data_that_looks_like_a_citation_is_printed_as_text(tmp_path):
    """A study's sentence and a reference's title holding pandoc citation syntax or the snapshot's
    private-use notation: the sections and the article print them character for character; the only
    citations of the article (Cite nodes) are the ones the templates wrote."""
    import json

    from conftest import copy_project
    from in_process import run_stages, working_directory
    from livingreview import kinds, pandoc
    from livingreview.citeproc import citations, cited_keys, entry_texts, numbered_article
    from livingreview.project import SECTIONS
    from livingreview.stages import article, sections

    project = copy_project(tmp_path / "project")
    run_stages(project, formats_too=False)
    build = project / "build"
    clean = json.loads((build / "review.json").read_text(encoding="utf-8"))
    evidence = json.loads((build / "evidence.json").read_text(encoding="utf-8"))
    first = evidence["studies"][0]
    first["introduction"] = HOSTILE
    evidence["references"]["johnsen2023"]["fields"]["title"] = HOSTILE
    (build / "evidence.json").write_text(json.dumps(evidence), encoding="utf-8")
    templates = [str(project / "templates")]
    with working_directory(project):
        for section in SECTIONS:
            sections.render(kind=kinds.get("narrative"), section=section, evidence="build/evidence.json",
                            synthesis=None, templates=templates, out=f"build/sections/{section}.md", log="build/log")
        article.assemble(evidence="build/evidence.json", sections=[f"build/sections/{s}.md" for s in SECTIONS],
                         templates=templates, style="templates/references/seed.csl", name="seed",
                         defaults={"citeproc": "templates/pandoc/citeproc.yaml"}, ast="build/review.json",
                         citeproc="build/citeproc", log="build/log")
        article.markdown(ast="build/review.json", cited="build/citeproc/article.md",
                         defaults="templates/pandoc/markdown.yaml", out="build/review.md", log="build/log")
    tree = json.loads((build / "review.json").read_text(encoding="utf-8"))
    assert citations(tree) == citations(clean) and cited_keys(tree) == cited_keys(clean)
    shown = pandoc.plain([inline for block in numbered_article(copy.deepcopy(tree))["blocks"] if block["t"] == "Para"
                          for inline in block["c"]])
    assert HOSTILE[:-1] in shown  # the study's sentence, as it is (its full stop after the citation)
    assert HOSTILE in entry_texts(tree)["johnsen2023"]  # the reference's title, as it is
    markdown = (build / "review.md").read_text(encoding="utf-8")
    assert "\\[\\@olsen2023\\]" in markdown and "\\@key" in markdown and "\\@\\{key\\}" in markdown
    assert "[@" not in markdown.replace("\\[\\@", "")
