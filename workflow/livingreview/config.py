"""Check the workflow's configuration (``config/config.yaml`` and ``--config``) once, when the
Snakefile is read: with :func:`snakemake.utils.validate` against
``workflow/schemas/config.schema.yaml`` (which fills in the defaults), and
with plainer messages than a schema validator gives when it is wrong."""

from __future__ import annotations

import os
from pathlib import Path

from .csl import check_style_file, is_csl_style
from .errors import ConfigError
from .files import near_file, parse_yaml, read_input, symbolic_links, yaml_line
from .kinds import get as review_kind
from .project import PIPELINE, ROOT
from .schemas import explain_error, is_valid, load_schema, schema_errors

CONFIG_FILE = "config/config.yaml"
SOURCE = f"{CONFIG_FILE} (or --config)"
# Keys naming folders the build reads; the output folder may not be or hold one of them.
INPUT_FOLDERS = ("templates",)


def data_files(config: dict) -> tuple[str, ...]:
    """The config keys naming the evidence files of *config*'s kind of review (its plugin's)."""
    return review_kind(config.get("kind", "narrative")).all_data_files()


def read_file(review: str | Path = ".") -> dict:
    """The review folder's config/config.yaml as a mapping; a syntax error names its line.

    Snakemake reads this file itself (``configfile:``), but says only that it
    is not valid YAML: the build command reads it first, to say where.
    """
    path = Path(review) / CONFIG_FILE
    text = read_input(path, "configuration", ConfigError, "restore config/config.yaml from version control")
    config = parse_yaml(text, str(path), "configuration", ConfigError)
    if not isinstance(config, dict):
        raise ConfigError(str(path), None, "the configuration must be a YAML mapping (key: value lines)",
                          "restore config/config.yaml from version control")
    return config


def _where(key_path: list) -> tuple[str, int | None]:
    """How a message names the key at *key_path*: with its line in config/config.yaml when it is there."""
    key = ".".join(str(p) for p in key_path)
    path = Path(CONFIG_FILE)
    line = yaml_line(path.read_text(encoding="utf-8"), key_path) if path.is_file() else None
    return (f"line {line}, key {key}" if line else f"key {key}"), line


def check(config: dict, pipeline: str | Path = ROOT) -> dict:
    """*config* validated, with its defaults; raises :class:`ConfigError` naming the key that is wrong.

    *pipeline* is the folder of the Snakefile, whose folders the output folder may not overlap either.
    A CSL style file (``reference_style: path.csl``) must be a usable style inside the review folder
    (the working directory) or the pipeline.
    """
    if not is_valid(config, "config"):
        schema = load_schema("config")
        error = min(schema_errors(config, "config"), key=lambda e: e.validator != "additionalProperties")
        key_path, problem, fix = explain_error(error, schema, "config")
        where, line = _where(key_path)
        raise ConfigError(SOURCE, where, problem, fix, line=line)
    for key in data_files(config):
        path = Path(config[key])
        if not path.is_file():
            raise ConfigError(str(path), None, f"the file does not exist, but the build needs it (config key {key})."
                              + near_file(path), f"restore the file, or point `{key}` in {CONFIG_FILE} (or --config) "
                              "at the right path")
    if is_csl_style(config["reference_style"]):
        check_style_file(config["reference_style"], [Path("."), Path(pipeline)])
    for key in ("build_dir", "output_dir"):
        links = symbolic_links(config[key])
        if links:
            where, line = _where([key])
            raise ConfigError(SOURCE, where, f'{key} "{config[key]}": {links[0]} is a symbolic link (to '
                              f"{os.readlink(links[0])}); the build never writes through a link, which could "
                              "overwrite files outside the review folder" + (f" ({len(links)} links)" if len(links) > 1
                                                                            else ""),
                              f"remove the link (rm {links[0]}; its target is not touched) or replace it with a "
                              "real folder, then build again", line=line)
    roots = [Path(".").resolve(), Path(pipeline).resolve()]
    for key in INPUT_FOLDERS:  # as for a CSL style: a release built from templates elsewhere could not be verified
        resolved = Path(config[key]).resolve()
        if not any(resolved == root or root in resolved.parents for root in roots):
            where, line = _where([key])
            raise ConfigError(SOURCE, where, f'{key} "{config[key]}" is outside the project ({resolved}): a release '
                              "built with templates from elsewhere could not be verified from the repository",
                              "copy the templates into the review folder (e.g. templates/), commit them and give "
                              "that path", line=line)
    folders = {key: Path(config[key]).resolve() for key in ("build_dir", "output_dir", *INPUT_FOLDERS)}
    output = folders["output_dir"]
    inputs = {key: folders[key] for key in ("build_dir", *INPUT_FOLDERS)}
    inputs.update({key: Path(config[key]).resolve().parent for key in data_files(config) if key != "bibliography"})
    inputs.update({f"the pipeline's {name}/": (Path(pipeline) / name).resolve() for name in PIPELINE
                   if (Path(pipeline) / name).is_dir()})
    for key, folder in inputs.items():
        if folder == output or folder in output.parents or output in folder.parents:
            where, line = _where(["output_dir"])
            named = (key if key in ("build_dir", "templates") else
                     f"the folder of {key}" if key in data_files(config) else key)
            raise ConfigError(SOURCE, where, f'output_dir "{config["output_dir"]}" overlaps {named} '
                              f'("{folder}"); publishing would overwrite files the build reads or writes',
                              "keep output_dir (default output) apart from the data, templates, workflow and "
                              "build folders", line=line)
    return config
