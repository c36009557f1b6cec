"""Run the workflow's stages in this process, in the order the rules run them, without Snakemake.

For the many tests of bad input, whose subject is the message a stage
raises: each case costs a fraction of a second instead of a whole build.
The workflow itself, with Snakemake, is tested end to end elsewhere
(tests/test_pipeline.py and the end-to-end cases of tests/test_errors.py).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from livingreview import config as review_config
from livingreview import kinds
from livingreview.csl import is_csl_style
from livingreview.project import (
    SMALL_STUDY_EFFECTS,
    SUBGROUP_DIFFERENCES,
    SUMMARY_OF_FINDINGS,
    SYNTHESIS,
    template_folders,
)
from livingreview.stages import article, evidence, figures, formats, sections, synthesis
from livingreview.templates import template_file


@contextmanager
def working_directory(path: Path):
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def run_stages(project: Path, overrides: dict | None = None, formats_too: bool = True,
               pipeline: Path | None = None) -> None:
    """Check the config, then run evidence, synthesis (a meta-analysis), sections, article, and (with
    *formats_too*) the figure, html, pdf, docx and jats in review folder *project* (its own config and
    templates, the shared templates of the *pipeline*, by default the project itself); raise what a stage
    raises. The files are written under the project's build folder."""
    pipeline = pipeline or project
    with working_directory(project):
        config = review_config.read_file() | (overrides or {})
        config = review_config.check(config, pipeline=pipeline)
        build = Path(config["build_dir"])
        kind = kinds.get(config["kind"])
        folders = [str(folder) for folder in template_folders(config["templates"], shared=pipeline / "templates",
                                                              kind_defaults=kind.default_templates)]

        def template(name):
            return template_file(name, folders)

        evidence.load(kind=kind, data={key: config[key] for key in kind.all_data_files()},
                      out=str(build / "evidence.json"), log=str(build / "log"))
        pooled = None
        if kind.synthesis:  # a meta-analysis: the pooled effects its sections print
            pooled = str(build / SYNTHESIS)
            synthesis.pool_effects(evidence=str(build / "evidence.json"), out=pooled,
                                   small_study=str(build / SMALL_STUDY_EFFECTS),
                                   subgroups=str(build / SUBGROUP_DIFFERENCES), findings=str(build / SUMMARY_OF_FINDINGS),
                                   control_event_rate=config["control_event_rate"], log=str(build / "log"))
        for section in kind.sections:
            template(f"sections/{section}.md.j2")
            sections.render(kind=kind, section=section, evidence=str(build / "evidence.json"), synthesis=pooled,
                            templates=folders, out=str(build / "sections" / f"{section}.md"), log=str(build / "log"))
        style = config["reference_style"]
        style_file = style if is_csl_style(style) else template(f"references/{style}.csl")
        article.assemble(evidence=str(build / "evidence.json"),
                         sections=[str(build / "sections" / f"{s}.md") for s in kind.sections], templates=folders,
                         style=style_file, name=style, defaults={"citeproc": template("pandoc/citeproc.yaml")},
                         ast=str(build / "review.json"), citeproc=str(build / "citeproc"), log=str(build / "log"))
        article.markdown(ast=str(build / "review.json"), cited=str(build / "citeproc" / "article.md"),
                         defaults=template("pandoc/markdown.yaml"), out=str(build / "review.md"), log=str(build / "log"))
        if not formats_too:
            return
        figures.design_map(evidence=str(build / "evidence.json"), out=str(build / "figures" / "designs.svg"),
                           picture=str(build / "pictures" / "figures" / "designs.png"), log=str(build / "log"))
        formats.html(ast=str(build / "review.json"), evidence=str(build / "evidence.json"),
                     defaults=template("pandoc/html.yaml"),
                     template=template("html/template.html"), figures=str(build), variables=str(build / "html.yaml"),
                     out=str(build / "review.html"), log=str(build / "log"))
        formats.pdf(ast=str(build / "review.json"), evidence=str(build / "evidence.json"),
                    defaults=template("pandoc/typst.yaml"), template=template("pdf/template.typ"),
                    fonts=[f"{folder}/pdf/fonts" for folder in folders], figures=str(build),
                    variables=str(build / "typst.yaml"),
                    typst=str(build / "review.typ"), out=str(build / "review.pdf"), log=str(build / "log"))
        formats.docx(ast=str(build / "review.json"), markdown=str(build / "review.md"), evidence=str(build / "evidence.json"),
                     defaults=template("pandoc/docx.yaml"), pictures=str(build / "pictures"), figures=str(build),
                     variables=str(build / "docx.yaml"),
                     out=str(build / "review.docx"), log=str(build / "log"))
        formats.jats(ast=str(build / "review.json"), evidence=str(build / "evidence.json"),
                     defaults=template("pandoc/jats.yaml"),
                     template=template("jats/template.xml"), figures=str(build), variables=str(build / "jats.yaml"), out=str(build / "review.jats.xml"), log=str(build / "log"))


def evidence_and_synthesis(review: Path, build: Path) -> tuple[Path, Path]:
    """The evidence and synthesis stages of the meta-analytic review in folder *review*, run into *build*:
    its evidence.json and synthesis.csv (the small-study, subgroup and summary-of-findings tables beside
    it), what the sections stage reads."""
    kind = kinds.get("meta-analysis")
    with working_directory(review):
        settings = review_config.read_file(Path("."))
        evidence.load(kind=kind, data={key: settings[key] for key in kind.all_data_files()},
                      out=str(build / "evidence.json"), log=str(build / "log"))
    synthesis.pool_effects(evidence=str(build / "evidence.json"), out=str(build / "synthesis.csv"),
                           small_study=str(build / "small_study_effects.csv"),
                           subgroups=str(build / "subgroup_differences.csv"),
                           findings=str(build / "summary_of_findings.csv"), control_event_rate=0.2,
                           log=str(build / "log"))
    return build / "evidence.json", build / "synthesis.csv"
