"""Issue 19, items 5 and 6: the PRISMA flow adds up or names the difference; the author's corrections of the
database's texts (data/corrections.csv) and of the bibliography (data/reference-corrections.csv) are applied
at import and reported; an incomplete reference is a warning at each build, and a strict build refuses it.

The evidence is loaded in-process (no pandoc, no Typst) from a review folder into which a vendored release
was imported; one end-to-end build checks that `--config strict=True` stops before anything is published."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run_cli
from livingreview import kinds
from livingreview.errors import LivingReviewError
from livingreview.files import read_json
from livingreview.importers import metapsy
from livingreview.search_flow import check_flow
from livingreview.stages import evidence, figures
from test_metapsy_review import NAME, copy_metapsy

ROOT = Path(__file__).resolve().parents[1]
REVIEW = ROOT / NAME
DATA = {"studies": "data/studies.csv", "comparisons": "data/comparisons.csv", "decisions": "data/decisions.csv",
        "conclusions": "data/conclusions.csv", "database": "data/database.yaml",
        "reference_corrections": "data/reference-corrections.csv", "review": "data/review.yaml",
        "bibliography": "references.bib"}


def imported(tmp_path: Path, release: str, reference_corrections: str | None = None) -> Path:
    """A review folder with the committed review's own data files (or *reference_corrections* as its
    data/reference-corrections.csv) and release *release* imported into it."""
    folder = tmp_path / f"review-{release}"
    shutil.copytree(REVIEW / "data", folder / "data")
    if reference_corrections is not None:
        (folder / metapsy.REFERENCE_CORRECTIONS).write_text(reference_corrections, encoding="utf-8")
    files, _ = metapsy.import_files(metapsy.read_release(REVIEW / "sources" / release),
                                    metapsy.read_corrections(folder))
    metapsy.write_import(folder, files, release, force=True)
    return folder


def load(folder: Path, monkeypatch, strict: bool = False) -> dict:
    """The evidence of *folder*, loaded as the evidence stage loads it."""
    monkeypatch.chdir(folder)
    evidence.load(kind=kinds.get("meta-analysis"), data=DATA, out="build/evidence.json", log="build/log",
                  strict=strict)
    return read_json(folder / "build" / "evidence.json")


def number(text: str) -> int:
    """The count of a flow box ("... (n = 4,439) ..." -> 4439)."""
    return int(re.search(r"\(n = ([\d,]+)", text).group(1).replace(",", ""))


# --- the flow adds up -------------------------------------------------------------------------------

@pytest.mark.parametrize("release", ["22.0.2", "24.0.2"])
def test_every_box_of_the_flow_follows_from_the_one_above_or_a_box_names_the_difference(tmp_path, monkeypatch,
                                                                                       release):
    data = load(imported(tmp_path, release), monkeypatch)
    boxes = figures.flow_boxes(data, None)
    main = {b["row"]: b["text"] for b in boxes if b["column"] == 0}
    side = {b["row"]: b["text"] for b in boxes if b["column"] == 1 and not b.get("joins")}
    flow = data["database"]["search_flow"]
    assert number(main[0]) + flow["additional.records"] - number(side[0]) == number(main[1])
    for row in sorted(main)[1:-1]:
        assert number(main[row]) - (number(side[row]) if row in side else 0) == number(main[row + 1]), main[row]
    check = check_flow(flow, len(data["studies"]))
    if release == "24.0.2":
        assert (check.remaining, check.included, check.unaccounted, check.outside) == (564, 480, 84, 0)
        assert side[3].startswith("Not accounted for (n = 84): the search flow reports 480 included and gives no "
                                  "reason")
        assert main[4] == "Trials in the database, release 24.0.2 (n = 480, as its search flow reports)"
    else:
        assert (check.remaining, check.included, check.unaccounted, check.outside) == (809, 809, 0, 394)
        assert side[3].startswith("Not in this database (n = 394): the search flow counts the trials of every "
                                  "comparison its search finds; this database holds psychotherapy vs control only")
    assert main[max(main)].startswith(f"Trials in this review, version 2.0.0 (n = {len(data['included'])};")


@pytest.mark.parametrize("release", ["22.0.2", "24.0.2"])
def test_the_authors_spelling_corrections_reach_the_figure_and_the_report(tmp_path, monkeypatch, release):
    folder = imported(tmp_path, release)
    data = load(folder, monkeypatch)
    description = figures.flow_description(figures.flow_boxes(data, None))
    assert "Maintenance trial: " in description and "Studies with children/adolescents: " in description
    assert "Maintenenance" not in description and "chidlren" not in description
    assert "two independent reviewers" in data["database"]["risk_of_bias"]
    report = (folder / metapsy.REPORT).read_text(encoding="utf-8")
    assert "| exclusion_reason | Maintenenance trial | Maintenance trial |" in report
    source = (REVIEW / "sources" / release / "metadata" / "search_flow.json").read_text(encoding="utf-8")
    assert "Maintenenance trial" in source  # the release's own files stay as published


def test_a_correction_the_release_does_not_need_is_reported_and_one_that_clashes_is_an_error(tmp_path):
    folder = tmp_path / "review"
    (folder / "data").mkdir(parents=True)
    (folder / metapsy.CORRECTIONS).write_text(
        "field,original,corrected,reason\nexclusion_reason,Not in the flow,Other,test\n", encoding="utf-8")
    release = metapsy.read_release(REVIEW / "sources" / "24.0.2")
    files, _ = metapsy.import_files(release, metapsy.read_corrections(folder))
    assert "| exclusion_reason | Not in the flow | Other | test | no: not in this release |" in files[metapsy.REPORT]
    (folder / metapsy.CORRECTIONS).write_text(
        "field,original,corrected,reason\nexclusion_reason,Dissertations,Other,test\n", encoding="utf-8")
    with pytest.raises(LivingReviewError, match='already has the exclusion reason "Other"'):
        metapsy.import_files(release, metapsy.read_corrections(folder))
    (folder / metapsy.CORRECTIONS).write_text("field,original,corrected,reason\nlabel,a,b,\n", encoding="utf-8")
    with pytest.raises(LivingReviewError) as caught:
        metapsy.read_corrections(folder)
    assert "data/corrections.csv, row 1 (line 2), column field" in str(caught.value)


# --- no broken reference is published silently ---------------------------------------------------------

HEADER = "key,status,author,title,journal,year,volume,number,pages,doi,reason\n"


def test_the_committed_bibliography_is_99_percent_complete_and_the_rest_accepted(tmp_path, monkeypatch):
    """The completeness of the committed references.bib, measured by the build's own check."""
    shutil.copytree(REVIEW / "data", tmp_path / "data")
    shutil.copy(REVIEW / "references.bib", tmp_path / "references.bib")
    data = load(tmp_path, monkeypatch)
    checks = data["reference_checks"]
    assert len(data["included"]) == 477 and (477 - len(checks)) / 477 >= 0.99
    assert sorted(checks) == ["ahmadpanah2016", "tobin2017"]
    assert all(check["accepted"] and check["problems"] == ["no journal"] for check in checks.values())


