"""Stage 6: the release manifest: every input and every other release file
(path, size, SHA-256), the tools' versions, the review's version and date."""

from livingreview.manifest import MANIFEST, input_files  # noqa: E402


rule write_manifest:
    """Hash the inputs and the other release files into manifest.json (see livingreview.manifest)."""
    input:
        release=[f"{RELEASE}/{name}" for name in RELEASE_FILES if name != MANIFEST],
        sources=input_files(CFG),
    output:
        f"{RELEASE}/{MANIFEST}",
    log:
        f"{BUILD}/logs/write_manifest.log",
    shell:
        f"{STEP} write-manifest {{output:q}} {shlex.quote(CFG['review'])} {shlex.quote(CFG['output_dir'])}"
        f" {shlex.quote(CFG['reference_style'])}"
        f" {{input.release:q}} --inputs {{input.sources:q}} 2> {{log:q}}"
