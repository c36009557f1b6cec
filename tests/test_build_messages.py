"""What reaches the terminal, at the level of its parts (no build): the stage decorator writes a failed
stage's message to the job's log, and the logger plugin shows it, and turns Snakemake's account of an
error in reading the workflow into one plain message."""

from __future__ import annotations

import logging

import pytest
from livingreview.errors import DataError
from livingreview.stages import INTERNAL_ERROR, stage
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_logger_plugin_livingreview import FAILED, LogHandler, workflow_error


def shown(capsys, message: str, **fields) -> tuple[str, str]:
    """What the plugin prints for one record of Snakemake (stdout, stderr)."""
    handler = LogHandler.__new__(LogHandler)  # the handler without Snakemake's settings objects
    logging.Handler.__init__(handler)
    handler.__post_init__()
    record = logging.LogRecord("snakemake", fields.pop("level", logging.ERROR), __file__, 1, message, None, None)
    for key, value in fields.items():
        setattr(record, key, value)
    handler.emit(record)
    captured = capsys.readouterr()
    return captured.out, captured.err


@stage
def failing(*, problem: Exception, log: str) -> None:
    raise problem


def test_a_failed_stage_writes_its_plain_message_to_its_log(tmp_path):
    log = tmp_path / "evidence.log"
    problem = DataError("data/studies.csv", "row 2 (line 3), column status", "is not allowed", "write included")
    with pytest.raises(DataError):
        failing(problem=problem, log=str(log))
    assert log.read_text(encoding="utf-8") == (
        "error: data/studies.csv, row 2 (line 3), column status: is not allowed\n  fix: write included\n")


def test_a_stage_failing_on_a_bug_writes_the_traceback_to_its_log(tmp_path):
    log = tmp_path / "evidence.log"
    with pytest.raises(ZeroDivisionError):
        failing(problem=ZeroDivisionError("division by zero"), log=str(log))
    text = log.read_text(encoding="utf-8")
    assert text.startswith(INTERNAL_ERROR) and "ZeroDivisionError: division by zero" in text


def test_the_plugin_shows_a_failed_jobs_log_instead_of_snakemakes_account(tmp_path, capsys):
    log = tmp_path / "evidence.log"
    log.write_text("error: data/studies.csv, row 2: is not allowed\n  fix: write included\n", encoding="utf-8")
    out, err = shown(capsys, "Error in rule evidence, jobid: 1", event=LogEvent.JOB_ERROR, log=[str(log)])
    assert err == "error: data/studies.csv, row 2: is not allowed\n  fix: write included\n" and out == ""


def test_the_plugin_shows_an_error_in_reading_the_workflow_without_the_traceback(capsys):
    message = ('ConfigError in file "/p/workflow/rules/common.smk", line 19:\n'
               "config/config.yaml, key kind: is wrong\n  fix: write narrative\n"
               '  File "/p/workflow/rules/common.smk", line 19, in <module>\n'
               '  File "/p/workflow/livingreview/config.py", line 70, in check')
    out, err = shown(capsys, message, event=LogEvent.ERROR, exception="ConfigError")
    assert err == f"error: config/config.yaml, key kind: is wrong\n  fix: write narrative\n{FAILED}\n"


def test_the_plugin_names_the_file_of_a_syntax_error_and_leaves_other_errors_as_snakemake_words_them():
    text = workflow_error('SyntaxError in file "/p/workflow/rules/formats.smk", line 18:\nExpected a colon:\nNone',
                          "SyntaxError")
    assert text.startswith("error: /p/workflow/rules/formats.smk, line 18 (as Snakemake counts): Snakemake cannot "
                           "read this workflow file (SyntaxError): Expected a colon\n  fix: ")
    assert workflow_error("MissingInputException: missing file x", "MissingInputException") is None


def test_the_plugin_says_nothing_is_to_be_done_on_stdout(capsys):
    out, err = shown(capsys, "Nothing to be done (all requested files are present and up to date).",
                     level=logging.INFO)
    assert out == "livingreview: nothing to be done; the published release is up to date\n" and err == ""


def test_the_plugin_drops_snakemakes_progress(capsys):
    assert shown(capsys, "Select jobs to execute...", level=logging.INFO) == ("", "")



def test_after_an_interrupt_the_plugin_drops_what_snakemake_reports_while_it_stops(capsys):
    handler = LogHandler.__new__(LogHandler)
    logging.Handler.__init__(handler)
    handler.__post_init__()
    for level, message in [(logging.INFO, "Terminating processes on user request, this might take some time."),
                           (logging.ERROR, "RuntimeError: Cannot close a running event loop")]:
        handler.emit(logging.LogRecord("snakemake", level, __file__, 1, message, None, None))
    assert capsys.readouterr().err == "livingreview: build interrupted; Snakemake stops after the jobs running now\n"
