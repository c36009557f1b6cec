"""Hostile and unlucky input, tried through the real pipeline as an attacker and a careless author would.

Every case edits a fresh copy of the project. Each must end in a clear
message (the file, the place, what is wrong, how to fix it) from the stage
that meets it, which then writes nothing: the cases run the stages in this
process (tests/in_process.py). A selection runs the real build as well
(``python -m livingreview build``: Snakemake, pandoc, Typst) and checks what
the author sees: exit 1, no traceback, ``output/`` byte-identical, and
nothing left behind (tests/test_errors.py does the same for plain mistakes).
The classes: markup injection through values that reach an attribute, a
URL or the PDF; control and invisible characters; data that is allowed by
its type but surprising (ties, dates and versions out of order, an output
folder among the inputs); bibliographies written by others.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, copy_project, leftovers, output_hashes, run_cli
from in_process import run_stages
from livingreview.errors import LivingReviewError
from pypdf import PdfReader
from test_errors import B, C, R, S, T, edit, set_cell, write

HOSTILE_DOI = '10.37421/x"/onmouseover="alert(document.domain)"/style="position:fixed;width:100%"'


def yaml_value(key: str, old: str, new: str):
    """Edit a value of the review metadata: `key: old` becomes `key: new` (*new* written as given)."""
    return edit(R, f"{key}: {old}", f"{key}: {new}")


def review_yaml(change):
    """A mutation that loads the review metadata, applies *change* to it and writes it back."""
    def mutate(project: Path) -> None:
        import yaml

        path = project / R
        review = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(review)
        path.write_text(yaml.safe_dump(review, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return mutate


CASES = [
    # --- values that reach an attribute, a URL, a meta tag or the PDF's metadata
    pytest.param(yaml_value("doi", '"10.37421/2572-0791.2025.11.212"', json.dumps(HOSTILE_DOI)), R,
                 ["key doi", "is not a DOI", "fix: write the DOI alone"], id="doi-attribute-injection"),
    pytest.param(yaml_value("doi", '"10.37421/2572-0791.2025.11.212"', '"10.37421/<script>alert(1)</script>"'), R,
                 ["key doi", "is not a DOI"], id="doi-script"),
    pytest.param(yaml_value("doi", '"10.37421/2572-0791.2025.11.212"', '"https://doi.org/10.37421/x"'), R,
                 ["key doi", "without https://doi.org/"], id="doi-as-a-url"),
    pytest.param(yaml_value("  url", '"https://creativecommons.org/licenses/by/4.0/"', '"javascript:alert(1)"'), R,
                 ["key licence.url", "is not a web address"], id="licence-url-javascript"),
    pytest.param(yaml_value("  url", '"https://creativecommons.org/licenses/by/4.0/"',
                            '"https://x.org/\\" onmouseover=\\"alert(1)"'), R,
                 ["key licence.url", "is not a web address"], id="licence-url-quote"),
    pytest.param(yaml_value("    email", "nils.berg@uibliop.no", '"nils\\"onmouseover=\\"x@uibliop.no"'), R,
                 ["key authors.0.email", "is not an email address"], id="email-quote"),
    pytest.param(yaml_value("    email", "nils.berg@uibliop.no", '"<nils.berg@uibliop.no>"'), R,
                 ["key authors.0.email", "is not an email address"], id="email-angle-brackets"),
    pytest.param(edit(R, "    corresponding: true", '    corresponding: true\n    orcid: "0000-0002-1825-0097\\" x=\\""'),
                 R, ["key authors.0.orcid"], id="orcid-quote"),
    pytest.param(yaml_value("language", "en", '"en\\" onload=\\"alert(1)"'), R, ["key language"],
                 id="language-attribute-injection"),
    pytest.param(yaml_value("  issn", '"2572-0791"', '"2572-0791\\"><script>"'), R, ["key journal.issn"],
                 id="issn-quote"),
    # --- control characters (C0/C1 other than tab and line feed)
    pytest.param(edit(B, "Comparing Medication", "Comparing\x00 Medication"), B,
                 ["line 6, column", "control character, U+0000"], id="nul-in-bib-title"),
    pytest.param(edit(S, "not stated", "not\x1b[31m stated"), S,
                 ["line 2, column", "U+001B"], id="escape-in-csv"),
    pytest.param(edit(R, '"None."', '"None.\x07"'), R, ["control character, U+0007"], id="bell-in-yaml"),
    pytest.param(edit(T, "Cost-effectiveness", "Cost\x0beffectiveness"), T, ["U+000B"], id="vertical-tab-in-csv"),
    pytest.param(edit(S, "not stated", "not\u0085 stated"), S, ["U+0085"],
                 id="c1-control-in-csv"),
    pytest.param(edit(C, "templates: templates", "templates: templates\x00"), "config/config.yaml", ["U+0000"],
                 id="nul-in-config"),
    # --- invisible and direction-changing characters
    pytest.param(edit(S, "not stated", "not \u202estated"), S,
                 ["U+202E", "RIGHT-TO-LEFT OVERRIDE", "allow_invisible_characters"], id="bidi-override-in-csv"),
    pytest.param(edit(R, "Depression Treatment:", "Depression\u200b Treatment:"), R, ["U+200B", "ZERO WIDTH SPACE"],
                 id="zero-width-space-in-title"),
    pytest.param(edit(B, "Comparing Medication", "Comparing \u2066Medication\u2069"), B, ["U+2066"],
                 id="bidi-isolate-in-bib"),
    pytest.param(edit(T, "Neural mechanisms", "Neural\u200f mechanisms"), T, ["U+200F"], id="rtl-mark-in-themes"),
    # --- allowed by type, but surprising
    pytest.param(set_cell(T, 2, "order", "1"), T, ["row 2 (line 3), column order", 'same order (1)',
                                                   'theme "combined-treatment" (row 1)'], id="themes-same-order"),
    pytest.param(set_cell(T, 2, "conclusion_order", "4"), T, ["column conclusion_order", "same conclusion_order (4)"],
                 id="statements-same-conclusion-order"),
    pytest.param(yaml_value("version", '"1.0.0"', "1.1"), R, ["key version", "1.1", 'put the value in quotes'],
                 id="version-unquoted-number"),
    pytest.param(yaml_value("  published", "2025-12-29", "29/12/2025"), R,
                 ["key dates.published", "year-month-day, e.g. 2025-12-29"], id="date-in-another-format"),
    pytest.param(yaml_value("  received", "2025-12-01", "2026-01-05"), R,
                 ["key dates.editor_assigned", "is before received"], id="received-after-the-next-date"),
    pytest.param(edit(R, "  revised: 2025-12-22\n", "  revised: 2026-02-01\n"), R,
                 ["key dates.published", "is before revised"], id="published-before-revised"),
    pytest.param(yaml_value("  published", "2025-12-29", "2025-02-30"), R, ["not a date of the calendar"],
                 id="date-not-in-the-calendar"),
    pytest.param(edit(R, "  published: 2025-12-29\n", "  published: 2025-12-29\nprevious_versions:\n"
                      "  - {version: \"0.2.0\", published: 2025-06-02}\n  - {version: \"0.1.0\", published: 2025-01-02}\n"),
                 R, ["line 35, key previous_versions.1", "version 0.1.0 (2025-01-02) is listed after a later one",
                     "oldest first"], id="earlier-versions-newest-first"),
    pytest.param(edit(R, "  published: 2025-12-29\n", "  published: 2025-12-29\nprevious_versions:\n"
                      "  - {version: \"0.1.0\", published: 2026-01-02}\n"),
                 R, ["key previous_versions.0", "dated after this version (dates.published: 2025-12-29)"],
                 id="earlier-version-after-this-one"),
    pytest.param(edit(C, "output_dir: output", "output_dir: data"), "config", ["key output_dir", "overlaps"],
                 id="output-dir-is-the-data"),
    pytest.param(edit(C, "output_dir: output", "output_dir: templates"), "config", ["key output_dir", "overlaps"],
                 id="output-dir-is-the-templates"),
    pytest.param(edit(C, "output_dir: output", "output_dir: ."), "config", ["key output_dir", "overlaps"],
                 id="output-dir-is-the-project"),
    pytest.param(edit(C, "output_dir: output", "output_dir: workflow/out"), "config", ["key output_dir", "workflow"],
                 id="output-dir-inside-the-pipeline"),
    pytest.param(yaml_value("title", '"Depression Treatment: Medication, Psychotherapy, and Beyond"', '""'), R,
                 ["key title", "is empty", "fix: fill in title (Title of the article)"], id="empty-title"),
    pytest.param(review_yaml(lambda review: review.update(authors=[])), R, ["key authors", "needs at least 1", "fix: authors: list at least 1"],
                 id="no-authors"),
    pytest.param(write(R, "- a list\n- not a mapping\n"), R, ["must be a YAML mapping"], id="review-is-a-list"),
    pytest.param(set_cell(T, 3, "order", "1.5"), T, ["row 3 (line 4), column order", "a whole number"],
                 id="order-with-decimals"),
    pytest.param(set_cell(T, 1, "conclusion_order", "-2"), T, ["column conclusion_order", "at least 1"],
                 id="conclusion-order-negative"),
    pytest.param(set_cell(T, 2, "also_requires", "long-term-outcomes, combined-treatment"), T,
                 ["column also_requires", "separated by spaces"], id="also-requires-with-commas"),
    # --- bibliographies written by others
    pytest.param(edit(B, "author  = {Johnsen, B. and Hansen, K. and Olsen, A.}",
                      "author  = {Johnsen, B.} # and # {Hansen, K.}"), B,
                 ["key johnsen2023, field author", 'macros that are not defined: "and"'], id="bib-and-as-a-macro"),
    pytest.param(edit(B, "@article{johnsen2023,", "@article{johnsen2023"), B, ["johnsen2023", "syntax error"],
                 id="bib-key-without-comma"),
]


# Cases run end to end as well: a value that would reach an attribute (met by the evidence stage, in a job)
# and an output folder that would overwrite the project (met when the workflow reads its configuration).
END_TO_END = {"doi-attribute-injection", "output-dir-is-the-project"}


def check_message(message: str, file: str, places: list[str]) -> None:
    assert "Traceback" not in message and "internal error" not in message, message
    assert f"error: {file}" in message, message
    for place in places:
        assert place in message, f"{place!r} not in:\n{message}"
    assert "\n  fix: " in message, message


@pytest.mark.parametrize("mutate, file, places", CASES)
def test_hostile_or_unlucky_input_is_refused_plainly_by_its_stage(sources, mutate, file, places):
    mutate(sources)
    with pytest.raises(LivingReviewError) as caught:
        run_stages(sources, formats_too=False)
    check_message(f"error: {caught.value}", file, places)
    written = [p for p in (sources / "build").rglob("*") if p.is_file()] if (sources / "build").exists() else []
    assert written == []  # the stage that refused wrote nothing (no evidence.json, no log, no temporary file)
    assert not (sources / "output").exists() and leftovers(sources) == []


@pytest.mark.parametrize("mutate, file, places", [case for case in CASES if case.id in END_TO_END])
def test_hostile_or_unlucky_input_is_refused_plainly(project, mutate, file, places):
    before = output_hashes(project)
    mutate(project)
    result = run_cli(project, "build")
    message = result.stderr
    assert result.returncode == 1, message
    check_message(message, file, places)
    assert output_hashes(project) == before
    assert leftovers(project) == []


def test_invisible_characters_build_when_the_config_allows_them(project):
    edit(S, "not stated", "not \u200fstated")(project)
    edit(C, "output_dir: output", "output_dir: output\nallow_invisible_characters: true")(project)
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    assert "not \u200fstated" in (project / "output" / "review.md").read_text(encoding="utf-8")


def test_a_version_going_backwards_is_refused(project):
    before = output_hashes(project)
    yaml_value("version", '"1.0.0"', '"0.9.0"')(project)
    result = run_cli(project, "build")
    assert result.returncode == 1
    assert 'error: data/review.yaml, line 2, key version: version "0.9.0" is lower than the published version ' \
           '"1.0.0"' in result.stderr, result.stderr
    assert output_hashes(project) == before


# --- markup in values that reach attributes: checked with an HTML parser --------

class Attributes(HTMLParser):
    """Every (tag, attribute name) in a page."""

    def __init__(self):
        super().__init__()
        self.found: set[tuple[str, str]] = set()

    def handle_starttag(self, tag, attrs):
        self.found.update((tag, name) for name, _ in attrs)


def attributes(html: str) -> set[tuple[str, str]]:
    parser = Attributes()
    parser.feed(html)
    return parser.found


def test_no_value_from_data_adds_an_attribute_to_the_html(sources, example_release):
    """Hostile text wherever the schemas let text through: the page has no attribute the template lacks.
    (The stages run in this process: the subject is what the html stage writes, not the workflow.)"""
    project = sources
    allowed = attributes((example_release / "review.html").read_text(encoding="utf-8"))
    attack = '" onmouseover="alert(1)" x="'
    for path, old in ((R, '"Depression Treatment: Medication, Psychotherapy, and Beyond"'),
                      (R, '"Clinical Depression"'), (R, '"Clin Depress"'), (R, '"212"'),
                      (R, '"Perspective"'), (R, '"Department of Psychiatry and Clinical Neuroscience, University of '
                                               'Bergen, Bergen, Norway"')):
        edit(path, old, json.dumps(json.loads(old) + attack))(project)
    edit(B, "title   = {Comparing Medication", 'title   = {Comparing " onmouseover="alert(1)" x=" Medication')(project)
    edit(B, "journal = {Clinical Depression}", 'journal = {Clinical" onload="x}, doi = {10.1/x" onerror="y}')(project)
    run_stages(project)
    page = (project / "build" / "review.html").read_text(encoding="utf-8")
    assert attributes(page) <= allowed, attributes(page) - allowed
    assert "onmouseover" in page  # the text is there, as text


# --- bibliography content: "and others" and math, in every format ----------------

def test_and_others_is_et_al_and_simple_math_is_decoded_in_every_format(sources):
    """(The stages run in this process: the subject is what the article and format stages write.)"""
    project = sources
    edit(B, "author  = {Johnsen, B. and Hansen, K. and Olsen, A.}", "author  = {Johnsen, B. and others}")(project)
    edit(B, "title   = {Comparing Medication and Psychotherapy Outcomes in Depression",
         r"title   = {Comparing $\beta$-Blockers (p $<$ .05, R$^2$) and Psychotherapy Outcomes in Depression")(project)
    run_stages(project)
    expected = "B. Johnsen, et al. \"Comparing β-Blockers (p < .05, R²) and Psychotherapy"
    markdown = (project / "build" / "review.md").read_text(encoding="utf-8")
    assert expected.replace("<", "\\<") in markdown
    html = (project / "build" / "review.html").read_text(encoding="utf-8")
    assert expected.replace('"', "&quot;").replace("<", "&lt;") in html or expected.replace("<", "&lt;") in html
    assert "others" not in html.split('name="citation_reference"')[1].split(">")[0]
    pdf = " ".join(" ".join(page.extract_text() for page in PdfReader(project / "build" / "review.pdf").pages).split())
    assert "B. Johnsen, et al." in pdf and "β-Blockers (p < .05, R²)" in pdf


# --- check-bib on files that are not what they should be -------------------------

@pytest.mark.parametrize("text", ["key,title\na,b\n", '@string{jors = "J Oper Res Soc"}\n'], ids=["csv", "only-strings"])
def test_check_bib_refuses_a_file_without_entries(tmp_path, text):
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8")
    result = run_cli(ROOT, "check-bib", str(path))
    assert result.returncode == 1 and "holds no BibTeX entry" in result.stderr, result.stderr


def test_check_bib_warns_about_math_it_cannot_decode(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("@article{k, author={Doe, J.}, title={On $x^{\\gamma}$}, journal={J}, year={2020}}\n")
    result = run_cli(ROOT, "check-bib", str(path))
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stderr and "key k, field title" in result.stderr and "x^{\\gamma}" in result.stderr


def test_make_check_bib_takes_a_path_with_spaces(tmp_path):
    path = tmp_path / "my refs.bib"
    shutil.copy(ROOT / "tests" / "fixtures" / "example" / "references.bib", path)
    venv = Path(sys.executable).parent.parent
    result = subprocess.run(["make", "--no-print-directory", "check-bib", f"BIB={path}", f"VENV={venv}", "INSTALL="],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10 entries read, 10 formatted" in result.stderr


# --- faults of the machine: a read-only output folder, a full disk ----------------

def test_a_read_only_output_folder_as_a_normal_user(example_release, tmp_path_factory):
    """As a normal user (root may write anywhere): one message, output/ unchanged, nothing left; the next
    build after the fix works."""
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot build as a normal user")
    base = Path(tempfile_dir())
    project = copy_project(base / "project", example_release)
    edit(S, "not stated", "not stated (edited)")(project)
    before = output_hashes(project)
    owner = [] if os.geteuid() != 0 else ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    if owner:
        subprocess.run(["chown", "-R", "nobody:nogroup", str(base)], check=True)
    (project / "output").chmod(0o555)
    for path in (project / "output").rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    env = {**os.environ, "PYTHONPATH": str(project / "workflow"), "HOME": str(base)}
    env = {k: v for k, v in env.items() if not k.startswith("PYTEST")}
    command = [*owner, sys.executable, "-B", "-m", "livingreview", "build"]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "error: output" in result.stderr and "read-only" in result.stderr and "chmod -R u+w output" in result.stderr
    assert output_hashes(project) == before
    assert leftovers(project) == [] and not (project / ".output.publish").exists()
    subprocess.run([*owner, "chmod", "-R", "u+w", str(project / "output")], check=True)
    again = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "(edited)" in (project / "output" / "review.md").read_text(encoding="utf-8")
    shutil.rmtree(base, ignore_errors=True)


def tempfile_dir() -> str:
    """A folder any user may enter (pytest's own temporary folders are private to root)."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="livingreview-", dir="/tmp")
    os.chmod(folder, 0o755)
    return folder


def mounted_tmpfs(size: str) -> Path | None:
    """A small tmpfs (a full disk), or None where this test cannot mount one."""
    folder = Path(tempfile_dir())
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                            capture_output=True, text=True)
    return folder if result.returncode == 0 else None


@pytest.mark.parametrize("where, size", [("build_dir", "200k"), ("output_dir", "800k")])
def test_a_full_disk_is_one_plain_message_and_the_next_build_works(project, where, size):
    disk = mounted_tmpfs(size)
    if disk is None:
        pytest.skip("cannot mount a tmpfs here (needs root and mount permission)")
    try:
        edit(S, "not stated", "not stated (edited)")(project)
        folder = disk / "folder"
        if where == "output_dir":
            shutil.copytree(project / "output", folder)  # a published release on the small disk
        before = output_hashes(folder.parent, folder.name) if where == "output_dir" else output_hashes(project)
        result = run_cli(project, "build", "--config", f"{where}={folder}")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
        assert "the disk is full" in result.stderr and "free some space" in result.stderr, result.stderr
        after = output_hashes(folder.parent, folder.name) if where == "output_dir" else output_hashes(project)
        assert after == before
        assert leftovers(disk) == [] and leftovers(project) == []
        subprocess.run(["umount", str(disk)], check=True)
        again = run_cli(project, "build", "--config", f"{where}={folder}")  # on the big disk now
        assert again.returncode == 0, again.stderr
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
        shutil.rmtree(disk, ignore_errors=True)
