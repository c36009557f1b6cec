"""Real-world BibTeX (tests/fixtures/bib/, see its README): everything readable is read and formatted,
everything else is reported by key with the reason, and nothing crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from livingreview.bibtex import bibliography_and_problems, read_bibtex
from livingreview.commands.check_bib import check_bibliography, report_lines
from livingreview.errors import combined

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "bib"
TEMPLATES = ROOT / "templates"
EXAMPLE = ROOT / "tests" / "fixtures" / "example"
FILES = sorted(p.name for p in FIXTURES.glob("*.bib"))


def check(name: str, style: str = "seed"):
    return check_bibliography(FIXTURES / name, [TEMPLATES], style)


@pytest.mark.parametrize("style", ["seed", "vancouver", "apa"])
@pytest.mark.parametrize("name", FILES)
def test_every_entry_is_formatted_or_reported_by_key(name, style):
    report = check(name, style)
    read = read_bibtex((FIXTURES / name).read_text(encoding="utf-8"), str(FIXTURES / name))
    reported = {e.where.split("key ")[1].split(",")[0] for e in report.unformattable}
    assert set(report.formatted) | reported == set(read.references)
    for error in report.unreadable + report.unformattable:
        assert "line " in error.where and "key " in error.where and error.fix
    for text in report.formatted.values():
        assert text and "\\" not in text.replace("\\[", "").replace("\\]", "").replace("\\*", "").replace(
            "\\_", "").replace("\\^", "").replace("\\&", "").replace("\\@", "").replace("\\#", "").replace(
            "\\$", "").replace("\\<", "").replace("\\>", "").replace("\\~", "")  # no raw LaTeX left


def test_string_macros_concatenation_and_crossref():
    report = check("iridia-excerpt.bib")
    assert report.ok and not report.warnings
    assert report.formatted["AbrAmoDan1999"].startswith(
        'D. Abramson, M. K. Amoorthy, H. Dang. "Simulated annealing cooling schedules for the school timetabling '
        'problem." *Asia-Pacific Journal of Operational Research* 16 (1999):1-22.')
    # booktitle and year come from the crossref'd @proceedings, whose title is itself built from macros
    assert report.formatted["Abb2002selfpde"] == (
        'H. A. Abbass. "The self-adaptive Pareto differential evolution algorithm." In: *Proceedings of the 2002 '
        "Congress on Evolutionary Computation (CEC'02)* (2002):831-836.")
    assert report.formatted["AarKorMic2005"].startswith(
        'E. H. L. Aarts, J. H. M. Korst, W. Michiels. "Simulated Annealing." In: *Search Methodologies* (2005):187-210.')


def test_broken_blocks_are_reported_with_line_and_key():
    report = check("bibliotex-excerpt.bib")
    messages = [str(e) for e in report.unreadable]
    assert any("line 51 (to line 56), key 2014-Gottberg-JBIC-19-857" in m and "delete the lines that start with %"
               in m for m in messages)
    assert any("line 104, key 1981-Pinski-PRB-23-5080" in m and "first at line 88" in m for m in messages)
    assert any("key 2018-Konya-NR-2" in m and '"author" more than once' in m for m in messages)
    assert any("key 1997-Cotter-HOCS-2-899" in m and '"editor" more than once' in m for m in messages)
    assert report.formatted["2014-Räisänen-HI-223-231"].startswith("J. Räisänen, H. J. Whitlow.")
    assert "Li\\^+ and Mg\\^2+ for ATP" in report.formatted["1991-Abraha-JIB-42-191"]


def test_zotero_export_case_braces_particles_and_missing_fields():
    report = check("lakens-excerpt.bib")
    assert report.formatted["aert_correcting_2018"].startswith(
        'R. C. M. van Aert, M. A. L. M. van Assen. "Correcting for Publication Bias in a Meta-Analysis with the '
        'P-uniform\\* Method."')
    assert report.formatted["faul_gpower_2007"].startswith('F. Faul, E. Erdfelder, A.-G. Lang, A. Buchner. "GPower 3:')
    assert "M. S. Ben-Shachar, D. Lüdecke" in report.formatted["ben-shachar_effectsize_2020"]
    problems = {e.where: e.problem for e in report.unformattable}
    assert 'lacks the field "journal"' in problems["line 68, key bartos_zcurve_2020, field journal"]
    assert 'lacks the field "publisher"' in problems["line 80, key berkeley_defence_1735, field publisher"]


def test_accents_font_macros_and_bare_ampersands():
    report = check("doing-meta-analysis-excerpt.bib")
    # an entry with a URL and no DOI: citeproc links its title to the URL
    assert ('"[Sometimes I R: Bayesian Meta-Analysis with R, Stan & brms](https://mvuorre.github.io/posts/'
            '2016-09-29-bayesian-meta-analysis/)."') in report.formatted["vuorre2016bayesian"]
    assert '"Dynamic Documents with R and knitr."' in report.formatted["xie2015"]
    assert "Chapman & Hall/CRC Press (2021)" in report.formatted["harrer2021doing"]
    assert report.formatted["higgins2011cochrane"].startswith(
        "J. Higgins, D. G. Altman, P. C. Gøtzsche, P. Jüni, D. Moher, A. D. Oxman, et al.")
    assert report.formatted["ioannidis2012science"].startswith("J. P. A. Ioannidis.")
    assert [e.where for e in report.unreadable] == ["line 61, key lunn2012bugs"]


def test_the_build_reports_every_unreadable_block_at_once():
    text = (FIXTURES / "bibliotex-excerpt.bib").read_text(encoding="utf-8")
    _, problems = bibliography_and_problems(text, "references.bib")
    message = str(combined(problems))
    assert message.count("error: ") == 3  # four problems: the first is not prefixed, the step adds it
    for key in ("2014-Gottberg-JBIC-19-857", "1981-Pinski-PRB-23-5080", "2018-Konya-NR-2", "1997-Cotter-HOCS-2-899"):
        assert f"key {key}" in message


def test_report_lines_end_with_a_summary():
    lines = report_lines(check("lakens-excerpt.bib"), show=True)
    assert lines[-1].endswith('4 formatted with style "seed"; 0 blocks cannot be read, 2 entries cannot be '
                              "formatted, 0 warnings")
    assert sum(line.startswith("error: ") for line in lines) == 2
    assert any(line.startswith("faul_gpower_2007: F. Faul") for line in lines)


def test_check_bib_command(tmp_path):
    result = run_cli(ROOT, "check-bib", str(FIXTURES / "lakens-excerpt.bib"), "--style", "vancouver")
    assert result.returncode == 1
    assert "key bartos_zcurve_2020, field journal" in result.stderr
    assert 'formatted with style "vancouver"' in result.stderr
    ok = run_cli(ROOT, "check-bib", str(EXAMPLE / "references.bib"))
    assert ok.returncode == 0, ok.stderr
    assert "10 entries read, 10 formatted" in ok.stderr
    missing = run_cli(ROOT, "check-bib", str(tmp_path / "nothere.bib"))
    assert missing.returncode == 1 and "the bibliography file does not exist" in missing.stderr
