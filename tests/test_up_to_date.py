"""A build with nothing to do answers at once, and only then."""

from __future__ import annotations

from conftest import run_cli
from livingreview.cli import load_config
from livingreview.manifest import release_is_current
from livingreview.release import RELEASE_FILES


def is_current(project, **overrides) -> bool:
    config = load_config(project, overrides)
    return release_is_current(project, config, project / "build" / "release", project / "output", RELEASE_FILES)


def test_a_build_with_nothing_to_do_does_not_start_snakemake(project):
    assert run_cli(project, "build").returncode == 0
    log = project / "build" / "snakemake.log"
    before = log.stat().st_mtime_ns
    again = run_cli(project, "build")
    assert again.returncode == 0 and "output/ is up to date" in again.stdout
    assert log.stat().st_mtime_ns == before  # Snakemake did not run
    assert is_current(project)


def test_any_change_to_inputs_options_or_output_is_noticed(project):
    assert run_cli(project, "build").returncode == 0
    assert is_current(project)
    assert not is_current(project, reference_style="apa")
    template = project / "templates" / "sections" / "conclusion.md.j2"
    original = template.read_bytes()
    template.write_bytes(original + b"{# a comment #}\n")
    assert not is_current(project)
    template.write_bytes(original)
    assert is_current(project)
    (project / "templates" / "sections" / "extra.md.j2").write_text("new template\n", encoding="utf-8")
    assert not is_current(project)  # a new input file
    (project / "templates" / "sections" / "extra.md.j2").unlink()
    published = project / "output" / "review.md"
    published.write_bytes(published.read_bytes() + b"\n")
    assert not is_current(project)  # output/ edited by hand: the build republishes
    rebuilt = run_cli(project, "build")
    assert rebuilt.returncode == 0 and "published review.md" in rebuilt.stdout
