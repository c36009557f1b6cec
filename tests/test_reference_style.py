"""The built-in reference styles are CSL files; the seed style reproduces the seed article's references exactly."""

from pathlib import Path

import pytest
from livingreview.bibtex import bibliography_and_problems, read_bibliography
from livingreview.commands.check_bib import format_entries, style_file

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
EXAMPLE = ROOT / "tests" / "fixtures" / "example"

SEED_REFERENCES = {
    "johnsen2023": 'B. Johnsen, K. Hansen, A. Olsen. "Comparing Medication and Psychotherapy Outcomes in '
                   'Depression: A Systematic Review and Meta-Analysis." *Clinical Depression* 15 (2023):112-125.',
    "solberg2022": 'K. Solberg, O. Karlsen, L. Bjornstad. "Neural Mechanisms of Antidepressant Medication and '
                   'Psychotherapy: A Comparative Review." *Neuroscience & Biobehavioral Reviews* 140 (2022):567-580.',
    "olsen2023": 'M. Olsen, P. Hansen, K. Johnsen. "The Therapeutic Alliance in Psychotherapy vs. Medication '
                 'Adherence in Depression Treatment: A Comparative Analysis." *Journal of Clinical Psychology* 79 '
                 '(2023):678-690.',
}


def render_all(references: dict, style: str = "seed") -> dict[str, str]:
    """Every entry formatted by pandoc's citeproc with the built-in *style*, as review.md prints it but
    for the seed style's number."""
    formatted, problems = format_entries(references, style, style_file(style, [TEMPLATES]), [TEMPLATES], "r.bib")
    assert problems == []
    return formatted


def render(entry, style="seed") -> str:
    """One entry formatted."""
    return render_all({entry.key: entry}, style)[entry.key]


@pytest.mark.parametrize("key", sorted(SEED_REFERENCES))
def test_seed_style_matches_the_seed(key):
    assert render(read_bibliography(EXAMPLE / "references.bib")[0][key]) == SEED_REFERENCES[key]


def one(bibtex):
    references, problems = bibliography_and_problems(bibtex)
    assert problems == []
    return next(iter(references.values()))


def test_more_than_six_authors():
    authors = " and ".join(f"Author{i}, A." for i in range(1, 9))
    text = render(one(f"@article{{k, author={{{authors}}}, title={{T}}, journal={{J}}, volume={{1}}, year={{2020}}, pages={{1--2}}}}"))
    assert text.startswith("A. Author1, A. Author2, A. Author3, A. Author4, A. Author5, A. Author6, et al. \"T.\"")


def test_and_others_gives_et_al():
    text = render(one("@article{k, author={Boele, F. W. and others}, title={T}, journal={J}, year={2021}}"))
    assert text == 'F. W. Boele, et al. "T." *J* (2021).'


def test_missing_pages_and_volume():
    assert render(one("@article{k, author={Doe, J.}, title={T}, journal={J}, year={2020}}")) == 'J. Doe. "T." *J* (2020).'


def test_doi_is_a_link():
    text = render(one("@article{k, author={Doe, J.}, title={T}, journal={J}, year={2020}, doi={10.1000/xyz.1}}"))
    assert text.endswith("(2020). <https://doi.org/10.1000/xyz.1>")


def test_non_ascii_names_from_latex_and_unicode():
    text = render(one(r"@article{k, author={Bj{\o}rnstad, Lars and Müller, Anna-Lena}, title={T}, journal={J}, year={2020}}"))
    assert text.startswith("L. Bjørnstad, A.-L. Müller.")


def test_title_ending_in_question_mark_gets_no_period():
    assert '"Does it work?" *J*' in render(one("@article{k, author={Doe, J.}, title={Does it work?}, journal={J}, year={2020}}"))


def test_markup_in_titles_is_escaped():
    text = render(one("@article{k, author={Doe, J.}, title={Using *stars* and <b>tags</b> [@other]}, journal={J_1}, year={2020}}"))
    assert r"Using \*stars\* and \<b\>tags\</b\> \[\@other\]" in text and r"*J_1*" in text


def test_a_chapter_names_its_book():
    text = render(one("@incollection{k, author={Doe, J.}, title={T}, booktitle={The Book}, year={2020}, pages={3--9}}"))
    assert text == 'J. Doe. "T." In: *The Book* (2020):3-9.'


@pytest.mark.parametrize("style", ["vancouver", "apa"])
def test_other_styles_render(style):
    entry = read_bibliography(EXAMPLE / "references.bib")[0]["johnsen2023"]
    text = render(entry, style)
    assert "Johnsen" in text and "2023" in text and "Clinical Depression" in text


def test_apa_leaves_and_others_out_rather_than_print_and_et_al():
    text = render(one("@article{k, author={Boele, F. W. and Smith, A. and others}, title={T}, journal={J}, year={2021}}"),
                  "apa")
    assert text.startswith("Boele, F. W., & Smith, A. (2021).")
