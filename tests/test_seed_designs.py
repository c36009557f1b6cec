"""The seed review's designs: a study whose source does not state its design is "not stated" in Table 1,
counted last in Table 1's lead, and mapped in Figure 1's last column."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT
from in_process import working_directory
from livingreview import config as review_config
from livingreview.kinds import get
from livingreview.kinds.narrative import design_order
from livingreview.project import template_folders
from livingreview.stages import evidence
from livingreview.stages.figures import design_counts
from livingreview.templates import Templates

KIND = get("narrative")


def seed_evidence(build: Path) -> dict:
    """The seed review's evidence, as the evidence stage writes it."""
    with working_directory(ROOT):
        settings = review_config.read_file(Path("."))
        evidence.load(kind=KIND, data={key: settings[key] for key in KIND.all_data_files()},
                      out=str(build / "evidence.json"), log=str(build / "log"))
    return json.loads((build / "evidence.json").read_text(encoding="utf-8"))


def test_the_design_not_stated_comes_last_whatever_its_count():
    assert design_order({"not-stated": 3, "cohort-study": 1, "meta-analysis": 2}) == [
        "meta-analysis", "cohort-study", "not-stated"]


def test_petersen_2024_is_of_a_design_not_stated_in_table_1_its_lead_and_figure_1(tmp_path):
    """The seed article calls [8] neither a review nor anything else ("The authors provide a framework")."""
    data = seed_evidence(tmp_path)
    assert next(s for s in data["studies"] if s["key"] == "petersen2024")["design"] == "not-stated"
    templates = Templates([str(f) for f in template_folders(ROOT / "templates", kind_defaults=KIND.default_templates)])
    text = templates.render("sections/description.md.j2", **KIND.section_context(data))
    assert ("two comparative studies, two randomized controlled trials, one follow-up study, one systematic review "
            "and meta-analysis, one narrative review, one network meta-analysis, one systematic review and one study "
            "whose design is not stated.") in text
    row = next(line for line in text.splitlines() if line.startswith("| [@{petersen2024}]"))
    assert row.split("|")[2].strip() == "not stated"
    _, designs, cells = design_counts(data)
    assert designs[-1] == "not-stated" and cells[("shared-decision-making", "not-stated")] == 1
