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
    run:
        step("write-manifest", output[0], CFG["review"], CFG["output_dir"], CFG["reference_style"],
             *input.release, "--inputs", *input.sources, log=log[0])
