"""The reference of every data file and config key, generated from the JSON Schemas in workflow/schemas/.

The MkDocs hook (docs/hooks.py) puts its output in place of ``<!-- schema-reference -->`` in
docs/reference.md at every build, so the reference cannot drift from the schemas the pipeline
validates with. ``python docs/schema_reference.py`` prints it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

SCHEMAS = Path(__file__).resolve().parents[1] / "workflow" / "schemas"
# The order of the sections: the config first, then each kind's files.
ORDER = ["config", "review", "studies", "themes", "meta_studies", "meta_comparisons", "meta_database", "meta_releases",
         "meta_decisions", "meta_conclusions", "meta_certainty", "meta_reference_corrections", "meta_corrections"]


def cell(text) -> str:
    """*text* on one line, safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def kind_of(spec: dict) -> str:
    """The type a property takes, as a reader says it (with its allowed values or nested keys)."""
    if "enum" in spec:
        return "one of " + ", ".join(f"`{value}`" for value in spec["enum"])
    types = spec.get("type", "")
    if isinstance(types, list):
        types = " or ".join(types)
    if spec.get("format"):
        types = f"{types} ({spec['format']})"
    if types == "object" and spec.get("properties"):
        types += ": " + ", ".join(f"`{name}`" for name in spec["properties"])
    if types == "array" and isinstance(spec.get("items"), dict) and spec["items"].get("type"):
        types += f" of {spec['items']['type']}"
    return types or "any"


def section(name: str) -> str:
    """The reference of schema *name* (``workflow/schemas/NAME.schema.yaml``)."""
    schema = yaml.safe_load((SCHEMAS / f"{name}.schema.yaml").read_text(encoding="utf-8"))
    required = set(schema.get("required", []))
    lines = [f"## {schema.get('title', name)}", "", cell(schema.get("description", "")), "",
             f"Schema: `workflow/schemas/{name}.schema.yaml`.", "",
             "| key | type | required | default | description |", "|:----|:-----|:--------:|:--------|:------------|"]
    for key, spec in (schema.get("properties") or {}).items():
        spec = spec or {}
        default = f"`{spec['default']}`" if "default" in spec else ""
        lines.append(f"| `{key}` | {cell(kind_of(spec))} | {'yes' if key in required else ''} | {cell(default)} | "
                     f"{cell(spec.get('description', ''))} |")
    return "\n".join(lines) + "\n"


def render() -> str:
    """Every schema's section, in :data:`ORDER` and then any other schema by name."""
    names = [path.name.removesuffix(".schema.yaml") for path in sorted(SCHEMAS.glob("*.schema.yaml"))]
    ordered = [name for name in ORDER if name in names] + [name for name in names if name not in ORDER]
    return "\n".join(section(name) for name in ordered)


if __name__ == "__main__":
    print(render())
