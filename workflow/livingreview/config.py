"""Check the pipeline configuration against workflow/schemas/config.schema.yaml."""

from __future__ import annotations

from .errors import ConfigError, did_you_mean, report_error
from .schemas import describe_error, load_schema, schema_errors


def check_config(config: dict) -> dict:
    """Return *config* with defaults filled in, or raise ConfigError."""
    schema = load_schema("config")
    checked = {k: v.get("default") for k, v in schema["properties"].items() if "default" in v}
    checked.update(config)
    for error in schema_errors(checked, "config"):
        field, problem = describe_error(error)
        near = ""
        if error.validator == "additionalProperties":
            unknown = [k for k in checked if k not in schema["properties"]]
            field = unknown[0] if unknown else field
            problem = f'unknown setting "{field}"'
            near = did_you_mean(field, schema["properties"])
        elif error.validator == "enum":
            near = did_you_mean(error.instance, error.validator_value)
        raise ConfigError("config/config.yaml (or --config)", f"key {field}", f"{problem}.{near}",
                          schema["properties"].get(field, {}).get("description", "see workflow/schemas/config.schema.yaml"))
    return checked


def checked_config(config: dict, error_file) -> dict:
    """:func:`check_config` for the Snakefile: also record the error for the CLI."""
    try:
        return check_config(config)
    except ConfigError as exc:
        report_error(f"error: {exc}", error_file)
        raise
