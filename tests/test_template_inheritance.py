"""A template that extends its own name extends the next template folder's (livingreview.templates.FolderLoader):
a review rewords a few paragraphs of a default section and keeps the rest, and the section's part of the
evidence (livingreview.parts) still holds what the extended template reads."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from livingreview import parts
from livingreview.errors import TemplateError
from livingreview.kinds import get
from livingreview.project import SHARED_TEMPLATES, template_folders
from livingreview.stages import sections
from livingreview.templates import Templates


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_template_extending_its_own_name_rewords_only_its_blocks_through_every_folder(tmp_path):
    """Review -> kind -> shared, each extending the next: each level's blocks win over those after it, a block
    not redefined keeps the default's text, and a template of another name is still looked up from the
    review's folder first."""
    review, kind, shared = tmp_path / "review", tmp_path / "kind", tmp_path / "shared"
    write(shared / "s.md.j2", "{% block a %}A{% endblock %} {% block b %}B{% endblock %} {% include 'n.md.j2' %}\n")
    write(shared / "n.md.j2", "shared n")
    write(kind / "s.md.j2", '{% extends "s.md.j2" %}{% block b %}kind B, then {{ super() }}{% endblock %}')
    write(review / "s.md.j2", '{% extends "s.md.j2" %}{% block a %}review A{% endblock %}')
    write(review / "n.md.j2", "review n")
    assert Templates([review, kind, shared]).render("s.md.j2") == "review A kind B, then B review n"
    assert Templates([kind, shared]).render("s.md.j2") == "A kind B, then B shared n"


def test_extending_its_own_name_without_a_default_is_named(tmp_path):
    write(tmp_path / "review" / "sections" / "x.md.j2", '{% extends "sections/x.md.j2" %}{% block a %}{% endblock %}')
    with pytest.raises(TemplateError) as caught:
        Templates([tmp_path / "review", tmp_path / "shared"]).render("sections/x.md.j2")
    assert caught.value.file.endswith("review/sections/x.md.j2")
    assert "extends sections/x.md.j2, its own name, but no template folder after its own" in caught.value.problem


def test_the_metapsy_methods_extend_the_kinds_and_reword_only_their_paragraphs():
    """The Metapsy review's Methods is the kind's with its own Protocol, Eligibility, Data items and Effect
    measure paragraphs and two phrases about metapsyTools; the other paragraphs are the kind's, written once."""
    review = ROOT / "examples" / "metapsy-depression" / "templates" / "sections" / "methods.md.j2"
    text = review.read_text(encoding="utf-8")
    assert '{% extends "sections/methods.md.j2" %}' in text
    assert "**Counting words.**" not in text and "**Synthesis.**" not in text and "**Data and code.**" not in text
    kind = SHARED_TEMPLATES / "kinds" / "meta-analysis" / "sections" / "methods.md.j2"
    assert "**Counting words.**" in kind.read_text(encoding="utf-8")


def test_a_column_only_the_extended_template_reads_reaches_the_section(tmp_path):
    """The seed review with its own Description that only extends the shared one: the columns the shared
    template reads (description_lead, population...) are not the narrative kind's section columns, yet the
    section's part keeps them (parts.template_names follows `extends` into the next folders) and the section
    renders as the shared template alone renders it."""
    kind = get("narrative")
    own = tmp_path / "templates"
    template = own / "sections" / "description.md.j2"
    write(template, '{% extends "sections/description.md.j2" %}\n')
    folders = [str(folder) for folder in template_folders(own, kind_defaults=kind.default_templates)]
    data = {"studies": ROOT / "data" / "studies.csv", "themes": ROOT / "data" / "themes.csv",
            "review": ROOT / "data" / "review.yaml", "bibliography": ROOT / "references.bib"}
    data = {key: str(path) for key, path in data.items()}
    build = tmp_path / "build"
    parts.split(kind, data, str(build), {"description": str(template)}, folders, [])
    part = build / "parts" / "sections" / "description.json"
    rows = json.loads(part.read_text(encoding="utf-8"))["studies"]
    assert "description_lead" not in kind.section_columns and all("description_lead" in row for row in rows)
    out = tmp_path / "description.md"
    sections.render(kind=kind, section="description", evidence=str(part), synthesis=None, templates=folders,
                    out=str(out), log=str(tmp_path / "log"))
    evidence, _ = kind.read_evidence(data)
    alone = Templates([SHARED_TEMPLATES]).render("sections/description.md.j2", **kind.section_context(evidence))
    assert out.read_text(encoding="utf-8") == alone.strip() + "\n"
    assert rows[0]["description_lead"].split()[0] in alone
