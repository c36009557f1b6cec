"""Reference 1 of the Metapsy review, the database release, is dated by the year the release was published.

Release 24.0.2's files (data.csv, metadata/) give no date; its search ran to 2024-01-01 (Metapsy's major
version is that year), and its tag names a commit of 2025-08-29 (as 24.0.0 and 24.0.1 do). The import dated
the entry by the last search (2024); sources/releases.yaml, beside the vendored releases, now gives each
release's date (schema meta_releases), and the entry has its year.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from livingreview.errors import DataError
from livingreview.importers import metapsy

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "examples" / "metapsy-depression" / "sources"


def entry_year(entry: str) -> str:
    return next(line for line in entry.splitlines() if line.strip().startswith("year")).split("{")[1].rstrip("},")


@pytest.mark.parametrize("release, published, year", [("24.0.2", "2025-08-29", "2025"), ("22.0.2", "2022-10-26", "2022")])
def test_the_database_entry_has_the_year_its_release_was_published(release, published, year):
    loaded = metapsy.read_release(SOURCES / release)
    assert loaded.published == published
    assert entry_year(metapsy.database_entry(loaded)) == year
    assert (f"has the year {year}, the year the release was published ({published}, `sources/releases.yaml`)"
            in metapsy.import_files(loaded)[0][metapsy.REPORT])


def test_without_a_date_the_entry_has_the_year_of_the_last_search_and_the_report_says_so(tmp_path):
    shutil.copytree(SOURCES / "24.0.2", tmp_path / "24.0.2")
    loaded = metapsy.read_release(tmp_path / "24.0.2")
    assert loaded.published == "" and entry_year(metapsy.database_entry(loaded)) == "2024"
    assert ("has the year 2024, the year of the release's last search (2024-01-01): the release's metadata give no "
            "date of publication, and `sources/releases.yaml` none.") in metapsy.import_files(loaded)[0][metapsy.REPORT]
    (tmp_path / "releases.yaml").write_text('releases:\n  - release: "22.0.2"\n    published: 2022-10-26\n',
                                            encoding="utf-8")
    assert metapsy.read_release(tmp_path / "24.0.2").published == ""  # no row for 24.0.2


def test_a_releases_file_the_schema_rejects_names_its_line_and_key(tmp_path):
    shutil.copytree(SOURCES / "24.0.2", tmp_path / "24.0.2")
    (tmp_path / "releases.yaml").write_text('releases:\n  - release: "24.0.2"\n    published: 29 August 2025\n',
                                            encoding="utf-8")
    with pytest.raises(DataError) as raised:
        metapsy.read_release(tmp_path / "24.0.2")
    assert raised.value.file == str(tmp_path / "releases.yaml") and "releases.0.published" in raised.value.where
