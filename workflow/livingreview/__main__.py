"""``python -m livingreview``: see :mod:`livingreview.commands.cli`."""

import os
import sys

from .commands.cli import main

status = main()
sys.stdout.flush()
sys.stderr.flush()
# Every file is written and closed, and the output flushed: leave without the
# interpreter's tear-down of everything Snakemake imported (about half a second).
os._exit(status)
