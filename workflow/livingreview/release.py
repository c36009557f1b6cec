"""The files that make up a release: what ``rule all`` builds under
``<build_dir>/release/`` and what is published to ``output/`` as one set."""

from .manifest import MANIFEST

# Deliverables, in the order they are built.
RELEASE_FILES = ["review.md", "review.html", "review.pdf"]

# The manifest hashes every other release file, so it comes last
# (workflow/rules/manifest.smk, livingreview.manifest).
RELEASE_FILES.append(MANIFEST)
