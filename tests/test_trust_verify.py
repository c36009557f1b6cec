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
                                                    "(the build does not make it)")
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
    assert "  - output/index.html is a file the release does not have (the build does not make it)" in result.stdout
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "output").rglob("*") if p.is_file()} \
        == before
    assert list(scratch.iterdir()) == [] and not (project / "build").exists()


# --- verify9: attacks a dishonest or careless author could make ------------------

def release(folder, manifest: dict, texts: dict[str, str]):
    """A release folder with *texts* and *manifest* (written as the pipeline writes it)."""
    folder.mkdir(parents=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return folder


MANIFEST = {"format": "f", "inputs": {"data/a.csv": {"sha256": "1", "size": 1}}, "tools": {"jinja": "3"},
            "options": {"reference_style": "seed"}, "review": {"version": "1"},
            "outputs": {"output/a.md": {"sha256": "2", "size": 2}}}


def test_an_output_edited_with_its_manifest_record_is_named_not_shown_as_a_raw_diff(tmp_path):
    rebuilt = release(tmp_path / "rebuilt", MANIFEST, {"a.md": "text\n"})
    edited = dict(MANIFEST, outputs={"output/a.md": {"sha256": "9", "size": 2}})
    release(tmp_path / "review" / "output", edited, {"a.md": "test\n"})
    problems = verify.compare(tmp_path / "review", rebuilt, "output", ["a.md", "manifest.json"])
    assert problems[0] == ("output/manifest.json: its records of output/a.md are not those of the rebuild (the files "
                           "are named below)")
    assert problems[1].startswith("output/a.md differs from the rebuild:") and len(problems) == 2


def test_a_file_the_manifest_lists_but_the_build_does_not_make_is_named(tmp_path):
    rebuilt = release(tmp_path / "rebuilt", MANIFEST, {"a.md": "text\n"})
    listed = dict(MANIFEST, outputs={**MANIFEST["outputs"], "output/notes.txt": {"sha256": "3", "size": 3}})
    release(tmp_path / "review" / "output", listed, {"a.md": "text\n", "notes.txt": "hi\n"})
    problems = verify.compare(tmp_path / "review", rebuilt, "output", ["a.md", "manifest.json"])
    assert problems == [
        "output/manifest.json: its records of output/notes.txt are not those of the rebuild (the files are named below)",
        "output/notes.txt is a file the release does not have (the build does not make it): readers would take it "
        "for part of the verified release; remove it, or keep it outside output/"]


def test_an_option_the_manifest_records_is_compared_by_name_and_only_output_options_reach_the_rebuild(
        tmp_path, monkeypatch):
    rebuilt = release(tmp_path / "rebuilt", MANIFEST, {"a.md": "text\n"})
    forged = dict(MANIFEST, options={"reference_style": "seed", "templates": "/tmp/evil"})
    release(tmp_path / "review" / "output", forged, {"a.md": "text\n"})
    assert verify.compare(tmp_path / "review", rebuilt, "output", ["a.md", "manifest.json"]) == [
        "option templates: /tmp/evil in output/manifest.json, none in the rebuild"]
    calls = []
    monkeypatch.setattr(verify.subprocess, "run", lambda args, **kwargs: calls.append((args, kwargs)))
    verify.rebuild(tmp_path / "project", ".", tmp_path / "scratch" / "build", forged["options"])
    settings = calls[0][0][calls[0][0].index("--config") + 1:]
    assert "reference_style=seed" in settings and not any(s.startswith("templates=") for s in settings)


def test_an_input_the_rebuild_did_not_read_is_named_as_untracked_or_unread(tmp_path):
    recorded = dict(MANIFEST, inputs={**MANIFEST["inputs"], "styles/house.csl": {"sha256": "4", "size": 1},
                                      "data/notes.txt": {"sha256": "5", "size": 1}})
    problems = verify.manifest_problems(recorded, MANIFEST, "output/manifest.json", set(),
                                        sources={"data/a.csv", "data/notes.txt"})
    assert problems == [
        "input data/notes.txt: listed in output/manifest.json, but the rebuild does not read it",
        "input styles/house.csl: listed in output/manifest.json, but the copied sources do not have it (git does "
        "not track it: a clean clone does not have it)"]


def test_a_source_linked_to_a_file_a_clean_clone_does_not_have_is_named(tmp_path):
    root, outside = tmp_path / "project", tmp_path / "elsewhere"
    (root / "data").mkdir(parents=True)
    (root / "local").mkdir()
    outside.mkdir()
    (outside / "a.csv").write_text("x")
    (root / "local" / "b.csv").write_text("x")
    (root / "data" / "c.csv").write_text("x")
    (root / "data" / "a.csv").symlink_to(outside / "a.csv")  # outside the project
    (root / "data" / "b.csv").symlink_to("../local/b.csv")  # a file git does not track
    (root / "data" / "gone.csv").symlink_to("nothing.csv")  # nothing
    (root / "data" / "d.csv").symlink_to("c.csv")  # a tracked file: what a clone has too
    (root / "output").symlink_to(outside)  # the release folder: published_problems names it
    files = ["data/a.csv", "data/b.csv", "data/c.csv", "data/d.csv", "data/gone.csv", "output"]
    end = ": a clean clone of the project does not have that file, so the rebuild here is not the editor's; commit " \
          "the file itself in its place"
    assert verify.link_problems(root, files, "output") == [
        "data/a.csv is a symbolic link to a file outside the project" + end,
        "data/b.csv is a symbolic link to local/b.csv, not one of the files git tracks" + end,
        "data/gone.csv is a symbolic link to data/nothing.csv, which does not exist" + end]


def test_a_release_file_that_is_a_link_or_untracked_is_named(tmp_path):
    output = tmp_path / "review" / "output"
    output.mkdir(parents=True)
    (tmp_path / "review.md").write_text("x")
    (output / "review.md").symlink_to(tmp_path / "review.md")
    for name in ("review.pdf", "manifest.json"):
        (output / name).write_text("x")
    names = ["review.md", "review.pdf", "manifest.json"]
    assert verify.published_problems(output, names, "output", {"review.md", "manifest.json"}) == [
        "output/review.md is a symbolic link: a clean clone has the link, not the file; publish the file itself",
        "output/review.pdf is not tracked by git: a clean clone of the repository has no such file (git add it "
        "and commit)"]
    assert verify.published_problems(output, names[1:], "output") == []  # outside git
    linked = tmp_path / "review" / "published"
    linked.symlink_to(output)
    assert verify.published_problems(linked, names, "published") == [
        "published is a symbolic link: a clean clone has the link, not the release; publish the release in "
        "published/ itself"]


def test_a_file_name_with_a_control_character_is_shown_quoted(tmp_path):
    (tmp_path / "review.md\nx").write_text("x")
    [problem] = extra_files(tmp_path, ["manifest.json"], "output").values()
    assert problem.startswith('"output/review.md\\nx" is a file the release does not have') and "\n" not in problem


def test_the_rebuild_sees_none_of_the_users_own_configuration(tmp_path, monkeypatch):
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "SNAKEMAKE_PROFILE", "MPLCONFIGDIR", "MATPLOTLIBRC"):
        monkeypatch.setenv(name, str(tmp_path / "mine"))
    monkeypatch.setenv("TZ", "Pacific/Chatham")
    env = verify.rebuild_environment(tmp_path / "project", tmp_path / "home")
    assert env["HOME"] == str(tmp_path / "home") and env["PYTHONPATH"] == str(tmp_path / "project" / "workflow")
    assert not {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "SNAKEMAKE_PROFILE", "MPLCONFIGDIR", "MATPLOTLIBRC"} & set(env)
    assert env["TZ"] == "Pacific/Chatham"  # what the build must not depend on is kept: the tests vary it


