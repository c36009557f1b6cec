"""Check the pipeline configuration against workflow/schemas/config.schema.yaml."""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError, recorded
from .inputs import decode_text, parse_yaml
from .schemas import explain_error, load_schema, schema_errors


def check_config(config: dict, source: str = "config/config.yaml (or --config)") -> dict:
    """Return *config* with defaults filled in, or raise ConfigError naming the key."""
    schema = load_schema("config")
    checked = {k: v.get("default") for k, v in schema["properties"].items() if "default" in v}
    checked.update(config)
    errors = schema_errors(checked, "config")
    if errors:
        error = min(errors, key=lambda e: e.validator != "additionalProperties")
        key_path, problem, fix = explain_error(error, schema, "config")
        raise ConfigError(source, "key " + ".".join(str(p) for p in key_path), problem, fix)
    folders = {k: Path(checked[k]).resolve() for k in ("build_dir", "output_dir")}
    build, output = folders["build_dir"], folders["output_dir"]
    if build == output or build in output.parents or output in build.parents:
        raise ConfigError(source, "key output_dir", f'output_dir "{checked["output_dir"]}" and build_dir '
                          f'"{checked["build_dir"]}" overlap; a build would overwrite the published release',
                          "keep output_dir (default output) and build_dir (default build) apart")
    return checked


CONFIG_FILE = "config/config.yaml"


def read_config_file(root: str | Path) -> dict:
    """Read *root*/config/config.yaml: a YAML mapping (syntax errors name their line)."""
    raw = Path(root) / CONFIG_FILE
    if not raw.is_file():
        raise ConfigError(CONFIG_FILE, None, "the configuration file does not exist",
                          "restore config/config.yaml from version control")
    text = decode_text(raw.read_bytes(), CONFIG_FILE, "configuration", ConfigError)
    config = parse_yaml(text, CONFIG_FILE, "configuration", ConfigError)
    if not isinstance(config, dict):
        raise ConfigError(CONFIG_FILE, None, "the configuration must be a YAML mapping (key: value lines)",
                          "restore config/config.yaml from version control")
    return config


def checked_config(config: dict, error_file) -> dict:
    """:func:`check_config` for the Snakefile: also record the error for the CLI."""
    with recorded(error_file):
        return check_config(config)