def test_an_incomplete_reference_is_a_warning_and_a_strict_build_refuses_it(tmp_path, monkeypatch, capsys):
    folder = imported(tmp_path, "24.0.2", HEADER)
    load(folder, monkeypatch)
    warnings = capsys.readouterr().err.split("livingreview: warning: ")[1:]
    assert len(warnings) == 2 and "key ahmadpanah2016" in warnings[0] and "key tobin2017" in warnings[1]
    assert ("key tobin2017: the entry is not a complete structured @article (no journal), and it would be "
            "published so\n  fix: correct it in data/reference-corrections.csv (a row: tobin2017,corrected,") \
        in warnings[1]
    assert "or accept it as it is there (a row: tobin2017,accepted," in warnings[1]
    (folder / "build" / "evidence.json").unlink()
    with pytest.raises(LivingReviewError) as caught:
        load(folder, monkeypatch, strict=True)
    message = str(caught.value)
    assert "references.bib, line " in message and "key ahmadpanah2016" in message and "key tobin2017" in message
    assert message.count("it would be published so; a strict build (config strict) refuses to publish it") == 2
    assert not (folder / "build" / "evidence.json").exists()


def test_an_accepted_or_corrected_reference_passes_a_strict_build(tmp_path, monkeypatch, capsys):
    corrections = (HEADER + 'ahmadpanah2016,accepted,,,,,,,,,"no journal in the release"\n'
                   'tobin2017,corrected,,,Test Journal of Trials,,12,12,e0187180,,"checked against the article"\n'
                   'nosuch2000,accepted,,,,,,,,,"a study of another release"\n')
    folder = imported(tmp_path, "24.0.2", corrections)
    bib = (folder / "references.bib").read_text(encoding="utf-8")
    tobin = bib.split("@article{tobin2017,")[1].split("\n}")[0]
    assert "journal = {Test Journal of Trials}" in tobin and "pages = {e0187180}" in tobin
    report = (folder / metapsy.REPORT).read_text(encoding="utf-8")
    assert "| tobin2017 | Tobin, 2017 | corrected | journal, volume, number, pages | checked against the article |" \
        in report
    assert "479 of 480 references (99.8 %)" in report and "1 corrected or replaced by the review's authors" in report
    assert "| ahmadpanah2016 | Ahmadpanah, 2016 | @misc | no journal | accepted: no journal in the release |" in report
    assert "not used): nosuch2000." in report
    data = load(folder, monkeypatch, strict=True)
    assert "warning" not in capsys.readouterr().err
    assert list(data["reference_checks"]) == ["ahmadpanah2016"]


