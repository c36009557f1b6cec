"""livingreview: regenerate a review article from its evidence.

The logic lives here as small functions: ``stages/`` holds one module per
stage of the Snakemake workflow (each rule calls one function of it),
``commands/`` the command line (build, verify, bench, check-bib), and the
modules at this level the pieces they share (reading files, schemas,
Markdown, citations, BibTeX, templates, pandoc).
"""

__version__ = "2.0.0"
