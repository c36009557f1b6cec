"""Unit tests of BibTeX value resolution, crossref, LaTeX decoding, and "and others" in every style."""

from __future__ import annotations

from pathlib import Path

import pytest
from bibtexparser.model import String
from livingreview.bibtex import (
    ValueSyntaxError,
    apply_biblatex_aliases,
    decode_latex,
    read_bibtex,
    resolve_crossrefs,
    resolve_macros,
    resolve_value,
    split_value,
)
from livingreview.commands.check_bib import format_entries, style_file
from livingreview.records import Reference

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.mark.parametrize("raw, parts", [
    ("{Title}", [("text", "Title")]),
    ('"Quoted {with} braces"', [("text", "Quoted {with} braces")]),
    ("2012", [("macro", "2012")]),
    ("jgcd", [("macro", "jgcd")]),
    ('Proc_of # " the " # {x}', [("macro", "Proc_of"), ("text", " the "), ("text", "x")]),
    ("a #b# {c}", [("macro", "a"), ("macro", "b"), ("text", "c")]),
    (r"{a \} b}", [("text", r"a \} b")]),
])
def test_split_value(raw, parts):
    assert split_value(raw) == parts


@pytest.mark.parametrize("raw, message", [
    ("{140}\n  year = {2022}", "follows the value without a comma"),
    ("{open", "not closed"),
    ('"open', "not closed"),
])
def test_split_value_rejects_what_bibtex_rejects(raw, message):
    with pytest.raises(ValueSyntaxError, match=message):
        split_value(raw)


def test_macros_resolve_in_order_with_months_and_redefinitions():
    strings = [String("and", '" and "'), String("Proc_of", '"Proceedings of "'),
               String("Proc_of_the", 'Proc_of # " the "'), String("x", "{old}"), String("X", "{new}")]
    macros = resolve_macros(strings)
    assert macros["proc_of_the"] == "Proceedings of  the "
    assert macros["x"] == "new" and macros["mar"] == "March"
    assert resolve_value("{A} #and# {B, C}", macros) == ("A and B, C", [])
    assert resolve_value("nope # {!}", macros) == ("nope!", ["nope"])
    assert resolve_value("2012", macros) == ("2012", [])


def test_undefined_macro_and_missing_crossref_are_warnings_by_key():
    bib = read_bibtex("@inproceedings{a, author={Doe, J.}, title={T}, crossref={nothere}, journal=jgcd}", "r.bib")
    assert not bib.problems
    messages = [str(w) for w in bib.warnings["a"]]
    assert any('field journal: the @string macro "jgcd" is not defined' in m for m in messages)
    assert any("field crossref: the entry refers to \"nothere\"" in m for m in messages)


def test_crossref_inherits_booktitle_year_and_editors():
    parent = Reference("proc", "proceedings", 9, {"title": "Proc. of X", "year": "2002", "publisher": "P"})
    child = Reference("paper", "inproceedings", 1, {"title": "Paper", "crossref": "PROC", "pages": "1--2"})
    refs = {"proc": parent, "paper": child}
    assert resolve_crossrefs(refs, "r.bib") == {}
    assert child.fields["booktitle"] == "Proc. of X" and child.fields["year"] == "2002"
    assert child.fields["title"] == "Paper" and child.fields["publisher"] == "P"


def test_biblatex_aliases():
    ref = Reference("k", "article", 1, {"journaltitle": "J", "date": "2020-05-01"})
    apply_biblatex_aliases(ref)
    assert ref.fields["journal"] == "J" and ref.fields["year"] == "2020"


@pytest.mark.parametrize("latex, text", [
    (r"M{\"u}ller", "Müller"),
    (r"Bj{\o}rnstad", "Bjørnstad"),
    (r"{Stan} & brms", "Stan & brms"),
    (r"50% of {X}", "50% of X"),
    (r"a \% b", "a % b"),
    (r"\textsf{R} and \texttt{knitr}", "R and knitr"),
    (r"{$\eta$}2", "η2"),  # simple math is decoded
    (r"costs US$ 5 {x}", "costs US$ 5 x"),
    (r"{x} #1", "x #1"),
    ("plain <b>text</b> & more", "plain <b>text</b> & more"),
])
def test_decode_latex(latex, text):
    assert decode_latex(latex) == text


@pytest.mark.parametrize("latex, text", [
    (r"$\beta$-Blockers", "β-Blockers"),
    (r"The Earth Is Round (p $<$ .05)", "The Earth Is Round (p < .05)"),
    (r"R$^2$ and CO$_2$ and H$_{2}$O", "R² and CO₂ and H₂O"),
    (r"$\chi^2$, $x_{ij}^{2}$, $10^{-3}$", "χ², xᵢⱼ², 10⁻³"),
    (r"$\geq$ 18", "≥ 18"),
    ("Costs in $ and 5% of $x$", "Costs in $ and 5% of $x$"),  # three dollars: none opens math
])
def test_simple_math_is_decoded_to_text(latex, text):
    undecoded = []
    assert decode_latex(latex, undecoded) == text and undecoded == []


def test_math_that_text_cannot_write_is_kept_and_named():
    undecoded = []
    assert decode_latex(r"On $x^{\gamma}$ rates", undecoded) == r"On $x^{\gamma}$ rates"
    assert undecoded == [r"$x^{\gamma}$"]
    bib = read_bibtex(r"@article{k, author={Doe, J.}, title={On $x^{\gamma}$}, journal={J}, year={2020}}")
    assert "cannot be written as plain text" in bib.warnings["k"][0].problem


def test_and_others_means_et_al_in_every_style():
    refs = read_bibtex("@article{k, author={Andersen, Sara and others}, title={T}, journal={J}, year={2020}}").references
    texts = {style: format_entries(refs, style, style_file(style, [TEMPLATES]), [TEMPLATES], "r.bib")[0]["k"]
             for style in ("seed", "vancouver", "apa")}
    assert texts["seed"].startswith("S. Andersen, et al.") and texts["vancouver"].startswith("Andersen S, et al.")
    # APA joins the last name with "&": "et al." would read "& et al.", so the named author stands alone
    assert texts["apa"].startswith("Andersen, S. (2020).")


def test_an_undefined_macro_joining_names_is_named_as_the_cause():
    bib = read_bibtex("@article{k, author={Doe, J.} # and # {Roe, K.}, title={T}, journal={J}, year={2020}}")
    assert 'macros that are not defined: "and"' in bib.problems[0].problem