def entry(bib: str, key: str) -> str:
    """The fields of entry *key* of the BibTeX text *bib*, one a line."""
    return bib.split(f"{{{key},\n")[1].split("\n}")[0]


def test_the_committed_corrections_swap_back_the_liu_references_and_restore_ritvo_s(tmp_path):
    """Release 24.0.2 swaps the strings of Liu, 2023 (data.csv: a trial of 2023 in people with a comorbid
    medical disorder) and Liu, 2024 (a trial of 2024 in students): each entry is replaced by the other's, nothing
    parsed from its own string kept (Liu, 2024 has no issue or pages of Liu, 2023's string). Ritvo, 2021's
    string lost its authors and DOI, which release 22.0.2's string gives: corrected. The report names each,
    with its status, the fields written, the reason and the string; its counts still add up."""
    folder = imported(tmp_path, "24.0.2")
    bib = (folder / "references.bib").read_text(encoding="utf-8")
    assert entry(bib, "liu2023").splitlines() == [
        "  author = {Liu, Y. E. and Lv, J. and Sun, F. Z. and Liang, J. J. and Zhang, Y. Y. and Chen, J. and others},",
        "  title = {Effectiveness of group acceptance and commitment therapy in treating depression for acute stroke "
        "patients},", "  journal = {Brain Behav},", "  year = {2023},", "  volume = {13},", "  number = {12},",
        "  pages = {e3260},"]
    assert entry(bib, "liu2024").splitlines() == [
        "  author = {Liu, W. and Yuan, J. and Wu, Y. and Xu, L. and Wang, X. and Meng, J. and others},",
        "  title = {A randomized controlled trial of mindfulness-based cognitive therapy for major depressive disorder "
        "in undergraduate students: Dose- response effect, inflammatory markers and BDNF},",
        "  journal = {Psychiatry Research},", "  year = {2024},", "  volume = {331},"]
    ritvo = entry(bib, "ritvo2021")
    assert ("author = {Ritvo, P. and Knyahnytska, Y. and Pirbaglou, M. and Wang, W. and Tomlinson, G. and Zhao, H. "
            "and others}") in ritvo and "doi = {10.2196/24380}" in ritvo and "pages = {e24380}" in ritvo
    report = (folder / metapsy.REPORT).read_text(encoding="utf-8")
    assert "| liu2023 | Liu, 2023 | replaced | author, title, journal, year, volume, number, pages | Release 24.0.2 swaps" \
        in report
    assert "| liu2024 | Liu, 2024 | replaced | author, title, journal, year, volume | " in report
    assert "| ritvo2021 | Ritvo, 2021 | corrected | author, doi | Release 24.0.2's string names only" in report
    assert ("478 of 480 references (99.6 %) are complete structured `@article` entries" in report
            and "472 as parsed from their string, 3 completed from the rest of the release (below), 3 corrected or "
            "replaced by the review's authors" in " ".join(report.split()))


