"""Citeproc's work reused across builds (livingreview.citeproc_cache, stage article).

An edit that changes no citation (a finding, an effect size) is served from
the cache, citeproc not run; the article's syntax tree (review.json) is then
the same bytes as citeproc makes without the cache, and so are review.md and
review.html, which are written from it and from nothing citeproc makes.
Shown for both reviews and the built-in styles, a superscript style (whose
citations are set against the word before them) and a style whose
citations end with a full stop (pandoc drops the one after them); a note
style is never served from the cache.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import copy_project
from in_process import run_stages, working_directory
from livingreview import citeproc_cache, kinds
from livingreview.citeproc import citations_joined
from livingreview.config import read_file as read_config_file
from livingreview.stages import article, formats

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
AMA = str(ROOT / "tests" / "fixtures" / "csl" / "american-medical-association.csl")
# An in-text style whose citations end with a full stop ("see Title."), and a note style.
STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="{kind}" version="1.0">
  <info><title>{kind}</title><id>https://example.org/{kind}</id><updated>2024-01-01T00:00:00+00:00</updated></info>
  <citation><layout prefix="see " suffix="."><text variable="title"/></layout></citation>
  <bibliography><layout><text variable="title"/></layout></bibliography>
</style>
"""


def no_citeproc(*args, **kwargs):
    raise AssertionError("citeproc ran, though the cache holds the article's citations")


def assemble(review: Path, sections: Path, style: str, out: Path, cache: Path | None) -> bytes:
    """Run the stage article in *review* with the sections in *sections*, its syntax tree written to *out*
    (what citeproc read beside it, in ``citeproc-<name>``); the bytes of *out*."""
    kind = kinds.get(read_config_file(review).get("kind", "narrative"))
    folders = [str(folder) for folder in (review / "templates", TEMPLATES) if folder.is_dir()]
    style_file = style if style.endswith(".csl") else str(TEMPLATES / "references" / f"{style}.csl")
    with working_directory(review):
        article.assemble(evidence="build/evidence.json", sections=[str(sections / f"{s}.md") for s in kind.sections],
                         templates=folders, style=style_file, name=style,
                         defaults={"citeproc": str(TEMPLATES / "pandoc" / "citeproc.yaml")}, ast=str(out),
                         citeproc=str(out.parent / f"citeproc-{out.stem}"), log=str(out.parent / "log"),
                         cache=str(cache) if cache else None)
    return out.read_bytes()


