"""Importers: turn a published evidence database into a review folder's tables and bibliography.

They are run by ``python -m livingreview import`` (``make import``), never by
the build: what they write (the study tables, ``references.bib``, the
import report) is what the build reads, and what the manifest hashes.
"""
