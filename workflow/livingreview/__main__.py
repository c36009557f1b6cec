"""``python -m livingreview``: see :mod:`livingreview.cli`."""

import os
import sys

from .cli import main

status = main()
sys.stdout.flush()
sys.stderr.flush()
# Snakemake leaves worker threads behind that delay interpreter exit by about
# a second; everything is written and flushed, so leave at once.
os._exit(int(status))
