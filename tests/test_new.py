"""``make new``: an author's own review folder, with an example that builds and verifies at once.

- ``new`` writes the config, data, bibliography, an empty templates folder and README of the kind asked
  for: the section templates are the kind's defaults (a meta-analysis's in templates/kinds/meta-analysis/),
  which a file of the same name in the review's templates/ overrides.
- It refuses an existing non-empty folder and an unknown kind, plainly, writing nothing.
- End to end: a meta-analysis folder *outside* the project (``../my-review``) builds with the project of
  the working directory and ``verify`` passes on it (a narrative one: the tutorial's test, test_docs.py).
"""

from __future__ import annotations

import pytest
from conftest import copy_project, run_cli
from livingreview.commands.cli import main
from livingreview.kinds import KINDS
from livingreview.project import SHARED_TEMPLATES, find_template, template_folders
from livingreview.tables import read_table


def test_new_writes_a_narrative_review_with_three_studies_and_no_own_templates(tmp_path, capsys):
    review = tmp_path / "my-review"
    assert main(["new", str(review), "--kind", "narrative"]) == 0
    for name in ("config/config.yaml", "data/studies.csv", "data/themes.csv", "data/review.yaml", "references.bib",
                 "README.md"):
        assert (review / name).is_file(), name
    assert (review / "templates").is_dir() and not any((review / "templates").iterdir())
    studies = (review / "data" / "studies.csv").read_text(encoding="utf-8").splitlines()
    assert len(studies) == 1 + 3
    bib = (review / "references.bib").read_text(encoding="utf-8")
    assert all(f"{{{line.split(',')[0]}," in bib for line in studies[1:])
    assert "make review REVIEW=" in (review / "README.md").read_text(encoding="utf-8")
    assert "next: make review" in capsys.readouterr().err


def test_new_writes_a_meta_analysis_with_valid_tables_no_own_templates_and_a_guarded_conclusion(tmp_path):
    review = tmp_path / "my-meta"
    assert main(["new", str(review), "--kind", "meta-analysis"]) == 0
    assert (review / "templates").is_dir() and not any((review / "templates").iterdir())
    readme = (review / "README.md").read_text(encoding="utf-8")
    assert ("`templates/kinds/meta-analysis/sections/checklist.md.j2` in the project → "
            "`templates/sections/checklist.md.j2` here") in readme
    read = {name: read_table(review / "data" / f"{name}.csv", f"meta_{name}", f"{name} table", key)
            for name, key in (("studies", "key"), ("comparisons", "id"), ("conclusions", "id"))}
    assert not any(table.problems for table in read.values())  # each row valid by the kind's schema
    tables = {name: table.rows for name, table in read.items()}
    comparisons = tables["comparisons"]
    assert len({row["key"] for row in comparisons}) >= 3 and all(row["g"] and row["g_se"] for row in comparisons)
    conclusions = tables["conclusions"]
    assert len(conclusions) == 1 and "ci_low > 0" in conclusions[0]["condition"]
    assert (review / "data" / "certainty.yaml").is_file() and (review / "data" / "database.yaml").is_file()


@pytest.mark.parametrize("kind", ["narrative", "meta-analysis"])
def test_new_refuses_a_folder_that_is_not_empty_and_writes_nothing(tmp_path, capsys, kind):
    review = tmp_path / "taken"
    review.mkdir()
    (review / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["new", str(review), "--kind", kind]) == 1
    err = capsys.readouterr().err
    assert f"error: {review}: this folder exists and is not empty (notes.txt)" in err and "fix:" in err
    assert [path.name for path in review.iterdir()] == ["notes.txt"]


def test_the_kind_s_default_templates_are_generic_and_a_review_s_own_template_wins(tmp_path):
    """Every section template of the meta-analysis kind has a default, found after the review's own
    templates/ and before the shared folder (whose introduction and conclusion are the narrative kind's);
    a review's file of the same name wins; no default names Metapsy."""
    kind = KINDS["meta-analysis"]
    own = tmp_path / "templates"
    (own / "sections").mkdir(parents=True)
    (own / "sections" / "conclusion.md.j2").write_text("# Conclusion\n\nMine.\n", encoding="utf-8")
    folders = template_folders(own, kind_defaults=kind.default_templates)
    defaults = SHARED_TEMPLATES / "kinds" / "meta-analysis"
    assert folders == [own, defaults, SHARED_TEMPLATES]
    for section in kind.sections:
        found = find_template(f"sections/{section}.md.j2", folders)
        assert found == (own if section == "conclusion" else defaults) / "sections" / f"{section}.md.j2"
        assert "metapsy" not in found.read_text(encoding="utf-8").lower(), section
    assert template_folders(own, kind_defaults=KINDS["narrative"].default_templates) == [own, SHARED_TEMPLATES]


def test_new_refuses_an_unknown_kind(tmp_path, capsys):
    assert main(["new", str(tmp_path / "r"), "--kind", "scoping"]) == 1
    assert "there is no kind of review named 'scoping'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


# The narrative kind's: tests/test_docs.py runs the tutorial's commands (make new ../my-review KIND=narrative,
# make review, make verify), the same path end to end.
@pytest.mark.parametrize("kind", ["meta-analysis"])
def test_a_new_review_outside_the_project_builds_and_verifies(tmp_path, kind):
    project = copy_project(tmp_path / "project")
    result = run_cli(project, "new", "../my-review", "--kind", kind)
    assert result.returncode == 0, result.stderr
    if kind == "meta-analysis":  # the author's own Conclusion, edited from the kind's default, wins over it
        default = project / "templates" / "kinds" / "meta-analysis" / "sections" / "conclusion.md.j2"
        own = tmp_path / "my-review" / "templates" / "sections" / "conclusion.md.j2"
        own.parent.mkdir(parents=True)
        own.write_text(default.read_text(encoding="utf-8").replace("This review has the limitations",
                                                                   "Our own words: this review has the limitations"),
                       encoding="utf-8")
    result = run_cli(project, "build", "../my-review")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "my-review" / "output" / "review.html").is_file()
    if kind == "meta-analysis":
        # The kind's default templates name no database of their own: what names Metapsy (the six example
        # trials' source) is the data's attribution, the acknowledgement, reference and licence.
        article = (tmp_path / "my-review" / "output" / "review.md").read_text(encoding="utf-8")
        body, back_matter = article.split("\n# Acknowledgement\n")
        assert "# Appendix: PRISMA 2020 checklist" in body and "metapsy" not in body.lower()
        assert "Our own words: this review has the limitations" in body
        assert "The evidence is the Metapsy database" in back_matter
    assert "../my-review" not in (project / "output").as_posix() and not (project / "output").exists()
    result = run_cli(project, "verify", "../my-review")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS")
