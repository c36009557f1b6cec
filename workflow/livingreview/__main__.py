"""``python -m livingreview``: see :mod:`livingreview.cli`."""

import os
import sys

try:
    from .cli import main

    status = main()
except KeyboardInterrupt:  # Ctrl-C before the command line took over signals
    print("livingreview: build interrupted; output/ was left unchanged.", file=sys.stderr)
    status = 130
sys.stdout.flush()
sys.stderr.flush()
# Snakemake leaves worker threads behind that delay interpreter exit by about
# a second; everything is written and flushed, so leave at once.
os._exit(int(status))