def test_a_replaced_entry_keeps_nothing_parsed_from_its_string():
    """Status replaced writes the entry from the author's cells alone (an empty cell: no such field); status
    corrected keeps the parsed fields whose cells are empty."""
    from livingreview.importers.references import parse_reference

    string = "Liu YE, Lv J. Effectiveness of group therapy. Brain Behav. 2023;13(12):e3260."
    cells = {name: "" for name in metapsy.REFERENCE_FIELDS}
    cells.update(author="Liu, W.", title="A trial in students", journal="Psychiatry Research", year="2024",
                 volume="331")
    for status, expected in (("replaced", {"title": "A trial in students", "journal": "Psychiatry Research",
                                           "year": "2024", "volume": "331"}),
                             ("corrected", {"title": "A trial in students", "journal": "Psychiatry Research",
                                            "year": "2024", "volume": "331", "number": "12", "pages": "e3260"})):
        result = parse_reference(string, "2023")
        metapsy.apply_reference_correction(result, dict(cells, status=status))
        assert (result.entry_type, result.authors, result.fields, result.complete) == (
            "article", [("Liu", "W.", "")], expected, True)


def test_a_faulty_reference_correction_is_named_with_its_row_and_column(tmp_path, monkeypatch):
    folder = imported(tmp_path, "24.0.2")
    (folder / metapsy.REFERENCE_CORRECTIONS).write_text(HEADER + "tobin2017,fixed,,,,,,,,,why\n"
                                                        "tobin2017,accepted,,,,20017,,,,,why\n", encoding="utf-8")
    with pytest.raises(LivingReviewError) as caught:
        load(folder, monkeypatch)
    message = str(caught.value)
    assert "data/reference-corrections.csv, row 1 (line 2), column status" in message
    assert "data/reference-corrections.csv, row 2 (line 3), column year: " in message


def test_make_review_strict_passes_strict_to_the_build():
    result = subprocess.run(["make", "-n", "review", "STRICT=1", f"REVIEW={NAME}", "INSTALL="], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f'build "{NAME}" --config strict=True' in result.stdout
    result = subprocess.run(["make", "-n", "review", "STRICT=", f"REVIEW={NAME}", "INSTALL="], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert "strict=True" not in result.stdout


def test_a_strict_build_with_an_unaccepted_reference_publishes_nothing(tmp_path):
    project = copy_metapsy(tmp_path / "project")
    folder = project / NAME
    (folder / metapsy.REFERENCE_CORRECTIONS).write_text(HEADER, encoding="utf-8")
    result = run_cli(project, "build", NAME, "--config", "strict=True", timeout=600)
    assert result.returncode != 0
    assert "key ahmadpanah2016" in result.stderr and "key tobin2017" in result.stderr
    assert "data/reference-corrections.csv" in result.stderr and "output/ was left unchanged" in result.stderr
    assert not (folder / "output").exists()
