"""Memory bounded at scale (issue 24): the format jobs' shared resource, Typst in its own process, the PDF's
citation links as config pdf_citation_links says, the scale benchmark's report."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_snakemake
from livingreview.commands.bench_scale import format_report
from livingreview.errors import ConversionError
from livingreview.stages import formats

ARTICLE_JOBS = ("docx", "html", "jats", "markdown", "pdf", "snapshot")


def article_copies(project: Path) -> dict[str, str]:
    """What each job that holds the whole article asks of the resource article_copies (snakemake -n)."""
    dry = run_snakemake(project, "-n", "--forcerun", *ARTICLE_JOBS)
    assert dry.returncode == 0, dry.stderr
    jobs = re.findall(r"^rule (\w+):\n(?:    .*\n)*?    resources: .*article_copies=(\w+)", dry.stdout + dry.stderr,
                      re.MULTILINE)
    return dict(sorted(jobs))


def test_jobs_holding_the_article_run_two_at_once_and_a_large_article_alone(project, built_project):
    profile = yaml.safe_load((ROOT / "profiles" / "default" / "config.yaml").read_text(encoding="utf-8"))
    assert "article_copies=2" in profile["resources"]
    # The build's files, newer than the sources: only the forced jobs would run.
    shutil.copytree(built_project / "build", project / "build", copy_function=shutil.copy)
    assert article_copies(project) == dict.fromkeys(ARTICLE_JOBS, "1")
    ast = project / "build" / "review.json"
    ast.write_text(ast.read_text(encoding="utf-8") + " " * (8 * 2**20), encoding="utf-8")  # > 8 MiB: large
    assert article_copies(project) == dict.fromkeys(ARTICLE_JOBS, "2")


def test_typst_compiles_in_a_process_of_its_own(tmp_path, monkeypatch):
    source = tmp_path / "doc.typ"
    source.write_text('#set document(title: "T")\n#set text(lang: "en")\n= Title\nHello.\n', encoding="utf-8")
    commands = []
    real_run = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda command, **kw: commands.append(command) or real_run(command, **kw))
    formats.compile_typst(str(source), str(tmp_path / "doc.pdf"), [], 0, str(tmp_path / "template.typ"))
    assert (tmp_path / "doc.pdf").read_bytes().startswith(b"%PDF")
    assert [command[:2] for command in commands] == [[sys.executable, "-c"]]


def test_where_python_may_not_start_itself_typst_compiles_in_the_build(tmp_path, monkeypatch):
    source = tmp_path / "doc.typ"
    source.write_text('#set document(title: "T")\n#set text(lang: "en")\n= Title\nHello.\n', encoding="utf-8")

    def denied(command, **kw):
        raise PermissionError(13, "Permission denied", command[0])
    monkeypatch.setattr(subprocess, "run", denied)
    formats.compile_typst(str(source), str(tmp_path / "doc.pdf"), [], 0, str(tmp_path / "template.typ"))
    assert (tmp_path / "doc.pdf").read_bytes().startswith(b"%PDF")


def test_a_typst_error_in_its_process_names_the_template_line(tmp_path):
    template = tmp_path / "template.typ"
    template.write_text("= Title\n#let broken = (\n", encoding="utf-8")
    source = tmp_path / "review.typ"
    source.write_text('#set document(title: "T")\n= Title\n#let broken = (\n', encoding="utf-8")
    with pytest.raises(ConversionError) as caught:
        formats.compile_typst(str(source), str(tmp_path / "review.pdf"), [], 0, str(template))
    assert "Typst cannot compile the PDF" in str(caught.value)
    assert caught.value.line == 2  # the template's line, found from the diagnostic of the other process
    assert not (tmp_path / "review.pdf").exists()


@pytest.mark.parametrize(("links", "linked"), [(True, True), (False, False), (5, False), (1000, True)])
def test_the_pdf_links_its_citations_as_config_pdf_citation_links_says(built_project, tmp_path, links, linked):
    build = tmp_path / "build"  # Typst reads the figures under the folder of review.typ only
    shutil.copytree(built_project / "build", build)
    templates = built_project / "templates"
    typst = build / "review.typ"
    formats.pdf(ast=str(build / "review.json"), evidence=str(build / "evidence.json"),
                defaults=str(templates / "pandoc" / "typst.yaml"), template=str(templates / "pdf" / "template.typ"),
                fonts=[str(templates / "pdf" / "fonts")], figures=str(build / "release"),
                variables=str(tmp_path / "typst.yaml"), typst=str(typst), out=str(tmp_path / "review.pdf"),
                log=str(tmp_path / "pdf.log"), links=links)
    text = typst.read_text(encoding="utf-8")
    assert ("#link(<ref-" in text) is linked
    assert "<ref-1>" in text  # the reference list keeps its anchors
    assert (tmp_path / "review.pdf").read_bytes().startswith(b"%PDF")


def test_the_scale_report_shows_time_cpu_and_memory():
    report = format_report({1000: {"cold build": (10.0, 2**30, 18.5)}, 2000: {"cold build": (20.0, 2**31, 37.0)}})
    assert "CPU (tree)" in report.splitlines()[0]
    assert re.search(r"1000  cold build\s+10.00s\s+18.50s\s+1024 MiB", report)
    assert "time grows as N^1.00" in report


def test_the_config_schema_documents_pdf_citation_links():
    schema = yaml.safe_load((Path(ROOT) / "workflow" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
    assert schema["properties"]["pdf_citation_links"]["default"] == 1000
