"""Large reviews build: nothing in the pipeline is bounded by the size of a command line.

A whole build of 1,001 references: one past the size up to which the PDF's citations are links
(config key ``pdf_citation_links``, default 1,000), so the large-review path of every format is built.
The benchmark (``make bench-scale``) builds 1,000, 2,000 and 10,000 studies and reports time and memory."""

from __future__ import annotations

import re

from conftest import EXAMPLE, copy_project, run_cli
from livingreview.commands.synthetic import write_review


def test_a_review_of_1001_references_builds_in_every_format(tmp_path):
    project = copy_project(tmp_path / "project")
    write_review(project, 1001, EXAMPLE)
    result = run_cli(project, "build", timeout=900)
    assert result.returncode == 0, result.stderr
    markdown = (project / "output" / "review.md").read_text(encoding="utf-8")
    assert markdown.count("{#ref-") == 1001 and "{#ref-1001 .reference}" in markdown
    html = (project / "output" / "review.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<meta name="citation_reference"', html)) == 1001
    assert (project / "output" / "review.pdf").stat().st_size > 100_000
