"""livingreview: regenerate a narrative review from its evidence.

The package holds the pipeline's logic as small, pure functions; the
Snakemake rules under ``workflow/rules`` only unpack paths and call them.
"""

__version__ = "1.0.0"

# Locale, time zone and hash seed under which every command runs (the
# command line re-executes itself with them when they differ).
FIXED_ENVIRONMENT = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC", "PYTHONHASHSEED": "0"}
