"""livingreview: regenerate a narrative review from its evidence.

The package holds the pipeline's logic as small, pure functions; the
Snakemake rules under ``workflow/rules`` only unpack paths and call them.
"""

__version__ = "1.0.0"
