"""Reading outside text (``planner.model.reading``): encodings, nesting and CSV cells, each refused by name."""

from __future__ import annotations

import json

import pytest

from planner.errors import InputError
from planner.model.reading import (
    ENCODINGS,
    MAX_CSV_CELL,
    MAX_DEPTH,
    check_depth,
    csv_dicts,
    csv_lines,
    csv_rows,
    decode,
    encoding_name,
    parse_json,
    parse_yaml,
)

CHINESE = "id,name_zh\nB1,历下消防站\n"


def test_utf8_with_or_without_a_byte_order_mark_reads_the_same():
    assert decode(CHINESE.encode("utf-8"), "a.csv") == CHINESE
    assert decode(CHINESE.encode("utf-8-sig"), "a.csv") == CHINESE


def test_gb18030_is_read_only_when_declared():
    data = CHINESE.encode("gb18030")
    refusal = r"a\.csv: not UTF-8 text \(byte 0x.. at line 2, offset 14\).*gb18030"
    with pytest.raises(InputError, match=refusal) as caught:
        decode(data, "a.csv")
    assert caught.value.field == "file"
    assert decode(data, "a.csv", "gb18030") == CHINESE
    assert decode(data, "a.csv", " GB18030 ") == CHINESE


@pytest.mark.parametrize(("data", "declared", "pattern"), [
    ("id\nB1,Montréal\n".encode("latin-1"), None, r"not UTF-8 text \(byte 0xe9"),
    (CHINESE.encode("utf-16"), None, "UTF-16 text is not accepted"),
    (b"id\n\xff\xff\n", "gb18030", r"not GB18030 text \(byte 0xff at line 2, offset 3\); check the declared encoding"),
    (CHINESE.encode("utf-8"), "latin-1", r"encoding: 'latin-1' is not accepted \(accepted: utf-8, gb18030\)"),
])
def test_other_encodings_are_refused_never_read_with_replacement_characters(data, declared, pattern):
    with pytest.raises(InputError, match=pattern):
        decode(data, "a.csv", declared)


def test_encoding_names():
    assert ENCODINGS == ("utf-8", "gb18030")
    assert [encoding_name(n) for n in (None, "", "UTF-8", "utf8", "utf-8-sig", "gb18030")] == [
        "utf-8", "utf-8", "utf-8", "utf-8", "utf-8", "gb18030"]


def test_nesting_up_to_the_limit_is_read_and_one_more_level_is_refused_before_parsing():
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_json(deepest, "body") == json.loads(deepest)
    too_deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(InputError, match=f"body: nested more than {MAX_DEPTH} arrays or objects deep"):
        parse_json(too_deep, "body")
    huge = "[" * 1_000_000  # would overflow the parser's stack; refused without parsing
    with pytest.raises(InputError, match="nested more than"):
        check_depth(huge, "body")
    objects = '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    with pytest.raises(InputError, match="nested more than"):
        check_depth(objects.encode(), "body")


def test_brackets_inside_json_strings_do_not_count():
    text = json.dumps({"note": "[" * 500 + '\\"{' * 100, "list": [[1]] * 200})
    assert parse_json(text, "body")["list"][0] == [1]


def test_json_syntax_errors_name_the_line():
    with pytest.raises(InputError, match=r"p\.json: not valid JSON \(Expecting value at line 2 column 1\)"):
        parse_json('{"a":\n}', "p.json")


def test_yaml_nesting_and_aliases_are_refused_naming_the_line():
    assert parse_yaml("a: [1, {b: 2}]", "s.yaml") == {"a": [1, {"b": 2}]}
    deep = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(InputError, match=f"s.yaml: not valid YAML \\(nested more than {MAX_DEPTH} lists or mappings "
                                         "deep at line 1\\)"):
        parse_yaml(deep, "s.yaml")
    bomb = 'a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n'
    with pytest.raises(InputError, match=r"anchors and aliases .* are not accepted at line 2"):
        parse_yaml(bomb, "s.yaml")
    with pytest.raises(InputError, match=r"s\.yaml: not valid YAML \(.* at line 2\)"):
        parse_yaml("a: 1\n b: [\n", "s.yaml")


def test_csv_records_carry_the_line_they_start_on():
    text = 'id,note\nA,"two\nlines"\n\nB,one\n'
    rows = list(csv_rows(csv_lines(text), "n.csv"))
    assert rows == [(1, ["id", "note"]), (2, ["A", "two\nlines"]), (5, ["B", "one"])]
    header, records = csv_dicts(csv_lines("id,name\nA,a,extra\nB\n"), "n.csv")
    assert header == ["id", "name"]
    assert list(records) == [(2, {"id": "A", "name": "a", None: ["extra"]}), (3, {"id": "B", "name": None})]


def test_a_cell_longer_than_the_limit_is_refused_naming_line_and_column():
    text = "id,name,note\nA,a,short\nB," + "x" * (MAX_CSV_CELL + 1) + ",c\n"
    with pytest.raises(InputError, match=f"big.csv line 3: name: a cell is longer than {MAX_CSV_CELL:,} characters"):
        list(csv_rows(csv_lines(text), "big.csv"))
    quoted = 'id,note\nA,"' + "y\n" * (MAX_CSV_CELL // 2 + 1) + '"\n'
    with pytest.raises(InputError, match="q.csv line 2: note: a cell is longer") as caught:
        list(csv_rows(csv_lines(quoted), "q.csv"))
    assert caught.value.field == "note"
    exactly = "id\n" + "z" * MAX_CSV_CELL + "\n"
    assert list(csv_rows(csv_lines(exactly), "ok.csv"))[1][1] == ["z" * MAX_CSV_CELL]
