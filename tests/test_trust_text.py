"""Issue 21, item 9: invisible characters in data are refused with their line and column.

Every format character (Unicode category Cf) is refused in what an author
edits: the Arabic letter mark, the word joiner, a byte-order mark inside the
text, the soft hyphen, the Mongolian vowel separator, invisible operators and
tag characters, besides the bidirectional controls and zero-width spaces
refused before. The stated rule for the zero-width joiner and non-joiner: kept
between two characters beyond Latin (Persian, Devanagari, emoji sequences),
refused anywhere else. ``allow_invisible_characters: true`` lets them all pass.
"""

from __future__ import annotations

import re
import shutil
import unicodedata

import pytest
from conftest import ROOT
from livingreview.errors import DataError
from livingreview.files import _FORMAT, check_characters, read_input
from livingreview.tables import read_table

HIDDEN = [("\u061c", "U+061C ARABIC LETTER MARK"), ("\u2060", "U+2060 WORD JOINER"),
          ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"), ("\u00ad", "U+00AD SOFT HYPHEN"),
          ("\u180e", "U+180E MONGOLIAN VOWEL SEPARATOR"), ("\u2062", "U+2062 INVISIBLE TIMES"),
          ("\U000e0041", "U+E0041 TAG LATIN CAPITAL LETTER A"), ("\U000e0001", "U+E0001 LANGUAGE TAG"),
          ("\u200d", "U+200D ZERO WIDTH JOINER"), ("\u200c", "U+200C ZERO WIDTH NON-JOINER")]


@pytest.mark.parametrize(("char", "named"), HIDDEN, ids=[name for _, name in HIDDEN])
def test_an_invisible_character_in_a_table_is_refused_with_line_and_column(tmp_path, char, named):
    path = tmp_path / "studies.csv"
    shutil.copy(ROOT / "data" / "studies.csv", path)
    text = path.read_text(encoding="utf-8")
    at = text.index("not stated")
    path.write_text(text[:at] + "not" + char + " stated" + text[at + len("not stated"):],
                    encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(DataError) as caught:
        read_table(path, "studies", "study dataset", "key")
    error = caught.value
    line = text[:at].count("\n") + 1
    column = at - text.rfind("\n", 0, at) - 1 + len("not") + 1
    assert error.file == str(path) and error.where == f"line {line}, column {column}" and error.line == line
    assert f"contains an invisible character that changes what readers see, {named}" in error.problem
    assert "allow_invisible_characters: true" in error.fix
    assert path.read_bytes() == before


def test_an_invisible_character_in_yaml_metadata_is_refused(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text('title: "Psycho\u00adtherapy"\n', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_input(path, "review metadata")
    assert caught.value.where == "line 1, column 15" and "U+00AD SOFT HYPHEN" in caught.value.problem


@pytest.mark.parametrize("text", ["می\u200cخواهم", "क्\u200dष", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
                                  "\u0628\u200d\u0628"])
def test_joiners_between_characters_of_scripts_that_need_them_are_kept(text):
    check_characters(text, "f.csv", "table")


@pytest.mark.parametrize("text", ["a\u200db", "\u200dمی", "می\u200c ", "co\u200coperate"])
def test_joiners_anywhere_else_are_refused(text):
    with pytest.raises(DataError):
        check_characters(text, "f.csv", "table")


def test_the_config_lets_them_all_pass():
    check_characters("".join(char for char, _ in HIDDEN), "f.csv", "table", allow_invisible=True)


def test_the_byte_order_mark_at_the_start_of_a_file_is_still_dropped(tmp_path):
    path = tmp_path / "studies.csv"
    path.write_bytes(b"\xef\xbb\xbfkey\nx\n")
    assert read_input(path, "table") == "key\nx\n"


def test_every_format_character_of_this_python_is_refused():
    """The ranges of files._FORMAT (Unicode 15) cover category Cf of the Unicode version Python has."""
    pattern = re.compile(f"[{_FORMAT}]")
    missed = [f"U+{code:04X}" for code in range(0x110000) if unicodedata.category(chr(code)) == "Cf"
              and code not in (0x200C, 0x200D) and not pattern.fullmatch(chr(code))]
    assert missed == []
    others = [f"U+{code:04X}" for code in range(0x110000) if pattern.fullmatch(chr(code))
              and unicodedata.category(chr(code)) not in ("Cf", "Cn")]
    assert others == []
