"""The files that make up a release: what ``rule all`` builds under
``<build_dir>/release/`` and what is published to ``output/`` as one set."""

# Deliverables, in the order they are built.
RELEASE_FILES = ["review.md", "review.html", "review.pdf"]
