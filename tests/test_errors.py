"""Every mistake an author can make ends in one clear message, and output/ is never touched.

Each case edits a fresh copy of the project. Most run the stages in this
process (tests/in_process.py) and check the message the stage raises: it
names the file and the place (row, line, key or column) and says how to fix
it. A selection runs the real pipeline (``python -m livingreview build``:
Snakemake, pandoc, Typst) and checks what the author sees: the exit status,
one message without a traceback, every file in output/ byte-identical to
what it was, and nothing left behind.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import leftovers, output_hashes, run_cli
from in_process import run_stages
from livingreview.errors import LivingReviewError

# A small CSL style of our own, and a dependent style (which only names its parent).
HOUSE_CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>House style</title><id>house</id><updated>2025-01-01T00:00:00+00:00</updated></info>
  <citation><layout prefix="(" suffix=")" delimiter="; "><text variable="citation-number"/></layout></citation>
  <bibliography><layout><text variable="title"/></layout></bibliography>
</style>
"""
DEPENDENT_CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>A journal</title><id>journal</id>
    <link href="http://www.zotero.org/styles/apa" rel="independent-parent"/>
    <updated>2025-01-01T00:00:00+00:00</updated></info>
</style>
"""


def edit(path: str, old: str, new: str | bytes, count: int = 1):
    """A mutation replacing *old* (which must occur) by *new* (text, or raw bytes) in the project file *path*."""
    def mutate(project: Path) -> None:
        file = project / path
        data, before = file.read_bytes(), old.encode("utf-8")
        assert before in data, f"{old!r} not in {path}"
        file.write_bytes(data.replace(before, new if isinstance(new, bytes) else new.encode("utf-8"), count))
    return mutate


def write(path: str, data: str | bytes):
    """A mutation replacing (or creating) the project file *path* with *data*."""
    def mutate(project: Path) -> None:
        file = project / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return mutate


def delete(path: str):
    """A mutation deleting the project file *path*."""
    return lambda project: (project / path).unlink()


def csv_cells(path: str, change):
    """A mutation that rewrites a CSV file with ``change(rows)`` applied to its rows (header first)."""
    def mutate(project: Path) -> None:
        file = project / path
        rows = list(csv.reader(io.StringIO(file.read_text(encoding="utf-8"))))
        change(rows)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        file.write_text(out.getvalue(), encoding="utf-8")
    return mutate


def set_cell(path: str, row: int, column: str, value: str):
    """A mutation setting data row *row* (1-based), *column* of a CSV file to *value*."""
    def change(rows):
        rows[row][rows[0].index(column)] = value
    return csv_cells(path, change)


def drop_column(path: str, column: str):
    def change(rows):
        index = rows[0].index(column)
        for row in rows:
            del row[index]
    return csv_cells(path, change)


def each_row(path: str, column: str, value: str):
    def change(rows):
        for row in rows[1:]:
            row[rows[0].index(column)] = value
    return csv_cells(path, change)


S, T, R, B, C = "data/studies.csv", "data/themes.csv", "data/review.yaml", "references.bib", "config/config.yaml"
DESC = "templates/sections/description.md.j2"

# (mutation, extra CLI args, file named, places named (all must appear))
CASES = [
    # --- the study dataset
    pytest.param(edit(S, "key,theme,status", "key,thme,status"), [], S,
                 ["line 1 (header)", "thme", '"theme"', 'Did you mean "theme"?'], id="studies-column-misspelled"),
    pytest.param(drop_column(S, "design"), [], S, ["line 1 (header)", '"design"'], id="studies-column-missing"),
    pytest.param(write(S, ""), [], S, ["is empty"], id="studies-empty-file"),
    pytest.param(edit(S, "not stated", "not státed".encode("latin-1")), [], S,
                 ["line 2, column", "not valid UTF-8"], id="studies-not-utf8"),
    pytest.param(set_cell(S, 4, "key", "moen2042"), [], S, ["row 4 (line 5)", "moen2042", 'Did you mean "moen2024"?'],
                 id="studies-key-not-in-bib"),
    pytest.param(set_cell(S, 3, "key", "johnsen2023"), [], S, ["row 3 (line 4)", "johnsen2023", "row 1"],
                 id="studies-duplicate-key"),
    pytest.param(set_cell(S, 5, "theme", "neurobiolgy"), [], S,
                 ["row 5 (line 6)", "column theme", 'Did you mean "neurobiology"?'], id="studies-unknown-theme"),
    pytest.param(set_cell(S, 2, "status", "inclded"), [], S,
                 ["row 2 (line 3)", "column status", 'Did you mean "included"?'], id="studies-unknown-status"),
    pytest.param(set_cell(S, 6, "design", "randomised-controlled-trial"), [], S,
                 ["row 6 (line 7)", "column design", 'Did you mean "randomized-controlled-trial"?'],
                 id="studies-unknown-design"),
    pytest.param(set_cell(S, 7, "population", ""), [], S, ["row 7 (line 8)", "column population", "empty"],
                 id="studies-required-field-empty"),
    pytest.param(set_cell(S, 8, "description", ""), [], S, ["row 8 (line 9)", "column description"],
                 id="studies-finding-empty"),
    pytest.param(each_row(S, "status", "excluded"), [], S, ['no study has status "included"'],
                 id="studies-none-included"),
    pytest.param(edit(S, "kristiansen2021,long-term-outcomes,included,follow-up-study,",
                      'kristiansen2021,long-term-outcomes,included,"follow-up-study,'), [], S,
                 ["row 3 (line 4)", "never closed"], id="studies-unclosed-quote"),
    pytest.param(edit(S, "moen2024,treatment-resistant,included,comparative-study,",
                      "moen2024,treatment-resistant,included,comparative,study,"), [], S,
                 ["row 4 (line 5)", "11 cells", "10"], id="studies-extra-comma"),
    pytest.param(write(S, "key,theme,status,design,population,intervention,comparator,introduction,"
                          "description_lead,description\n"), [], S,
                 ["no rows"], id="studies-header-only"),
    pytest.param(set_cell(S, 3, "description_lead", "A lead sentence without its full stop"), [], S,
                 ["row 3 (line 4)", "column description_lead", "does not end as a sentence ends"],
                 id="studies-prose-without-full-stop"),
    # --- the themes
    pytest.param(edit(T, "conclusion_order,statement,", "conclusion_order,statment,"), [], T,
                 ["line 1 (header)", "statment", 'Did you mean "statement"?'], id="themes-statement-misspelled"),
    pytest.param(edit(T, "theme,order,label,", "theme,order,lable,"), [], T,
                 ["line 1 (header)", "lable", 'Did you mean "label"?'], id="themes-column-misspelled"),
    pytest.param(set_cell(T, 2, "also_requires", "long-term-outcome"), [], T,
                 ["row 2 (line 3)", "column also_requires", 'Did you mean "long-term-outcomes"?'],
                 id="themes-unknown-required-theme"),
    pytest.param(set_cell(T, 3, "order", "third"), [], T, ["row 3 (line 4)", "column order", "integer"],
                 id="themes-order-not-a-number"),
    pytest.param(set_cell(T, 4, "order", "0"), [], T, ["row 4 (line 5)", "column order", "minimum"],
                 id="themes-order-out-of-range"),
    pytest.param(set_cell(T, 2, "theme", "combined-treatment"), [], T, ["row 2 (line 3)", "combined-treatment",
                                                                       "row 1"], id="themes-duplicate-theme"),
    pytest.param(set_cell(S, 5, "status", "excluded"), [], T,
                 ["row 5 (line 6)", "theme neurobiology", "lost its evidence"], id="theme-statement-without-study"),
    # --- the bibliography
    pytest.param(edit(B, "@article{andersen2022,", "@article{johnsen2023,"), [], B, ["line 13", "johnsen2023"],
                 id="bib-duplicate-key"),
    pytest.param(edit(B, "  volume  = {140},\n", "  volume  = {140}\n"), [], B, ["line 44", "solberg2022",
                                                                              "syntax error"], id="bib-missing-comma"),
    pytest.param(edit(B, "  journal = {Neuroscience \\& Biobehavioral Reviews},\n", ""), [], B,
                 ["line 40", "solberg2022", "journal", '"seed"'], id="bib-field-the-style-needs"),
    pytest.param(edit(B, "  year    = {2024},\n", "  year    = {2024},\n  year    = {2025},\n"), [], B,
                 ["line 31", "moen2024", '"year" more than once'], id="bib-duplicate-field"),
    pytest.param(write(B, "% nothing yet\n"), [], S, ["row 1 (line 2)", "johnsen2023"], id="bib-without-entries"),
    pytest.param(write(B, b""), [], B, ["is empty"], id="bib-empty-file"),
    pytest.param(edit(B, "Bjornstad", "Bjørnstad".encode("latin-1")), [], B, ["line 41", "not valid UTF-8", "Latin-1"],
                 id="bib-not-utf8"),
    pytest.param(edit(B, "journal = {Clinical Depression},", "journal = ClinDep,"), [], B,
                 ["line 4", "johnsen2023", '"ClinDep"'], id="bib-undefined-macro"),
    # --- the review metadata
    pytest.param(edit(R, '  title: "Clinical Depression"', '  title: "Clinical Depression'), [], R,
                 ["line", "YAML syntax error"], id="review-yaml-syntax"),
    pytest.param(edit(R, "volume: 11", "volume: eleven"), [], R, ["line 22", "key volume", "integer"],
                 id="review-wrong-type"),
    pytest.param(edit(R, "year: 2025", "year: 1825"), [], R, ["line 24", "key year", "minimum"],
                 id="review-out-of-range"),
    pytest.param(edit(R, "acknowledgement:", "acknowledgment:"), [], R,
                 ["line 42", "acknowledgment", 'Did you mean "acknowledgement"?'], id="review-key-misspelled"),
    pytest.param(edit(R, 'doi: "10.37421/2572-0791.2025.11.212"\n', ""), [], R, ["key doi", "required"],
                 id="review-required-key-missing"),
    pytest.param(edit(R, "    affiliation: dept-psychiatry-bergen", "    affiliation: dept-psychiatry"), [], R,
                 ["authors.0.affiliation", 'Did you mean "dept-psychiatry-bergen"?'], id="review-unknown-affiliation"),
    pytest.param(edit(R, "  published: 2025-12-29", "  published: 2025-12-32"), [], R,
                 ["line 32", "dates.published"], id="review-bad-date"),
    # --- the configuration
    pytest.param(edit(C, "reference_style: seed", "reference_style: vancover"), [], C,
                 ["key reference_style", 'Did you mean "vancouver"?'], id="config-unknown-style"),
    pytest.param(lambda project: None, {"reference_style": 3}, "config", ["key reference_style", "string"],
                 id="config-wrong-type"),
    pytest.param(edit(C, "reference_style:", "referencestyle:"), [], C,
                 ["key referencestyle", 'Did you mean "reference_style"?'], id="config-key-misspelled"),
    pytest.param(edit(C, "templates: templates", "templates: [templates"), [], C, ["line", "YAML syntax error"],
                 id="config-yaml-syntax"),
    pytest.param(edit(C, "output_dir: output", "output_dir: build"), [], C, ["key output_dir"],
                 id="config-output-inside-build"),
    pytest.param(edit(C, "studies: data/studies.csv", "studies: data/studie.csv"), [], "data/studie.csv",
                 ['Did you mean "studies.csv"?'], id="config-data-file-missing"),
    # --- a CSL style file as the reference style
    pytest.param(write("styles/house.csl", HOUSE_CSL), {"reference_style": "styles/hose.csl"}, "styles/hose.csl",
                 ["does not exist", 'Did you mean "house.csl"?'], id="config-csl-missing"),
    pytest.param(lambda project: None, {"reference_style": "styles/house.xml"}, "config",
                 ["key reference_style", "nor the path of a CSL style file"], id="config-csl-not-a-csl-path"),
    pytest.param(write("styles/house.csl", HOUSE_CSL.replace("</info>", "<info>")),
                 {"reference_style": "styles/house.csl"}, "styles/house.csl", ["line", "not well-formed XML"],
                 id="config-csl-not-xml"),
    pytest.param(write("styles/house.csl", "<html><body>Not found</body></html>"),
                 {"reference_style": "styles/house.csl"}, "styles/house.csl", ["not a CSL style", "<html>"],
                 id="config-csl-not-a-style"),
    pytest.param(write("styles/house.csl", DEPENDENT_CSL), {"reference_style": "styles/house.csl"},
                 "styles/house.csl", ["dependent CSL style", "http://www.zotero.org/styles/apa"],
                 id="config-csl-dependent"),
    pytest.param(write("../house.csl", HOUSE_CSL), {"reference_style": "../house.csl"}, "../house.csl",
                 ["outside the project"], id="config-csl-outside-the-project"),
    pytest.param(write("styles/house.csl", re.sub(r"<citation>.*</citation>", "<citation/>", HOUSE_CSL)),
                 {"reference_style": "styles/house.csl"}, "styles/house.csl",
                 ["citeproc cannot format with this CSL style", "No layout"], id="config-csl-unusable"),
    # --- the templates
    pytest.param(edit(DESC, "{% for study in studies %}", "{% for study in studies %}{% if study %}"), [], DESC,
                 ["line", "syntax error"], id="template-syntax-error"),
    pytest.param(edit(DESC, "{{ study.description | with_citation(study) }}",
                      "{{ study.descripton | with_citation(study) }}"), [], DESC,
                 ["line 8", "descripton", 'Did you mean "description"?'], id="template-undefined-attribute"),
    pytest.param(edit(DESC, "{{ counts.studies | number_word }}", "{{ count.studies | number_word }}"), [], DESC,
                 ["line 11", "name count", 'Did you mean "counts"?'], id="template-undefined-variable"),
    pytest.param(delete(DESC), [], DESC, ["does not exist"], id="template-missing"),
    pytest.param(delete("templates/article.md.j2"), [], "templates/article.md.j2", ["does not exist"],
                 id="template-article-missing"),
    pytest.param(edit("templates/references/seed.csl", '<citation collapse="citation-number">',
                      '<citation collapse="citation-number"'), [], "templates/references/seed.csl",
                 ["pandoc's citeproc cannot format with this CSL style"], id="style-csl-broken"),
    pytest.param(edit("templates/pdf/template.typ", "#set par(justify: true,", "#set par(justify: true,,"), [],
                 "templates/pdf/template.typ", ["line 33", "Typst"], id="pdf-template-broken"),
    pytest.param(edit("templates/html/template.html", "$endif$", "", 1), [], "templates/html/template.html",
                 ["line", "pandoc"], id="html-template-broken"),
]

# Cases run end to end as well, one for each place the workflow can meet a mistake: a job of the evidence
# stage (the bibliography and the metadata go the same way, and so do the data files of
# test_every_problem_in_the_data_files_is_reported_in_one_build), the configuration, an input file that is
# missing, a section template, the pdf stage, the CSL style (one met when the workflow is read, one by a stage);
# with the workflow's own: a rule file broken by hand.
END_TO_END = {"studies-unknown-theme", "config-unknown-style", "config-data-file-missing",
              "template-undefined-variable", "template-missing", "pdf-template-broken", "config-csl-missing",
              "config-csl-unusable"}
WORKFLOW_CASES = [
    pytest.param(edit("workflow/rules/formats.smk", "rule html:", "rule html(:"), [],
                 "workflow/rules/formats.smk", ["line 11", "SyntaxError"], id="workflow-rule-file-broken"),
]


def check_message(message: str, file: str, places: list[str]) -> None:
    assert f"error: {file}" in message, message
    for place in places:
        assert place in message, f"{place!r} not in:\n{message}"
    assert "fix: " in message, message


@pytest.mark.parametrize("mutate, overrides, file, places", CASES)
def test_a_mistake_stops_the_stage_that_meets_it_with_a_clear_message(sources, mutate, overrides, file, places):
    mutate(sources)
    with pytest.raises(LivingReviewError) as caught:
        run_stages(sources, overrides or None)
    check_message(f"error: {caught.value}", file, places)


@pytest.mark.parametrize("mutate, overrides, file, places",
                         [case for case in CASES if case.id in END_TO_END] + WORKFLOW_CASES)
def test_a_mistake_stops_the_build_with_one_message_and_output_untouched(project, mutate, overrides, file, places):
    before = output_hashes(project)
    assert before  # the shipped release is there to be protected
    mutate(project)
    args = ["--config", *(f"{k}={v}" for k, v in overrides.items())] if overrides else []
    result = run_cli(project, "build", *args)
    message = result.stderr
    assert result.returncode == 1, message
    assert "Traceback" not in message and "Exception" not in message, message
    check_message(message, file, places)
    # After a failed job the workflow's onerror says so; after an error in reading the workflow, the logger plugin.
    assert ("build failed; output/ was left unchanged" in message
            or "build failed before any job ran; the output folder was left unchanged" in message), message
    assert output_hashes(project) == before
    assert leftovers(project) == []


def test_every_problem_in_the_data_files_is_reported_in_one_build(project):
    """Problems in several rows and several files come together, so the author fixes them in one go."""
    before = output_hashes(project)
    for mutate in (set_cell(S, 2, "status", "inclded"), set_cell(S, 6, "design", "rct"),
                   set_cell(S, 3, "key", "johnsen2023"), set_cell(T, 3, "order", "third"),
                   edit(B, "  volume  = {140},\n", "  volume  = {140}\n")):
        mutate(project)
    result = run_cli(project, "build")
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 5, result.stderr
    for place in (f"{T}, row 3 (line 4), column order", f"{S}, row 2 (line 3), column status",
                  f"{S}, row 3 (line 4), key johnsen2023", f"{S}, row 6 (line 7), column design", f"{B}, line 44"):
        assert sum(place in error for error in errors) == 1, f"{place!r} not once in:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    assert output_hashes(project) == before


def error_lines(project: Path) -> list[str]:
    """The first line of each problem the stages report, run in this process."""
    with pytest.raises(LivingReviewError) as caught:
        run_stages(project)
    return [line for line in f"error: {caught.value}".splitlines() if line.startswith("error: ")]


def test_a_faulty_cell_is_reported_once_with_its_most_basic_problem(sources):
    for mutate in (set_cell(S, 8, "description", ""), set_cell(S, 6, "key", ""), set_cell(S, 7, "key", "")):
        mutate(sources)
    errors = error_lines(sources)
    assert errors == [f"error: {S}, row 6 (line 7), column key: is empty but must be filled in.",
                      f"error: {S}, row 7 (line 8), column key: is empty but must be filled in.",
                      f"error: {S}, row 8 (line 9), column description: is empty but must be filled in."]


def test_cross_checks_of_the_study_dataset_come_with_the_problems_of_other_rows(sources):
    for mutate in (set_cell(S, 5, "theme", "neurobiolgy"), set_cell(S, 4, "key", "moen2042"),
                   set_cell(S, 2, "status", "inclded")):
        mutate(sources)
    errors = error_lines(sources)
    assert [e[:e.index(":", 7)] for e in errors] == [f"error: {S}, row 2 (line 3), column status",
                                                 f"error: {S}, row 4 (line 5), key moen2042",
                                                 f"error: {S}, row 5 (line 6), column theme"]


def test_a_build_after_a_failed_one_fails_the_same_way(project):
    """Snakemake keeps the outputs after a failed job; the staged release must not be published from them."""
    before = output_hashes(project)
    set_cell(S, 2, "status", "inclded")(project)
    first, second = run_cli(project, "build"), run_cli(project, "build")
    assert first.returncode == second.returncode == 1, second.stdout + second.stderr
    assert f"error: {S}, row 2 (line 3), column status" in second.stderr
    assert output_hashes(project) == before


def test_byte_order_marks_and_crlf_line_ends_simply_work(project, built_project):
    for name in (S, T, R, B, DESC):
        path = project / name
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    for name in ("review.md", "review.html"):
        assert (project / "output" / name).read_bytes() == (built_project / "output" / name).read_bytes()
