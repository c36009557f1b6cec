"""The kinds of review are plugins of one protocol (livingreview.kinds): the registry, and what each
plugin declares, checked against the config schema and the project's release."""

from __future__ import annotations

import inspect

import pytest
from livingreview import kinds
from livingreview.project import MANIFEST, RELEASE_FILES, SYNTHESIS
from livingreview.schemas import load_schema
from livingreview.stages import figures as stage_figures

CONFIG = load_schema("config")["properties"]
# The inputs a figure may read (workflow/rules/figures.smk gives each a file).
FIGURE_INPUTS = {"evidence", "synthesis", "published"}


def test_the_registry_has_a_plugin_for_every_kind_the_config_allows():
    assert sorted(kinds.KINDS) == sorted(CONFIG["kind"]["enum"])
    for name, plugin in kinds.KINDS.items():
        assert kinds.get(name) is plugin and plugin.name == name and isinstance(plugin, kinds.ReviewKind)


@pytest.mark.parametrize("name", sorted(kinds.KINDS))
def test_a_kind_reads_config_keys_and_every_kind_reads_the_review_and_bibliography(name):
    plugin = kinds.get(name)
    assert set(plugin.all_data_files()) <= set(CONFIG)
    assert plugin.all_data_files()[-2:] == ("review", "bibliography")


@pytest.mark.parametrize("name", sorted(kinds.KINDS))
def test_a_kinds_release_holds_every_reviews_files_its_own_and_its_figures_the_manifest_last(name):
    plugin = kinds.get(name)
    names = plugin.all_release_files()
    assert names[-1] == MANIFEST and len(set(names)) == len(names)
    assert set(names) == {*RELEASE_FILES, *plugin.release_files, *plugin.section_files.values(),
                          *plugin.figure_files().values()}
    assert set(plugin.section_files) <= set(plugin.sections)
    assert (SYNTHESIS in names) == plugin.synthesis


@pytest.mark.parametrize("name", sorted(kinds.KINDS))
def test_each_figure_is_drawn_by_a_stage_function_that_takes_its_inputs(name):
    plugin = kinds.get(name)
    assert len({figure.name for figure in plugin.figures}) == len(plugin.figures)
    for figure in plugin.figures:
        assert set(figure.inputs) <= FIGURE_INPUTS
        assert "synthesis" not in figure.inputs or plugin.synthesis
        assert figure.path.startswith("figures/") and figure.path.endswith(".svg")
        parameters = set(inspect.signature(inspect.unwrap(getattr(stage_figures, figure.function))).parameters)
        assert parameters == {*figure.inputs, "out", "picture", "log"}, figure.rule


def test_the_narrative_report_compares_the_common_parts_and_the_meta_analysis_adds_its_own():
    first = {"version": "1.0.0", "review": {"title": "T"}, "numbering": {}, "sources": {"review": "r.yaml"},
             "studies": {}, "synthesis": [], "conclusions": []}
    assert set(kinds.get("narrative").compare(None, first)) == {"changes"}
    names = kinds.get("meta-analysis").compare(None, first)
    assert set(names) == {"changes", "meta", "column_titles"} and names["changes"].first_release
