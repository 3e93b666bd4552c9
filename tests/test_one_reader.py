"""One reader per concept (issue 16): suppression comments, comments, names read."""

from __future__ import annotations

from kerasfix.lines import comments
from kerasfix.suppressions import read_suppressions


def test_suppressions_are_comment_tokens_placed_as_findings():
    text = ('x = 1  # kerasfix: ignore[kf101, KF3]\n'
            's = "# kerasfix: ignore"\n'
            'y = (1,  # KERASFIX: IGNORE\n'
            '     2)\n')
    found = read_suppressions(text)
    assert [(c.line, c.column, c.end_column, c.codes) for c in found.lines] == [
        (1, 8, 38, ("KF101", "KF3")), (3, 10, 28, None)]
    assert found.whole_file is False


def test_ignore_file_is_a_comment_on_a_line_of_its_own():
    assert read_suppressions("# kerasfix: ignore-file\nx = 1\n").whole_file is None
    assert read_suppressions("if x:\n    # kerasfix: ignore-file[KF1, KF2]\n    y = 1\n").whole_file == ("KF1", "KF2")
    assert read_suppressions("x = 1  # kerasfix: ignore-file\n").whole_file is False
    assert read_suppressions('"""\n# kerasfix: ignore-file\n"""\n').whole_file is False
    assert read_suppressions("# kerasfix: ignore-file[]\n").whole_file is False
    # the tokenizer stops at an unclosed bracket: what it read before still counts
    assert read_suppressions("# kerasfix: ignore-file\nx = (\n").whole_file is None


def test_comments_are_counted_as_tokens():
    assert comments('x = "#no"  # yes\n# yes\n') == {"# yes": 2}
