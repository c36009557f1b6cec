"""``python -m livingreview``: see :mod:`livingreview.commands.cli`.

When a command returns, every file it wrote is closed: the exit handlers run
(one removes Snakemake's runtime cache, a temporary folder under
``~/.cache/snakemake``, if Snakemake ran), the output is flushed, and the
process leaves without the interpreter's tear-down of the modules it
imported. ``build`` does not return: it ends the ordinary way, through
Snakemake's ``SystemExit`` (see :func:`livingreview.commands.build.build`),
as does an exception that escapes a command (a bug, or argparse's exit).
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
