"""What an editor found missing in the Methods, Abstract and PRISMA checklist of the Metapsy review (version
2.0.0), each checked at the stage that writes it: the sections rendered from the committed review's evidence
(the Metapsy templates, and the meta-analysis kind's defaults alone), the article stage for a citation no
bibliography holds.

- Each method is cited where it is named (Paule-Mandel, metafor, the prediction interval, Egger's 10 trials,
  the Cochrane risk-of-bias tool, PRISMA 2020, GRADE), and data/methods-references.bib holds every work cited.
- GRADE's fifth domain, indirectness, is said not to be rated, and why (Methods and Table 4's caption).
- The limit estimate is the regression's extrapolation to a standard error of zero, not "the effect of a
  trial of infinite size".
- The database's registration is a link (escaped text when it is not one web address).
- The Abstract closes with the registration and funding; the Methods say no protocol was prepared; the
  Introduction states the objective; the checklist points at them.
"""

from __future__ import annotations

import copy
import re
import shutil

import pytest
from in_process import run_stages
from livingreview.bibtex import read_bibtex
from livingreview.citations import pandoc_citation
from livingreview.errors import ConfigError
from livingreview.project import template_folders
from livingreview.templates import Templates, link_or_text
from test_metapsy_wordings import KIND, REVIEW, ROOT, base, variants  # noqa: F401 (base: the fixture)

STARTER = ROOT / "workflow" / "livingreview" / "starters" / "meta-analysis"
METHODS_BIBLIOGRAPHIES = [REVIEW / "data" / "methods-references.bib", STARTER / "data" / "methods-references.bib"]


def sections(data: dict, results, own_templates: bool = True, only: tuple = ()) -> dict[str, str]:
    """Each section (or those named *only*) rendered from *data* and *results*: with the Metapsy review's
    templates, or (not *own_templates*) with the meta-analysis kind's defaults alone."""
    review, defaults, shared = template_folders(REVIEW / "templates", kind_defaults=KIND.default_templates)
    templates = Templates([str(f) for f in ((review, defaults, shared) if own_templates else (defaults, shared))])
    names = KIND.section_context(data, results)
    return {section: templates.render(f"sections/{section}.md.j2", **names) for section in (only or KIND.sections)}


def paragraph(text: str, label: str) -> str:
    return re.search(rf"^\*\*{re.escape(label)}\.\*\*.*$", text, re.M).group(0)


def cited(key: str) -> str:
    return pandoc_citation([key])


@pytest.mark.parametrize("own_templates", [True, False], ids=["metapsy", "kind"])
def test_each_method_is_cited_where_the_methods_name_it(base, own_templates):  # noqa: F811
    text = sections(*base, own_templates=own_templates)
    methods, introduction = text["methods"], text["introduction"]
    for named in (f"Paule-Mandel estimator {cited('paule1982consensus')} of the between-trial variance",
                  f"metafor's `aggregate` {cited('viechtbauer2010metafor')}",
                  f"prediction intervals (PI) {cited('riley2011interpretation')}",
                  f"when at least 10 trials contribute, as recommended {cited('sterne2011recommendations')};",
                  f"Cochrane Risk of Bias tool (version 1) {cited('higgins2011cochrane')}: random sequence",
                  f"Rated in the manner of GRADE {cited('guyatt2008grade')} for",
                  f"the PRISMA 2020 checklist {cited('page2021prisma')} (prisma-checklist.md)"):
        assert named in methods, named
    assert f"(Figure 1, the PRISMA 2020 flow diagram {cited('page2021prisma')})" in introduction


@pytest.mark.parametrize("bibliography", METHODS_BIBLIOGRAPHIES, ids=["metapsy", "starter"])
def test_the_methods_bibliography_holds_every_work_the_kind_s_templates_cite(base, bibliography):  # noqa: F811
    data, results = base
    text = "\n".join(sections(data, results, own_templates=False).values())
    works = set(re.findall(r"@\{([^}]+)\}", text)) - {s["key"] for s in data["studies"]} - {
        data["database"]["citation_key"]}
    entries = read_bibtex(bibliography.read_text(encoding="utf-8")).references
    assert works == set(entries)
    sterne, page = entries["sterne2011recommendations"], entries["page2021prisma"]
    assert len(sterne.authors) == 19 and sterne.authors[-1].family == "Higgins"
    assert len(page.authors) == 26 and page.authors[13].family == "Hróbjartsson"
    assert entries["guyatt2008grade"].fields["doi"] == "10.1136/bmj.39489.470347.AD"


