"""The progress of a build (logger plugin) and its summary: the jobs done of the total, the stages
running, then what was published and where."""

from __future__ import annotations

import logging

from conftest import copy_project, run_cli
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_logger_plugin_livingreview import LogHandler


def handler() -> LogHandler:
    """The plugin's handler without Snakemake's settings objects."""
    instance = LogHandler.__new__(LogHandler)
    logging.Handler.__init__(instance)
    instance.__post_init__()
    return instance


def record(**fields) -> logging.LogRecord:
    made = logging.LogRecord("snakemake", logging.INFO, __file__, 1, None, None, None)
    for key, value in fields.items():
        setattr(made, key, value)
    return made


def test_the_progress_names_the_jobs_done_of_the_total_and_the_stages_running(monkeypatch, capsys):
    monkeypatch.setenv("LIVINGREVIEW_PROGRESS", "1")
    plugin = handler()
    for fields in (dict(event=LogEvent.PROGRESS, done=1, total=5),
                   dict(event=LogEvent.JOB_INFO, jobid=3, rule_name="section_results"),
                   dict(event=LogEvent.JOB_INFO, jobid=4, rule_name="figure_forest"),
                   dict(event=LogEvent.JOB_FINISHED, job_id=3),
                   dict(event=LogEvent.PROGRESS, done=2, total=5),
                   dict(event=LogEvent.JOB_INFO, jobid=5, rule_name="publish"),
                   dict(event=LogEvent.PROGRESS, done=5, total=5)):
        plugin.emit(record(**fields))
    assert capsys.readouterr().err.splitlines() == [
        "livingreview: [1/5 jobs done] running sections",
        "livingreview: [1/5 jobs done] running figures, sections",
        "livingreview: [1/5 jobs done] running figures",
        "livingreview: [2/5 jobs done] running figures",
    ]


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    monkeypatch.delenv("LIVINGREVIEW_PROGRESS", raising=False)
    plugin = handler()
    plugin.emit(record(event=LogEvent.PROGRESS, done=1, total=5))
    plugin.emit(record(event=LogEvent.JOB_INFO, jobid=3, rule_name="html"))
    assert capsys.readouterr().err == ""


def test_a_build_shows_its_progress_and_names_what_it_published_and_where(tmp_path):
    project = copy_project(tmp_path / "project")
    result = run_cli(project, "build", env={"LIVINGREVIEW_PROGRESS": "1"})
    assert result.returncode == 0, result.stderr
    assert "jobs done] running " in result.stderr
    output = (project / "output").resolve()
    assert "published review.md, review.html" in result.stdout and f"to output/ ({output})" in result.stdout
    assert f"livingreview: read it: {output / 'review.html'}" in result.stdout
