"""Issue 21, item 1: publishing never writes outside the release folder.

A symbolic link anywhere in the published tree (``output/`` itself, a release
file, ``output/figures/``), on the way to it, or as the build folder is
refused with a plain message; the link's target and ``output/`` stay
byte-identical, and nothing is left in the staging folder.
"""

from __future__ import annotations

import os

import pytest
from livingreview import config as review_config
from livingreview.errors import ConfigError, PublishError
from livingreview.files import symbolic_links
from livingreview.stages.release import publish_release, recover, staging_folder

NAMES = ["review.md", "review.html", "figures/forest.svg"]


def make_release(folder, text):
    for name in NAMES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"{text} {name}", encoding="utf-8")


def tree(folder):
    """Every file under *folder* (links as links) with its bytes."""
    found = {}
    for top, folders, files in os.walk(folder):
        for name in folders + files:
            path = os.path.join(top, name)
            found[os.path.relpath(path, folder)] = ("link", os.readlink(path)) if os.path.islink(path) else (
                open(path, "rb").read() if os.path.isfile(path) else "folder")
    return found


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A review folder (the working directory) with a published release, a staged one, and a folder
    outside it holding a file an attacker would like overwritten."""
    review, outside = tmp_path / "review", tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("not yours", encoding="utf-8")
    make_release(review / "output", "old")
    make_release(review / "build" / "release", "new")
    monkeypatch.chdir(review)
    return review, outside


def refused(review, outside, link):
    before_output, before_outside = tree(review / "output"), tree(outside)
    with pytest.raises(PublishError) as caught:
        publish_release("build/release", "output", NAMES)
    error = caught.value
    assert "is a symbolic link" in error.problem and "never writes through a link" in error.problem
    assert error.file == link and f"rm {link}" in error.fix
    assert tree(review / "output") == before_output and tree(outside) == before_outside
    assert not staging_folder(review / "output").exists()
    return error


def test_a_release_file_linked_outside_is_refused_and_its_target_untouched(place):
    review, outside = place
    (review / "output" / "review.html").unlink()
    (review / "output" / "review.html").symlink_to(outside / "precious.txt")
    refused(review, outside, "output/review.html")
    assert (outside / "precious.txt").read_text(encoding="utf-8") == "not yours"


def test_a_linked_figures_folder_is_refused(place):
    review, outside = place
    (outside / "figures").mkdir()
    for path in (review / "output" / "figures").iterdir():
        path.unlink()
    (review / "output" / "figures").rmdir()
    (review / "output" / "figures").symlink_to(outside / "figures", target_is_directory=True)
    refused(review, outside, "output/figures")
    assert list((outside / "figures").iterdir()) == []


def test_an_output_folder_that_is_a_link_is_refused(place):
    review, outside = place
    (review / "output").rename(review / "real-output")
    (review / "output").symlink_to(outside, target_is_directory=True)
    before = tree(outside)
    with pytest.raises(PublishError) as caught:
        publish_release("build/release", "output", NAMES)
    assert caught.value.file == "output" and "symbolic link" in caught.value.problem
    assert tree(outside) == before


def test_a_link_on_the_way_to_the_output_folder_is_refused(place):
    review, outside = place
    (outside / "site" / "output").mkdir(parents=True)
    (review / "site").symlink_to(outside / "site", target_is_directory=True)
    with pytest.raises(PublishError) as caught:
        publish_release("build/release", "site/output", NAMES)
    assert caught.value.file == "site"
    assert list((outside / "site" / "output").iterdir()) == []


def test_a_link_in_the_staging_folder_s_place_is_removed_never_followed(place):
    review, outside = place
    (outside / "victim").mkdir()
    (outside / "victim" / "keep.txt").write_text("keep", encoding="utf-8")
    staging_folder(review / "output").symlink_to(outside / "victim", target_is_directory=True)
    recover(review / "output")
    assert not os.path.lexists(staging_folder(review / "output"))
    assert (outside / "victim" / "keep.txt").read_text(encoding="utf-8") == "keep"
    # and publishing then works, the whole set
    assert publish_release("build/release", "output", NAMES) == NAMES
    assert (review / "output" / "review.md").read_text(encoding="utf-8") == "new review.md"


def test_a_link_only_elsewhere_in_output_is_named_with_the_count(place):
    review, outside = place
    (review / "output" / "a.txt").symlink_to(outside / "precious.txt")
    (review / "output" / "b.txt").symlink_to(outside / "precious.txt")
    error = refused(review, outside, "output/a.txt")
    assert "2 links in all" in error.problem


def test_symbolic_links_lists_without_following(tmp_path):
    (tmp_path / "out" / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "deep.txt").symlink_to(tmp_path)  # would be found if the link were followed
    (tmp_path / "out" / "sub" / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert symbolic_links(tmp_path / "out") == [tmp_path / "out" / "sub" / "link"]
    assert symbolic_links(tmp_path / "elsewhere") == [tmp_path / "elsewhere" / "deep.txt"]


@pytest.mark.parametrize("key", ["build_dir", "output_dir"])
def test_a_build_or_output_folder_that_is_a_link_is_refused_when_the_config_is_checked(tmp_path, monkeypatch,
                                                                                      key):
    review = tmp_path / "review"
    (review / "config").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (review / "elsewhere").symlink_to(tmp_path / "outside", target_is_directory=True)
    monkeypatch.chdir(review)
    config = {key: "elsewhere"}
    monkeypatch.setattr(review_config, "is_valid", lambda config, schema: True)
    monkeypatch.setattr(review_config, "data_files", lambda config: ())
    with pytest.raises(ConfigError) as caught:
        review_config.check({"reference_style": "apa", "build_dir": "build", "output_dir": "output", **config})
    assert f'{key} "elsewhere": elsewhere is a symbolic link' in caught.value.problem
    assert "rm elsewhere" in caught.value.fix
    assert list((tmp_path / "outside").iterdir()) == []
