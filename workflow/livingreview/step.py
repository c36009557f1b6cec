"""The steps the Snakemake rules run: ``step("load-evidence", ...)`` in a ``run:`` block.

The build runs its jobs in threads of its own process (Snakemake's
``use_threads``), so a step costs no Python start-up and no imports after
the first. An author's mistake is written to the rule's log, recorded in the
build's error file for the front end (which prints it plainly), and raised
as :class:`StepFailed` so that Snakemake stops the build.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .errors import LivingReviewError, report_error

# name -> (module, function); a module is imported when its step first runs.
STEPS = {
    "load-evidence": ("evidence", "load_evidence_step"),
    "render-section": ("sections", "render_section_step"),
    "assemble-article": ("assemble", "assemble_article_step"),
    "convert-html": ("convert", "convert_html_step"),
    "render-pdf": ("convert", "render_pdf_step"),
    "write-manifest": ("manifest", "write_manifest_step"),
    "snapshot-evidence": ("snapshot", "snapshot_evidence_step"),
    "report-changes": ("report", "report_changes_step"),
}


class StepFailed(Exception):
    """A step stopped on a problem; its message is in the rule's log and the build's error file."""


def run_step(name: str, args: list[str], log: str, error_file: str) -> None:
    """Run step *name* with *args*; write what went wrong (or nothing) to *log*.

    A :class:`LivingReviewError` is recorded in *error_file* and raised as
    :class:`StepFailed`; any other exception is a bug, recorded with its
    traceback and raised as it is.
    """
    module_name, function_name = STEPS[name]
    message = ""
    try:
        getattr(importlib.import_module(f"livingreview.{module_name}"), function_name)(*args)
    except LivingReviewError as exc:
        message = f"error: {exc}\n"
        report_error(message, error_file)
        raise StepFailed(message) from None
    except (Exception, SystemExit):
        import traceback  # only for a bug

        message = traceback.format_exc()
        report_error(f"internal error in step {name} (a bug in livingreview, please report it):\n{message}",
                     error_file)
        raise
    finally:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        Path(log).write_text(message, encoding="utf-8")
