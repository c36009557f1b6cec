"""Stage release: the manifest of the release, and its publication to the
output folder as one set (livingreview.stages.release)."""

from livingreview.stages import release  # noqa: E402


def release_inputs(wildcards):
    """Every file the build reads: the inputs of the other rules from the review folder and the pipeline,
    and the pipeline's code."""
    produced = (f"{BUILD}/", f"{OUTPUT}/")
    files = {path for rule in workflow.rules for path in rule.input
             if isinstance(path, str) and "{" not in path and not path.startswith(produced)}
    files.update(path for paths in SECTION_TEMPLATE_FILES.values() for path in paths)
    files.update(CODE_FILES)
    files.update(path for path in [review_config.CONFIG_FILE] if Path(path).is_file())
    return sorted(files)


rule manifest:
    """manifest.json: every input and every other release file with its SHA-256, and the tools' versions."""
    input:
        release=[staged(name) for name in RELEASE_FILES if name != project.MANIFEST],
        evidence=f"{BUILD}/evidence.json",
        sources=release_inputs,
    output:
        staged(project.MANIFEST),
    log:
        f"{BUILD}/logs/manifest.log",
    params:
        code=stage_code("release"),
        options={name: CFG[name] for name in release.OUTPUT_OPTIONS},
    run:
        release.manifest(release=input.release, inputs=input.sources, evidence=input.evidence, output_dir=OUTPUT,
                         options=params.options, out=output[0], log=log[0])


def published_files(wildcards):
    """The files of the published release, when there are: a hand-edited or missing one is published again."""
    return [f"{OUTPUT}/{name}" for name in RELEASE_FILES if Path(OUTPUT, name).is_file()]


rule publish:
    """Publish the staged release to the output folder as one set (all new or all old)."""
    input:
        release=[staged(name) for name in RELEASE_FILES],
        published=published_files,
    output:
        PUBLISHED,
    log:
        f"{BUILD}/logs/publish.log",
    params:
        code=stage_code("release"),
        names=list(RELEASE_FILES),
    run:
        release.publish(release=RELEASE, names=params.names, output=OUTPUT, out=output[0], log=log[0])
