"""The files that make up a release: what ``rule all`` builds under
``<build_dir>/release/`` and what is published to ``output/`` as one set."""

from .manifest import MANIFEST

# Deliverables, in the order they are built: the article, the evidence
# snapshot (the next build's baseline), the changes report, and last the
# manifest, which hashes every other release file (workflow/rules/manifest.smk).
RELEASE_FILES = ["review.md", "review.html", "review.pdf", "evidence.json", "changes.md", "changes.html", MANIFEST]
