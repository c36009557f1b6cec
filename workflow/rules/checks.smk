"""Included last: before Snakemake builds its DAG, check that every file the
rules read from the project (data, bibliography, templates, schemas) exists,
so that a missing or misnamed file is one clear message naming it, not a
MissingInputException."""

from livingreview.errors import recorded  # noqa: E402
from livingreview.inputs import check_inputs_exist  # noqa: E402


def _source_files():
    """Every input of every rule that is not produced under the build folder."""
    for rule in workflow.rules:
        for pattern in rule.input:
            if isinstance(pattern, str) and not pattern.startswith(BUILD + "/"):
                yield from expand(pattern, section=SECTIONS)


with recorded(Path(BUILD) / "errors.txt"):
    check_inputs_exist(_source_files(), workflow.basedir, TEMPLATES)