def edit(sections: Path) -> None:
    """A change of text that changes no citation: a number in a section, and a citation's first one set on
    a new line (a soft break before it, which a superscript style drops)."""
    for path in sorted(sections.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if " [@{" in text:
            path.write_text(text.replace(" [@{", "\n[@{", 1) + "\nAn edited sentence: 0.42.\n", encoding="utf-8")
            return
    raise AssertionError("no section cites")


def check_reuse(review: Path, style: str, tmp_path: Path, monkeypatch, cache: Path | None = None) -> bytes:
    """A build that fills the *cache* (unless given filled), an edit that changes no citation, then that
    article with the cache (citeproc not run) and without it: asserted to be the same bytes (review.json, and
    what citeproc read); the bytes of review.json."""
    sections = tmp_path / "sections"
    shutil.copytree(review / "build" / "sections", sections)
    if cache is None:
        cache = tmp_path / "cache"
        assemble(review, sections, style, tmp_path / "first.json", cache)
    assert len(list(cache.glob("*.json"))) == 1
    edit(sections)
    without = assemble(review, sections, style, tmp_path / "without.json", None)
    with monkeypatch.context() as patch:
        patch.setattr(citeproc_cache.citeproc, "formatted_article", no_citeproc)
        reused = assemble(review, sections, style, tmp_path / "reused.json", cache)
    assert reused == without
    assert (tmp_path / "log").read_text(encoding="utf-8").endswith("citeproc's work reused from the cache\n")
    for name in ("article.md", "references.yaml"):
        assert (tmp_path / "citeproc-reused" / name).read_bytes() == (tmp_path / "citeproc-without" / name).read_bytes()
    return reused


@pytest.fixture(scope="module")
def seed_review(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("seed") / "project")
    run_stages(project, formats_too=False)
    return project


@pytest.mark.parametrize("style", ["seed", "vancouver", "apa", AMA])
def test_seed_review_reused_citations_are_the_same_bytes(seed_review, style, tmp_path, monkeypatch):
    check_reuse(seed_review, style, tmp_path, monkeypatch)
    if style == "seed":  # and review.md and review.html, written from review.json
        check_written(seed_review, tmp_path)


def check_written(seed_review: Path, tmp_path: Path) -> None:
    """review.md and review.html written from the reused article and from the one citeproc made: the same
    bytes."""
    written = {}
    for name in ("reused", "without"):
        with working_directory(seed_review):
            article.markdown(ast=str(tmp_path / f"{name}.json"), cited=str(tmp_path / f"citeproc-{name}" / "article.md"),
                             defaults=str(TEMPLATES / "pandoc" / "markdown.yaml"), out=str(tmp_path / f"{name}.md"),
                             log=str(tmp_path / "log"))
            formats.html(ast=str(tmp_path / f"{name}.json"), evidence="build/evidence.json",
                         defaults=str(TEMPLATES / "pandoc" / "html.yaml"),
                         template=str(TEMPLATES / "html" / "template.html"), figures=str(ROOT / "output"),
                         variables=str(tmp_path / f"{name}-html.yaml"), out=str(tmp_path / f"{name}.html"),
                         log=str(tmp_path / "log"))
        written[name] = [(tmp_path / f"{name}.{suffix}").read_bytes() for suffix in ("md", "html")]
    assert written["reused"] == written["without"]


REFERENCES = {"references": [{"id": key, "type": "book", "title": f"Title {key}", "issued": {"date-parts": [[2020]]}}
                             for key in ("a", "b", "c")]}
FIRST = "Word [@a]. Word [@b] and [@c] here.\n\n::: {#refs}\n:::\n"
# The same citations, their text around them changed: a soft break, no space, a full stop after each.
EDITED = "Other words\n[@a]. Word[@b]. And *x* [@c].\n\n::: {#refs}\n:::\n"


def formatted(tmp_path: Path, style: str, text: str, name: str, cache: Path | None) -> dict:
    (tmp_path / f"{name}.md").write_text(text, encoding="utf-8")
    folder = tmp_path / name
    folder.mkdir()
    tree, reused = citeproc_cache.formatted_article(str(tmp_path / f"{name}.md"), style, REFERENCES,
                                                    [str(TEMPLATES / "pandoc" / "citeproc.yaml")], str(folder), cache)
    assert reused == (name == "reused")
    return tree


@pytest.mark.parametrize("style", ["superscript", "in-text"])
def test_text_around_reused_citations_is_changed_as_pandoc_changes_it(style, tmp_path, monkeypatch):
    """Pandoc's mvPunct, done by the cache on the edited text: a superscript citation is set against the
    word before it; a full stop after a citation that ends with one is dropped."""
    if style == "superscript":
        csl = AMA
    else:
        csl = str(tmp_path / "style.csl")
        Path(csl).write_text(STYLE.format(kind="in-text"), encoding="utf-8")
    cache = tmp_path / "cache"
    formatted(tmp_path, csl, FIRST, "first", cache)
    assert len(list(cache.glob("*.json"))) == 1
    without = formatted(tmp_path, csl, EDITED, "without", None)
    monkeypatch.setattr(citeproc_cache.citeproc, "formatted_article", no_citeproc)
    reused = formatted(tmp_path, csl, EDITED, "reused", cache)
    assert json.dumps(reused, sort_keys=True) == json.dumps(without, sort_keys=True)
    inlines = reused["blocks"][0]["c"]
    if style == "superscript":
        assert citations_joined(reused) == [True, True, True]
    else:  # "see Title a." then no second full stop
        cite = next(i for i, node in enumerate(inlines) if node["t"] == "Cite")
        assert inlines[cite + 1] == {"t": "Space"}


def test_a_note_style_is_never_served_from_the_cache(tmp_path):
    csl = tmp_path / "note.csl"
    csl.write_text(STYLE.format(kind="note"), encoding="utf-8")
    cache = tmp_path / "cache"
    first = formatted(tmp_path, str(csl), FIRST, "first", cache)
    again = formatted(tmp_path, str(csl), FIRST, "again", cache)
    assert not cache.exists() or not list(cache.glob("*.json"))
    assert first == again and any(node["t"] == "Note" for node in _inlines(first))


def _inlines(tree: dict) -> list[dict]:
    """Every inline of the tree's paragraphs (and the citations' texts)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "t" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tree["blocks"])
    return found
