"""``python -m livingreview``: see :mod:`livingreview.commands.cli`.

When the command has run, every file it wrote is closed. The exit handlers
run (one of them removes Snakemake's runtime cache, a temporary folder under
``~/.cache/snakemake``), the output is flushed, and the process leaves
without the interpreter's tear-down: without joining Snakemake's idle
scheduler timers (up to 1 s: with its default ``--max-jobs-per-timespan
100/1s`` each pass of the scheduler starts a timer of 1 s, which the
interpreter waits for at exit) and without freeing the 1,500 modules a
build imports (0.35 s). An exception that escapes the command (a bug, or
``SystemExit`` from argparse) ends the process the ordinary way.
"""

import atexit
import os
import sys

from .commands.cli import main

status = main()
atexit._run_exitfuncs()  # what the interpreter would run at exit; os._exit would skip it
sys.stdout.flush()
sys.stderr.flush()
os._exit(status)
