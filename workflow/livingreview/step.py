"""Entry point for the Snakemake rules: ``python -m livingreview.step NAME ARGS...``.

Each rule runs one step in a fresh, light Python process (Snakemake's own
``run:`` blocks start a whole Snakemake per job, which is far slower). An
author's mistake is printed as one clear message on stderr (the rule's log),
recorded in the build's error file for the front end, and exits with 1.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from .errors import LivingReviewError, report_error
from .locks import job_running

# name -> (module, function); modules are imported only when their step runs,
# so that each step pays only for the libraries it uses.
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


def main(argv: list[str]) -> int:
    """Run step ``argv[0]`` with the remaining arguments; return the exit status."""
    if not argv or argv[0] not in STEPS:
        print(f"usage: python -m livingreview.step {{{','.join(STEPS)}}} ARGS...", file=sys.stderr)
        return 2
    error_file = os.environ.get("LIVINGREVIEW_ERRORS", "build/errors.txt")
    module_name, function_name = STEPS[argv[0]]
    try:
        # Hold the job lock from the start (importing a step's libraries takes a while), so that
        # a build waiting for the jobs of a killed build waits for this one too.
        with job_running(Path(error_file).parent):
            module = __import__(f"livingreview.{module_name}", fromlist=[function_name])
            getattr(module, function_name)(*argv[1:])
    except LivingReviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        report_error(f"error: {exc}", error_file)
        return 1
    except Exception:
        trace = traceback.format_exc()
        print(trace, file=sys.stderr)
        report_error(f"internal error in step {argv[0]} (a bug in livingreview, please report it):\n{trace}",
                     error_file)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