def test_pandoc_never_reads_the_users_data_folder(tmp_path, monkeypatch):
    """A default template (or reference.docx) in ~/.local/share/pandoc would shape the release on the
    author's machine and not on the editor's."""
    from livingreview import pandoc

    data = tmp_path / "share" / "pandoc" / "templates"
    data.mkdir(parents=True)
    (data / "default.html5").write_text("USER TEMPLATE $body$\n", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    source, defaults = tmp_path / "a.md", tmp_path / "d.yaml"
    source.write_text("Text.\n", encoding="utf-8")
    defaults.write_text("standalone: true\nmetadata: {title: T}\n", encoding="utf-8")
    assert "USER TEMPLATE" not in pandoc.convert(source, "html5", [defaults])


def test_a_certificate_must_name_its_commit_by_its_full_id(repository):
    root, record = repository
    full = record["commit"]["id"]
    for name in ("HEAD", "master", full[:7]):
        record["commit"]["id"] = name
        assert check_certificate.check(record, root)[0].startswith(f"commit {name!r} is not a commit's full id")


def test_an_edit_git_status_hides_counts_as_an_uncommitted_change(repository):
    root, _ = repository
    (root / "Snakefile").write_text("")
    git(root, "add", "Snakefile")
    git(root, "commit", "-qm", "pipeline")
    (root / "output" / "link.md").symlink_to("review.md")
    git(root, "add", "output/link.md")
    git(root, "commit", "-qm", "a link")
    assert verify.git_commit(root)["tracked_files_changed"] is False
    (root / "data" / "studies.csv").write_bytes(b"id\n2\n")
    git(root, "update-index", "--skip-worktree", "data/studies.csv")
    assert subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True).stdout == b""
    assert verify.git_commit(root)["tracked_files_changed"] is True


def test_a_certificate_is_never_written_into_the_release_or_over_another_file(repository, tmp_path):
    root, record = repository
    (root / "config").mkdir()
    (root / "config" / "config.yaml").write_text("output_dir: output\n", encoding="utf-8")
    for path in (root / "output" / "verification.json", root / "output" / "manifest.json",
                 root / "data" / "studies.csv", root / "data"):
        with pytest.raises(verify.LivingReviewError):
            verify.check_certificate_path(path, root, ".")
    verify.check_certificate_path(tmp_path / "verification.json", root, ".")  # a new file
    (tmp_path / "verification.json").write_text(json.dumps(record), encoding="utf-8")
    verify.check_certificate_path(tmp_path / "verification.json", root, ".")  # an earlier certificate
