"""``python -m livingreview``: see :mod:`livingreview.cli`."""

import os
import sys

from . import FIXED_ENVIRONMENT

# The build's steps run in this process: start it again under the fixed
# locale, time zone and hash seed unless it already runs under them
# (`make` sets them), so that no output depends on the caller's settings.
if any(os.environ.get(name) != value for name, value in FIXED_ENVIRONMENT.items()):
    os.execve(sys.executable, sys.orig_argv, {**os.environ, **FIXED_ENVIRONMENT})

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