def test_a_citation_of_a_key_no_bibliography_holds_names_the_key_the_section_and_the_methods_bibliography(tmp_path):
    """The kind's Methods cite paule1982consensus: a review whose methods bibliography lacks it stops at the
    article stage with an error naming the key, the section and the file its entry belongs in."""
    review = tmp_path / "review"
    shutil.copytree(STARTER, review)
    bib = review / "data" / "methods-references.bib"
    bib.write_text(re.sub(r"@article\{paule1982consensus,.*?\n\}\n", "", bib.read_text(encoding="utf-8"), flags=re.S),
                   encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        run_stages(review, formats_too=False, pipeline=ROOT)
    assert raised.value.file == "data/methods-references.bib"
    assert raised.value.problem == ('section methods cites "paule1982consensus", whose entry neither '
                                    "data/methods-references.bib nor references.bib has")
    assert "add its entry to data/methods-references.bib" in raised.value.fix


@pytest.mark.parametrize("own_templates", [True, False], ids=["metapsy", "kind"])
def test_the_methods_and_table_four_say_that_indirectness_was_not_rated_and_why(base, own_templates):  # noqa: F811
    text = sections(*base, own_templates=own_templates)
    certainty = paragraph(text["methods"], "Certainty of the evidence")
    assert ("GRADE's fifth domain, *indirectness*, was not rated: every trial addresses the review's question as "
            "the database defines it (its population, psychotherapies, control conditions and outcome)") in certainty
    adolescents = ("including the 4 trials of 477 whose participants the database codes as adolescents and young "
                   "adults (Eligibility criteria).")
    assert certainty.endswith(adolescents) if own_templates else adolescents not in certainty
    caption = next(line for line in text["results"].splitlines() if line.startswith(": Table 4."))
    assert ("in four of its five domains (indirectness was not rated: every trial addresses the review's question "
            "as the database defines it; Methods, Certainty of the evidence)") in caption


def test_the_limit_estimate_is_the_regression_s_extrapolation_not_a_trial_of_infinite_size(base):  # noqa: F811
    text = sections(*base)
    everything = "\n".join(text.values())
    assert "infinite" not in everything
    assert ("its intercept, the *limit estimate*, is the regression's extrapolation to a standard error of zero, "
            "beyond the trials observed.") in text["methods"]
    assert ("and the limit estimate (the regression's extrapolation to a standard error of zero) was g = 0.20 "
            "(95 % CI 0.11 to 0.30), against 0.71 pooled.") in text["results"]
    assert ("smaller trials found larger effects (Egger's test p \\< 0.001); the regression's extrapolation to a "
            "standard error of zero, the limit estimate, was g = 0.20 (95 % CI 0.11 to 0.30).") in text["conclusion"]


def test_link_or_text_links_one_web_address_and_escapes_anything_else():
    assert link_or_text("https://osf.io/825c6/") == "[https://osf.io/825c6/](https://osf.io/825c6/)"
    assert link_or_text(" https://osf.io/825c6/\n") == "[https://osf.io/825c6/](https://osf.io/825c6/)"
    assert link_or_text("PROSPERO CRD42019123456") == "PROSPERO CRD42019123456"
    injected = link_or_text("[registered](javascript:alert(1)) *here*")
    assert injected == "\\[registered\\](javascript:alert(1)) \\*here\\*"  # no link, no emphasis
    assert link_or_text("https://osf.io/x [y](z)") == "https://osf.io/x \\[y\\](z)"


@pytest.mark.parametrize("own_templates", [True, False], ids=["metapsy", "kind"])
def test_the_registration_is_a_link_and_data_that_is_no_address_stays_text(base, own_templates):  # noqa: F811
    data, results = base
    link = "([https://osf.io/825c6/](https://osf.io/825c6/))"
    text = sections(data, results, own_templates=own_templates)
    assert f"whose methods are registered {link}. This review has no registration of its own, and no protocol " \
           "was prepared for it;" in paragraph(text["methods"], "Protocol and registration")
    assert link in paragraph(text["abstract"], "Registration and funding")
    odd = copy.deepcopy(data)
    odd["database"]["registration"] = "OSF [825c6](javascript:x)"
    text = sections(odd, results, own_templates=own_templates)
    assert "(OSF \\[825c6\\](javascript:x))" in paragraph(text["methods"], "Protocol and registration")


@pytest.mark.parametrize("own_templates", [True, False], ids=["metapsy", "kind"])
def test_the_abstract_closes_with_registration_and_funding_and_the_checklist_points_at_it(base, own_templates):  # noqa: F811
    data, results = base
    text = sections(data, results, own_templates=own_templates)
    assert text["abstract"].rstrip().endswith(
        "**Registration and funding.** This review was not registered and no protocol was prepared for it; the "
        "database's methods are registered ([https://osf.io/825c6/](https://osf.io/825c6/)). Funding: None: this "
        "worked example of the livingreview project received no financial or non-financial support.")
    checklist = text["checklist"]
    assert "| 2 | Abstract | See the PRISMA 2020 for Abstracts checklist. | Abstract (structured, closing with its " \
           "registration and funding) |" in checklist
    assert ("| Methods, Protocol and registration (no protocol was prepared; the database's methods are "
            "registered) |") in checklist.split("| 24b |")[1].split("\n")[0]
    unfunded = copy.deepcopy(data)
    del unfunded["review"]["funding"]
    text = sections(unfunded, results, own_templates=own_templates)
    assert text["abstract"].rstrip().endswith("are registered ([https://osf.io/825c6/](https://osf.io/825c6/)).")
    assert "the funding of the abstract checklist is not reported" in text["checklist"].split("| 2 |")[1].split("\n")[0]


@pytest.mark.parametrize("own_templates", [True, False], ids=["metapsy", "kind"])
def test_the_introduction_states_the_objective_and_checklist_item_four_points_at_it(base, own_templates):  # noqa: F811
    text = sections(*base, own_templates=own_templates)
    objective = ("The objective of this review is to estimate the effect of psychotherapies on depressive symptoms at "
                 "the end of treatment, compared with control conditions: overall, by control condition and by type "
                 "of psychotherapy.")
    assert f"\n\n{objective}\n\n" in text["introduction"]
    assert text["checklist"].split("| 4 |")[1].split("\n")[0].endswith(
        "| Introduction (the objective, before Figure 1); Methods, Eligibility criteria |")


def test_the_metapsy_abstract_and_introduction_reword_only_the_database_and_its_population(base):  # noqa: F811
    """The Metapsy review's Abstract and Introduction extend the kind's (blocks database_named and population):
    in every variant of the numbers they differ from the kind's only there (its copy of the Abstract had lost
    the kind's "publication bias was not assessed (...)" of a variant with fewer than 10 trials rated)."""
    for name, (data, results) in variants(*base).items():
        own, kind = (sections(data, results, own_templates=own, only=("abstract", "introduction"))
                     for own in (True, False))
        for section in ("abstract", "introduction"):
            assert "the Metapsy database" in own[section] and "the Metapsy database" not in kind[section]
            assert own[section].replace("the Metapsy database", "the database").replace(
                "in adults with depression (and, in 4 trials, adolescents and young adults)",
                "in people with depression") == kind[section], (name, section)


def test_the_committed_release_links_the_registration_in_every_format():
    """The registration's link as each format writes it: HTML <a>, JATS <ext-link>, a DOCX hyperlink, a PDF
    link annotation (the committed release, which tests/test_metapsy_review.py checks is a rebuild)."""
    import zipfile

    output = REVIEW / "output"
    address = "https://osf.io/825c6/"
    assert f'<a href="{address}">{address}</a>' in (output / "review.html").read_text(encoding="utf-8")
    assert (f'<ext-link ext-link-type="uri" xlink:href="{address}">{address}</ext-link>'
            in (output / "review.jats.xml").read_text(encoding="utf-8"))
    with zipfile.ZipFile(output / "review.docx") as docx:
        assert f'Target="{address}"' in docx.read("word/_rels/document.xml.rels").decode("utf-8")
    assert re.search(rb"/URI\s*\(" + re.escape(address.encode()) + rb"\)", (output / "review.pdf").read_bytes())
