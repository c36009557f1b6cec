"""The command line (``python -m livingreview``): build, verify, bench and check-bib."""
