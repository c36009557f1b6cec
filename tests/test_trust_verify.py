"""Issue 21, item 2: ``make verify`` cannot be fooled.

It rebuilds in its own temporary folder whatever ``output_dir`` says, fails by
name on a file in ``output/`` the release does not have, covers every file of
code in the manifest, removes its temporary folder when interrupted, and its
certificate can be checked against the repository (``check-certificate``).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess

import pytest
from conftest import run_cli
from livingreview.commands import check_certificate, verify
from livingreview.commands.verify import extra_files, relative_output, signals_as_interrupts
from livingreview.project import ROOT, code_files


def test_every_file_of_the_package_is_code_the_manifest_hashes():
    listed = {path.relative_to(ROOT).as_posix() for path in code_files()}
    package = {path.relative_to(ROOT).as_posix() for path in (ROOT / "workflow" / "livingreview").rglob("*.py")
               if "__pycache__" not in path.parts}
    assert package <= listed
    assert {"workflow/livingreview/commands/build.py", "workflow/livingreview/importers/metapsy.py", "Snakefile",
            "profiles/default/config.yaml", "requirements.lock"} <= listed
    assert {p.relative_to(ROOT).as_posix() for p in (ROOT / "workflow" / "rules").glob("*.smk")} <= listed


def test_a_file_beside_the_release_fails_by_name(tmp_path):
    output = tmp_path / "output"
    (output / "figures").mkdir(parents=True)
    for name in ("review.md", "manifest.json", "figures/forest.svg", "index.html", "figures/extra.svg"):
        (output / name).write_text("x", encoding="utf-8")
    (output / "linked").symlink_to(tmp_path, target_is_directory=True)
    problems = extra_files(output, ("review.md", "manifest.json", "figures/forest.svg"), "output")
    assert sorted(problems) == ["output/figures/extra.svg", "output/index.html", "output/linked"]
    assert problems["output/index.html"].startswith("output/index.html is a file the release does not have "
                                                    "(not in its manifest)")
    assert "remove it" in problems["output/index.html"]
    assert problems["output/linked"].startswith("output/linked is a symbolic link")


@pytest.mark.parametrize(("configured", "expected"), [
    ("output", "output"), ("site/output/", "site/output"), ("{review}/output", "output"),
    ("{review}/../elsewhere", None), ("/tmp", None), (".", None), ("..", None)])
def test_the_rebuild_publishes_only_inside_its_copy(tmp_path, configured, expected):
    review = tmp_path / "review"
    review.mkdir()
    assert relative_output(review, configured.format(review=review)) == expected


def test_an_output_dir_outside_the_review_fails_without_a_rebuild(tmp_path, monkeypatch):
    review = tmp_path / "review"
    (review / "config").mkdir(parents=True)
    (review / "config" / "config.yaml").write_text(f"output_dir: {tmp_path / 'published'}\n", encoding="utf-8")
    monkeypatch.setattr(verify, "rebuild", lambda *a, **k: pytest.fail("no rebuild may run"))
    verdict = verify.verify(tmp_path, "review")
    assert not verdict.passed
    assert "is not a folder inside the review folder" in verdict.problems[0]


def test_an_interrupted_verification_removes_its_temporary_folder(tmp_path, monkeypatch):
    review = tmp_path / "review"
    (review / "config").mkdir(parents=True)
    (review / "config" / "config.yaml").write_text("output_dir: output\n", encoding="utf-8")
    (tmp_path / "Snakefile").write_text("", encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(verify.tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(verify, "git_files", lambda root: None)

    def killed(project, *args, **kwargs):
        assert list(scratch.iterdir())  # the temporary folder exists while rebuilding
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill` or a closing terminal would
        pytest.fail("SIGTERM did not interrupt")

    monkeypatch.setattr(verify, "rebuild", killed)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), signals_as_interrupts():
        verify.verify(tmp_path, "review")
    assert list(scratch.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before


# --- check-certificate ---------------------------------------------------------

def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b", GIT_COMMITTER_NAME="a",
                            GIT_COMMITTER_EMAIL="a@b"))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def repository(tmp_path):
    """A repository with one committed release, and the certificate a PASSing verify of it would write."""
    root = tmp_path / "repo"
    (root / "output").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "studies.csv").write_bytes(b"id\n1\n")
    (root / "output" / "review.md").write_bytes(b"# Review\n")
    manifest = {"format": "livingreview-manifest/1", "options": {"reference_style": "seed"},
                "review": {"version": "1.0.0"}, "tools": {"pandoc": "3"},
                "inputs": {"data/studies.csv": {"sha256": sha(b"id\n1\n"), "size": 5}},
                "outputs": {"output/review.md": {"sha256": sha(b"# Review\n"), "size": 9}}}
    manifest_bytes = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    (root / "output" / "manifest.json").write_bytes(manifest_bytes)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "release")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    files = {path: {"published_sha256": digest, "rebuilt_sha256": digest, "verdict": "identical"}
             for path, digest in [("output/review.md", sha(b"# Review\n")),
                                  ("output/manifest.json", sha(manifest_bytes))]}
    record = {"format": "livingreview-verification/1", "verdict": "PASS", "problems": [], "review_folder": ".",
              "commit": {"id": commit, "tracked_files_changed": False}, "review": manifest["review"],
              "options": manifest["options"], "tools": manifest["tools"],
              "inputs": {"data/studies.csv": sha(b"id\n1\n")}, "files": files}
    return root, record


def test_a_true_certificate_holds(repository, tmp_path, capsys):
    root, record = repository
    assert check_certificate.check(record, root) == []
    path = tmp_path / "verification.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert check_certificate.main(path, root) == 0
    assert capsys.readouterr().out.startswith(f"OK: the certificate {path} (PASS) agrees")


def test_a_certificate_edited_to_say_pass_does_not_hold(repository, tmp_path, capsys):
    root, record = repository
    entry = record["files"]["output/review.md"]
    entry.update(rebuilt_sha256=sha(b"something else"), verdict="identical")
    problems = check_certificate.check(record, root)
    assert "output/review.md: verdict 'identical', but its hashes say 'differs'" in problems
    assert "verdict: the certificate says PASS, its own file verdicts and problems say FAIL" in problems
    path = tmp_path / "verification.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert check_certificate.main(path, root) == 1
    assert capsys.readouterr().out.startswith(f"FAIL: the certificate {path} does not hold (2 problems):")


def test_a_certificate_with_a_forged_published_hash_does_not_hold(repository):
    root, record = repository
    forged = sha(b"# Forged\n")
    record["files"]["output/review.md"].update(published_sha256=forged, rebuilt_sha256=forged)
    problems = check_certificate.check(record, root)
    assert ("output/review.md: its published SHA-256 in the certificate is not that of the file at commit "
            f"{record['commit']['id']}") in problems


def test_a_certificate_with_other_inputs_or_tools_does_not_hold(repository):
    root, record = repository
    record["inputs"]["data/studies.csv"] = sha(b"other")
    record["tools"] = {"pandoc": "2"}
    problems = check_certificate.check(record, root)
    assert any(p.startswith("inputs: the certificate's differ from the manifest's") for p in problems)
    assert any(p.startswith("tools: the certificate's differ") for p in problems)


@pytest.mark.parametrize(("change", "expected"), [
    ({"commit": None}, "the certificate names no commit"),
    ({"commit": {"id": "0" * 40, "tracked_files_changed": False}}, "is not in this repository"),
    ({"commit": "tracked"}, "the verification ran with uncommitted changes to tracked files")])
def test_a_certificate_that_names_no_checkable_commit_does_not_hold(repository, change, expected):
    root, record = repository
    if change["commit"] == "tracked":
        record["commit"]["tracked_files_changed"] = True
    else:
        record.update(change)
    assert any(expected in problem for problem in check_certificate.check(record, root))


def test_a_file_that_is_no_certificate_is_one_plain_error(tmp_path):
    path = tmp_path / "verification.json"
    path.write_text('{"verdict": "PASS"}', encoding="utf-8")
    with pytest.raises(check_certificate.CertificateError) as caught:
        check_certificate.main(path)
    assert "not a verification certificate" in str(caught.value)


def test_verify_with_an_absolute_output_dir_rebuilds_apart_and_names_a_forged_and_an_extra_file(project, tmp_path):
    """The attack of the issue: an absolute output_dir, a forged review.pdf and an index.html beside it."""
    config = project / "config" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"\noutput_dir: {project / 'output'}\n", encoding="utf-8")
    pdf = project / "output" / "review.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"Typst", b"Forge", 1))
    (project / "output" / "index.html").write_text("<p>all fine</p>", encoding="utf-8")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "output").rglob("*") if p.is_file()}
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = run_cli(project, "verify", env={"TMPDIR": str(scratch)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  - output/review.pdf differs from the rebuild:" in result.stdout
    assert "  - output/index.html is a file the release does not have (not in its manifest)" in result.stdout
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "output").rglob("*") if p.is_file()} \
        == before
    assert list(scratch.iterdir()) == [] and not (project / "build").exists()
