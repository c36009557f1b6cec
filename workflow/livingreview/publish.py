"""Publish the staged release to ``output/`` as one set: all new or all old.

The release files are copied into a staging folder beside the build, next
to a copy of everything else already in ``output/``; then the staging folder
and ``output/`` are swapped in one atomic ``renameat2(RENAME_EXCHANGE)``
system call. A build killed at any moment leaves ``output/`` either exactly
as it was or exactly the new set, never a mixture.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: file system cannot exchange
            return False
        raise OSError(errno, os.strerror(errno), str(a))
    return True


def publish_staging(output: Path) -> Path:
    """Where a release is staged before the swap: beside *output*, so that both
    are on one file system (a rename cannot cross file systems)."""
    return output.parent / f".{output.name}.publish"


def files_differ(release: Path, output: Path, names: list[str]) -> list[str]:
    """Names of release files that are missing from, or differ in, *output*."""
    changed = []
    for name in names:
        new, old = release / name, output / name
        if not old.is_file() or new.read_bytes() != old.read_bytes():
            changed.append(name)
    return changed


def publish(release: str | Path, output: str | Path, names: list[str], staging_root: str | Path) -> list[str]:
    """Make *output* hold the release's *names*; return the names that changed.

    Nothing is touched when every file is already identical.
    """
    release, output, staging_root = Path(release), Path(output), Path(staging_root)
    recover(output, staging_root)
    changed = files_differ(release, output, names)
    if not changed:
        return []
    if staging_root.exists():
        shutil.rmtree(staging_root)  # left over from a build killed while publishing
    staging_root.mkdir(parents=True)
    staging = staging_root / "output"
    if output.is_dir():
        shutil.copytree(output, staging, symlinks=True)
    else:
        staging.mkdir()
    for name in names:
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(release / name, target)  # keeps mtimes: see workflow/rules/changes.smk
    _fsync_tree(staging)
    if output.is_dir():
        if not _exchange(staging, output):
            old = staging_root / "previous"
            os.rename(output, old)
            os.rename(staging, output)
    else:
        os.rename(staging, output)
    shutil.rmtree(staging_root, ignore_errors=True)
    return changed


def recover(output: Path, staging_root: Path) -> None:
    """Undo a publication killed between the two renames of the fallback
    (file systems without an atomic exchange): put the previous release back."""
    previous = staging_root / "previous"
    if not output.exists() and previous.is_dir():
        os.rename(previous, output)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
