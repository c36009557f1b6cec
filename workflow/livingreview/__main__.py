"""``python -m livingreview``: see :mod:`livingreview.commands.cli`."""

import sys

from .commands.cli import main

sys.exit(main())
