"""The documentation: the tutorial's commands run as written, and the reference names every key of every schema."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT, cli_environment, copy_project

sys.path.insert(0, str(ROOT / "docs"))

from schema_reference import render  # noqa: E402

BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def tutorial_commands() -> list[str]:
    """The tutorial's shell commands in order, less `make preview` (it runs until stopped; test_preview tests it)."""
    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    lines = [line.strip() for block in BLOCK.findall(text) for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "make preview"))]


def test_the_reference_names_every_key_of_every_schema():
    reference = render()
    for path in sorted((ROOT / "workflow" / "schemas").glob("*.schema.yaml")):
        schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert f"workflow/schemas/{path.name}" in reference
        for key in schema.get("properties") or {}:
            assert f"| `{key}` |" in reference, (path.name, key)


def test_the_tutorials_commands_run_as_written(tmp_path):
    commands = tutorial_commands()
    assert commands[0] == "make new REVIEW=../my-review KIND=narrative" and "make verify REVIEW=../my-review" in commands
    project = copy_project(tmp_path / "project")
    shutil.copy2(ROOT / "Makefile", project / "Makefile")
    venv = Path(sys.executable).parent.parent
    for command in commands:
        if command.startswith("make "):
            command += f" VENV={venv} INSTALL="
        result = subprocess.run(command, shell=True, cwd=project, env=cli_environment(project), capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
    review = tmp_path / "my-review"
    assert "My first living review" in (review / "output" / "review.html").read_text(encoding="utf-8")
    assert (review / "output" / "changes.html").is_file() and not (project / "output").exists()
