"""Large reviews build: nothing in the pipeline is bounded by the size of a command line."""

from __future__ import annotations

import re

from conftest import EXAMPLE, copy_project, run_cli
from livingreview.commands.synthetic import write_review


def test_a_review_of_2000_references_builds_in_every_format(tmp_path):
    project = copy_project(tmp_path / "project")
    write_review(project, 2000, EXAMPLE)
    result = run_cli(project, "build", timeout=900)
    assert result.returncode == 0, result.stderr
    markdown = (project / "output" / "review.md").read_text(encoding="utf-8")
    assert markdown.count("{#ref-") == 2000 and "{#ref-2000 .reference}" in markdown
    html = (project / "output" / "review.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<meta name="citation_reference"', html)) == 2000
    assert (project / "output" / "review.pdf").stat().st_size > 100_000
