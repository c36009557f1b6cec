"""``python -m livingreview check-certificate FILE`` (``make check-certificate FILE=...``): check what a
verification certificate claims.

A certificate (``make verify CERTIFICATE=...``) is plain JSON: anyone can
edit it to say PASS. This command recomputes what it claims from the
repository at the commit it names, without trusting the certificate:

- the commit exists here, and the verification was of that commit as
  committed (no uncommitted changes to tracked files);
- the release's manifest at that commit (``REVIEW/output/manifest.json``)
  lists exactly the inputs, options, tools and review the certificate
  names, and each input at that commit has the SHA-256 the manifest records;
- each release file's published SHA-256 is that of the file at that
  commit, and the one the manifest records;
- the verdict follows from the file verdicts: PASS only when every file
  is "identical" (published equal to rebuilt) and no problem is listed.

What it cannot recompute is the rebuild itself: to check that the
published files are what the inputs give, run ``make verify`` at that
commit. No signature is involved: the repository is the authority.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import subprocess
import sys
from pathlib import Path

from ..errors import LivingReviewError
from ..project import MANIFEST, ROOT
from .verify import CERTIFICATE_FORMAT


class CertificateError(LivingReviewError):
    """The certificate cannot be read, or names nothing that can be checked."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True)


def blob(root: Path, commit: str, path: str) -> bytes | None:
    """The bytes of *path* at *commit* in the repository at *root*, or None when it has no such file."""
    result = _git(root, "show", f"{commit}:{posixpath.normpath(path)}")
    return result.stdout if result.returncode == 0 else None


def _sha256(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def read_certificate(path: Path) -> dict:
    """The certificate at *path*; :class:`CertificateError` when it is not one."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CertificateError(str(path), None, "the certificate file does not exist",
                               "name the file make verify CERTIFICATE=... wrote") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CertificateError(str(path), None, f"the certificate is not valid JSON ({exc})",
                               "name the file make verify CERTIFICATE=... wrote, unedited") from None
    if not isinstance(record, dict) or record.get("format") != CERTIFICATE_FORMAT:
        raise CertificateError(str(path), "key format", f"not a verification certificate (format is not "
                               f"{CERTIFICATE_FORMAT})", "name the file make verify CERTIFICATE=... wrote")
    return record


def check(record: dict, root: Path = ROOT) -> list[str]:
    """Every claim of the certificate *record* that the repository at *root* does not bear out."""
    commit = (record.get("commit") or {}).get("id")
    if not commit:
        return ["the certificate names no commit (the verification ran outside a git checkout): it cannot be "
                "checked against the repository"]
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", str(commit)):
        return [f"commit {commit!r} is not a commit's full id (40 or 64 hexadecimal digits): a name such as HEAD, a "
                "branch or a shortened id could later name another commit"]
    if _git(root, "cat-file", "-e", f"{commit}^{{commit}}").returncode != 0:
        return [f"commit {commit} is not in this repository (fetch it, or check the certificate in the "
                "review's own repository)"]
    problems = []
    if record["commit"].get("tracked_files_changed") is not False:
        problems.append(f"the verification ran with uncommitted changes to tracked files: what it verified is "
                        f"not commit {commit}")
    review = str(record.get("review_folder") or ".")
    prefix = "" if review in ("", ".") else review.rstrip("/") + "/"
    files = record.get("files") or {}
    manifest_paths = [path for path in files if path == MANIFEST or path.endswith("/" + MANIFEST)]
    if len(manifest_paths) != 1:
        return problems + [f"the certificate lists {len(manifest_paths)} manifests among its files, not one"]
    manifest_path = manifest_paths[0]
    manifest_bytes = blob(root, commit, prefix + manifest_path)
    if manifest_bytes is None:
        return problems + [f"{prefix}{manifest_path} does not exist at commit {commit}"]
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        return problems + [f"{prefix}{manifest_path} at commit {commit} is not valid JSON"]
    inputs = {path: entry.get("sha256") for path, entry in manifest.get("inputs", {}).items()}
    if record.get("inputs") != inputs:
        changed = sorted(set(inputs) ^ set(record.get("inputs") or {})) or sorted(
            path for path in inputs if inputs[path] != (record.get("inputs") or {}).get(path))
        problems.append(f"inputs: the certificate's differ from the manifest's at commit {commit} "
                        f"({', '.join(changed[:5])})")
    for path, digest in sorted(inputs.items()):
        at_commit = _sha256(blob(root, commit, prefix + path))
        if at_commit is not None and at_commit != digest:  # inputs outside git (a venv file) cannot be checked
            problems.append(f"input {path}: its SHA-256 at commit {commit} is not the one the manifest records")
    for key in ("review", "options", "tools"):
        if record.get(key) != manifest.get(key):
            problems.append(f"{key}: the certificate's differ from the manifest's at commit {commit}")
    outputs = {path: entry.get("sha256") for path, entry in manifest.get("outputs", {}).items()}
    if set(files) != set(outputs) | {manifest_path}:
        problems.append(f"files: the certificate lists {len(files)}, the release at commit {commit} has "
                        f"{len(outputs) + 1}")
    all_identical = True
    for path, entry in sorted(files.items()):
        published, rebuilt, verdict = (entry.get("published_sha256"), entry.get("rebuilt_sha256"),
                                       entry.get("verdict"))
        at_commit = _sha256(blob(root, commit, prefix + path))
        if published != at_commit:
            problems.append(f"{path}: its published SHA-256 in the certificate is not that of the file at "
                            f"commit {commit}")
        if path in outputs and published != outputs[path]:
            problems.append(f"{path}: its published SHA-256 in the certificate is not the one the manifest records")
        expected = ("not rebuilt" if rebuilt is None else "not published" if published is None
                    else "identical" if published == rebuilt else "differs")
        if verdict != expected:
            problems.append(f"{path}: verdict {verdict!r}, but its hashes say {expected!r}")
        all_identical &= expected == "identical"
    verdict = "PASS" if all_identical and not record.get("problems") else "FAIL"
    if record.get("verdict") != verdict:
        problems.append(f"verdict: the certificate says {record.get('verdict')}, its own file verdicts and "
                        f"problems say {verdict}")
    return problems


def main(path: Path, root: Path = ROOT) -> int:
    """Check the certificate at *path*; print the result. 0 when every claim holds, 1 otherwise."""
    record = read_certificate(path)
    problems = check(record, root)
    commit = (record.get("commit") or {}).get("id")
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        print(f"FAIL: the certificate {path} does not hold ({count}):")
        print("\n".join(f"  - {problem}" for problem in problems))
        return 1
    print(f"OK: the certificate {path} ({record['verdict']}) agrees with the manifest and the files at commit "
          f"{commit}. (Its rebuild is not repeated: to repeat it, run make verify at that commit.)")
    sys.stdout.flush()
    return 0
