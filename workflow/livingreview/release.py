"""The files that make up a release: what ``rule all`` builds under
``<build_dir>/release/`` and what is published to ``output/`` as one set."""

# Deliverables, in the order they are built: the article, then the evidence
# snapshot (the next build's baseline) and the changes report. A manifest that
# hashes the other release files goes last.
RELEASE_FILES = ["review.md", "review.html", "review.pdf", "evidence.json", "changes.md", "changes.html"]
