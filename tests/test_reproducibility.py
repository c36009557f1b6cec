"""Reproducibility: byte-identical builds, the release manifest, the pinned
environment and ``python -m livingreview verify`` (real builds where it matters)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import ROOT, copy_project, run_cli
from livingreview import kinds
from livingreview.commands.verify import (
    canonical_name,
    compare,
    environment_problems,
    fixed_files,
    git_files,
    installed_versions,
    locked_versions,
    pdf_difference,
    source_files,
    text_difference,
)
from livingreview.project import MANIFEST
from livingreview.stages.release import file_record

# Tracked files that the build does not read: everything else tracked is an input.
NOT_INPUTS = (".ci/", ".gitignore", "Makefile", "README.md", "pytest.ini", "requirements.in", "ruff.toml", "tests/",
              "output/", "examples/", "workflow/livingreview/starters/", "docs/", "mkdocs.yml",
              "templates/references/apa.csl", "templates/references/vancouver.csl", "templates/references/README.md",
              "templates/changes/meta-analysis.md.j2", "templates/kinds/",  # the meta-analysis kind's
              "templates/pdf/fonts/README.md", "templates/pdf/fonts/OFL.txt")
TOOLS = {"python", "snakemake", "pandoc", "typst", "jinja", "bibtexparser", "pandas", "pypandoc"}
# The seed review's release (a narrative review: with its figure).
RELEASE_FILES = kinds.get("narrative").all_release_files()


def release_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in RELEASE_FILES}


def scramble_mtimes(project: Path) -> None:
    """Give every file a different, old modification time, later files in sorted order being older."""
    files = sorted(p for p in project.rglob("*") if p.is_file())
    for age, path in enumerate(reversed(files)):
        stamp = 1_000_000_000 + 3_607 * age
        os.utime(path, (stamp, stamp))


# --- determinism -------------------------------------------------------------

def test_two_builds_in_other_folders_zones_locales_and_mtimes_are_byte_identical(built_project, tmp_path):
    other = copy_project(tmp_path / "a longer folder name" / "with spaces" / "project")
    scramble_mtimes(other)
    env = {"TZ": "Pacific/Chatham", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "LC_TIME": "fr_FR.UTF-8",
           "SOURCE_DATE_EPOCH": "86400", "PYTHONHASHSEED": "12345"}
    result = run_cli(other, "build", env=env)
    assert result.returncode == 0, result.stderr
    first, second = release_bytes(built_project / "output"), release_bytes(other / "output")
    assert [name for name in RELEASE_FILES if first[name] != second[name]] == []


def test_the_release_holds_no_absolute_path(built_project):
    for name, data in release_bytes(built_project / "output").items():
        for folder in (built_project, built_project.parent, ROOT):
            assert os.fsencode(folder) not in data, f"{name} contains {folder}"


def test_the_pdf_is_dated_by_the_review_not_the_clock(built_project):
    pdf = (built_project / "output" / "review.pdf").read_bytes()
    assert set(re.findall(rb"/(?:Creation|Mod)Date\s*\((D:[^)]*)\)", pdf)) == {b"D:20251229000000Z"}
    assert set(re.findall(rb"<xmp:(?:Create|Modify)Date>([^<]*)<", pdf)) <= {b"2025-12-29T00:00:00Z"}


# --- the manifest ------------------------------------------------------------

def manifest_of(project: Path) -> dict:
    return json.loads((project / "output" / MANIFEST).read_text(encoding="utf-8"))


def test_manifest_lists_every_tracked_input(built_project):
    tracked = git_files(ROOT)
    if tracked is None:
        pytest.skip("not a git checkout: the tracked files are unknown")
    inputs = {path for path in tracked if not path.startswith(NOT_INPUTS)}
    assert set(manifest_of(built_project)["inputs"]) == inputs


def test_manifest_hashes_inputs_and_outputs_and_records_tools_and_review(built_project):
    manifest = manifest_of(built_project)
    assert set(manifest) == {"format", "options", "inputs", "outputs", "review", "tools"}
    assert manifest["options"] == {"reference_style": "seed"}
    for path, record in manifest["inputs"].items():
        assert record == file_record(built_project / path), path
    outputs = {f"output/{name}" for name in RELEASE_FILES if name != MANIFEST}
    assert set(manifest["outputs"]) == outputs
    for path in outputs:
        assert manifest["outputs"][path] == file_record(built_project / path)
    assert TOOLS <= set(manifest["tools"])
    assert manifest["tools"]["jinja"] == version("jinja2") and manifest["tools"]["typst"] == version("typst")
    assert manifest["review"]["version"] == "1.0.0" and manifest["review"]["date"] == "2025-12-29"


def test_manifest_is_sorted_relative_and_free_of_timestamps(built_project):
    text = (built_project / "output" / MANIFEST).read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    for path in [*manifest["inputs"], *manifest["outputs"]]:
        assert not path.startswith(("/", "..")) and "\\" not in path
    assert str(built_project) not in text and not re.search(r"\d{2}:\d{2}:\d{2}", text)


@pytest.mark.parametrize("kind", ["narrative", "meta-analysis"])
def test_manifest_is_the_last_release_file(kind):
    names = kinds.get(kind).all_release_files()
    assert names[-1] == MANIFEST and names.count(MANIFEST) == 1 and len(set(names)) == len(names)


# --- the pinned environment --------------------------------------------------

def test_the_environment_is_exactly_the_lock():
    locked = locked_versions((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    assert environment_problems(locked, installed_versions()) == []


def test_every_requirement_is_pinned_with_hashes():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = [i for i, line in enumerate(lock) if re.match(r"[A-Za-z0-9][\w.-]*==", line)]
    assert pins and all(lock[i].endswith("\\") and "--hash=sha256:" in lock[i + 1] for i in pins)
    direct = [re.split(r"[<>=!\[ ]", line)[0] for line in (ROOT / "requirements.in").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert {canonical_name(name) for name in direct} <= set(locked_versions("\n".join(lock)))


def test_environment_problems_name_missing_other_and_unpinned_packages():
    problems = environment_problems({"a": "1", "b": "2"}, {"b": "3", "c": "1", "pip": "23", "setuptools": "65"})
    assert problems == ["package a: pinned at 1 in requirements.lock but not installed",
                        "package b: 3 installed, 2 pinned in requirements.lock",
                        "package c: 1 installed but not pinned in requirements.lock"]


def test_locked_versions_reads_pip_compile_output():
    lock = "Jinja2==3.1.6 \\\n    --hash=sha256:ab\n    # via -r requirements.in\nruamel.yaml.clib==0.2.12 \\\n"
    assert locked_versions(lock) == {"jinja2": "3.1.6", "ruamel-yaml-clib": "0.2.12"}


# --- what verify copies and how it describes differences ---------------------

def test_sources_are_the_files_git_tracks(tmp_path):
    for name in ["Snakefile", "data/a.csv", "notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    expected = ["Snakefile", "data/a.csv"]  # not a checkout: the pipeline and the review's sources
    assert source_files(tmp_path, ".") == fixed_files(tmp_path, ["Snakefile", "data"]) == expected
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "house.csl").write_text("<style/>")
    (tmp_path.parent / "outside.csl").write_text("<style/>")
    # outside git, the inputs the manifest lists are copied too, if they are inside the project
    assert source_files(tmp_path, ".", ["styles/house.csl", "../outside.csl", "/etc/hostname"]) == [
        "Snakefile", "data/a.csv", "styles/house.csl"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "Snakefile", "notes.txt"], cwd=tmp_path, check=True)
    assert source_files(tmp_path, ".") == ["Snakefile", "notes.txt"]


def test_text_difference_shows_the_first_changed_lines_around_the_change():
    long = "word " * 100
    lines = text_difference(f"same\n{long}old end\nsame\nx\n", f"same\n{long}new end\nsame\ny\n")
    assert lines[:3] == ["--- published", "+++ rebuilt", "@@ -2 +2 @@"]
    assert lines[3].startswith("-[...]") and "old end" in lines[3]
    assert lines[4].startswith("+[...]") and "new end" in lines[4]
    assert lines[5] == "[... and 1 more place further on]"
    assert text_difference("a\r\n", "a\n") == ["same lines; only line endings or the final newline differ"]


def typst_pdf(tmp_path: Path, source: str) -> bytes:
    import typst

    path = tmp_path / "doc.typ"
    path.write_text(source, encoding="utf-8")
    return typst.compile(str(path), timestamp=0, ignore_system_fonts=True)


def test_pdf_difference_names_the_first_differing_page_or_only_bytes(tmp_path):
    page_break = "\n#pagebreak()\n"
    base = typst_pdf(tmp_path, '#set document(title: "A")\nOne' + page_break + "Two")
    other_text = typst_pdf(tmp_path, '#set document(title: "A")\nOne' + page_break + "Three")
    other_title = typst_pdf(tmp_path, '#set document(title: "B")\nOne' + page_break + "Two")
    assert pdf_difference(base, other_text)[0] == "page 2 text differs:"
    assert "-Two" in pdf_difference(base, other_text) and "+Three" in pdf_difference(base, other_text)
    assert pdf_difference(base, other_title) == ["only bytes differ: every page has the same text"]
    assert "cannot be compared" in pdf_difference(b"not a pdf", base)[0]


def fake_release(folder: Path, manifest: dict, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return folder


def test_compare_reports_outputs_inputs_tools_and_a_reformatted_manifest(tmp_path):
    manifest = {"format": "f", "inputs": {"data/a.csv": {"sha256": "1", "size": 1}}, "tools": {"jinja": "3"},
                "review": {"version": "1"}, "outputs": {"output/a.md": {"sha256": "2", "size": 2}}}
    rebuilt = fake_release(tmp_path / "rebuilt", manifest, {"a.md": "text\n"})
    names = ["a.md", MANIFEST]
    fake_release(tmp_path / "same" / "output", manifest, {"a.md": "text\n"})
    assert compare(tmp_path / "same", rebuilt, "output", names) == []

    tampered = dict(manifest, inputs={"data/a.csv": {"sha256": "9", "size": 1}}, tools={"jinja": "2"})
    fake_release(tmp_path / "bad" / "output", tampered, {"a.md": "test\n"})
    problems = compare(tmp_path / "bad", rebuilt, "output", names)
    # the causes first, then what they changed
    assert problems[:2] == ["input data/a.csv: its SHA-256 differs from the one in output/manifest.json",
                            "tool jinja: 2 in output/manifest.json, 3 in this environment"]
    assert problems[2].startswith("output/a.md differs from the rebuild:") and "-test" in problems[2]

    reformatted = fake_release(tmp_path / "spaces" / "output", manifest, {"a.md": "text\n"})
    (reformatted / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    [problem] = compare(tmp_path / "spaces", rebuilt, "output", names)
    assert problem.startswith("output/manifest.json differs from the rebuilt manifest:")

    (reformatted / MANIFEST).unlink()
    assert compare(tmp_path / "spaces", rebuilt, "output", names) == ["output/manifest.json is missing"]


# --- verify, end to end ------------------------------------------------------

def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_verify_passes_on_the_committed_release_and_leaves_output_alone(project, tmp_path):
    before = snapshot(project / "output")
    certificate = tmp_path / "verification.json"
    result = run_cli(project, "verify", "--certificate", str(certificate))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS: " + ", ".join(f"output/{name}" for name in RELEASE_FILES) in result.stdout
    assert snapshot(project / "output") == before
    assert not (project / "build").exists()
    # the certificate a journal archives: what was rebuilt, from what, with which tools, and each file's verdict
    text = certificate.read_text(encoding="utf-8")
    record = json.loads(text)
    assert text == json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    manifest = manifest_of(project)
    assert record["format"] == "livingreview-verification/1" and record["verdict"] == "PASS"
    assert record["problems"] == [] and record["commit"] is None  # the copy is no git checkout
    assert record["review"] == manifest["review"] and record["options"] == {"reference_style": "seed"}
    assert record["tools"] == manifest["tools"]
    assert record["inputs"] == {path: entry["sha256"] for path, entry in manifest["inputs"].items()}
    assert set(record["files"]) == {f"output/{name}" for name in RELEASE_FILES}
    for path, entry in record["files"].items():
        digest = file_record(project / path)["sha256"]
        assert entry == {"published_sha256": digest, "rebuilt_sha256": digest, "verdict": "identical"}, path
    assert record["command"] == "python -m livingreview verify . --certificate verification.json"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["verified_at"])
    assert str(project) not in text and str(tmp_path) not in text


def test_verify_fails_on_one_changed_output_byte(project):
    html = project / "output" / "review.html"
    data = html.read_bytes()
    at = data.index(b"Research consistently shows") + len(b"Research consistently show")
    html.write_bytes(data[:at] + b"n" + data[at + 1:])
    result = run_cli(project, "verify")
    assert result.returncode == 1
    assert result.stdout.count("\n  - ") == 1, result.stdout
    assert "FAIL" in result.stdout and "  - output/review.html differs from the rebuild:" in result.stdout
    assert re.search(r"\n    -.*Research consistently shown ", result.stdout), result.stdout
    assert re.search(r"\n    \+.*Research consistently shows ", result.stdout), result.stdout
    assert html.read_bytes() != data  # verify never repairs output/
    assert "certificate" not in result.stdout  # written only when asked


def test_a_failed_verification_certifies_the_failure_file_by_file(project):
    docx = project / "output" / "review.docx"
    package = zipfile.ZipFile(io.BytesIO(docx.read_bytes()))
    with zipfile.ZipFile(docx, "w") as edited:  # the same parts, one word of the text changed
        for info in package.infolist():
            data = package.read(info)
            edited.writestr(info, data.replace(b"Research consistently shows", b"Research consistently shown"))
    result = run_cli(project, "verify", "--certificate", "verification.json")
    assert result.returncode == 1
    assert "  - output/review.docx differs from the rebuild:\n    parts that differ: word/document.xml" in result.stdout
    assert "Research consistently shown" in result.stdout and "Research consistently shows" in result.stdout
    record = json.loads((project / "verification.json").read_text(encoding="utf-8"))
    assert record["verdict"] == "FAIL" and len(record["problems"]) == 1
    verdicts = {path: entry["verdict"] for path, entry in record["files"].items()}
    assert verdicts.pop("output/review.docx") == "differs" and set(verdicts.values()) == {"identical"}


def test_verify_fails_when_an_input_changed_since_the_release(project):
    review = project / "data" / "review.yaml"
    review.write_text(review.read_text(encoding="utf-8").replace('acknowledgement: "None."',
                                                                 'acknowledgement: "The editors."'),
                      encoding="utf-8")
    result = run_cli(project, "verify")
    assert result.returncode == 1
    assert "input data/review.yaml: its SHA-256 differs from the one in output/manifest.json" in result.stdout
    for name in ("review.md", "review.html", "review.pdf"):
        assert f"  - output/{name} differs from the rebuild:" in result.stdout
    assert "+The editors." in result.stdout


def test_verify_fails_on_a_tampered_manifest(project):
    path = project / "output" / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["tools"]["pandoc"] = "1.0"
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run_cli(project, "verify")
    assert result.returncode == 1
    expected = f"tool pandoc: 1.0 in output/manifest.json, {manifest_of(ROOT)['tools']['pandoc']} in this environment"
    assert f"  - {expected}" in result.stdout
