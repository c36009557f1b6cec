"""The files that make up a release: what ``rule all`` builds under
``<build_dir>/release/`` and what is published to ``output/`` as one set."""

from .manifest import MANIFEST

# Deliverables, in the order they are built: the article, then the evidence
# snapshot (the next build's baseline) and the changes report.
RELEASE_FILES = ["review.md", "review.html", "review.pdf", "evidence.json", "changes.md", "changes.html"]

# The manifest hashes every other release file, so it comes last
# (workflow/rules/manifest.smk, livingreview.manifest).
RELEASE_FILES.append(MANIFEST)
