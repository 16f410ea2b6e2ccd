"""The unit-tree TOML file: every mistake named with its file and line, nothing half-loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from huiyin.server.district.orgfile import OrgFileError, parse_units
from tests.server.test_cli import UNITS_OK


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "units.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file(tmp_path):
    specs = parse_units(write(tmp_path, UNITS_OK))
    assert [s.name for s in specs][0] == "示例区"
    assert specs[0].code == "SL"


def test_children_may_come_before_parents(tmp_path):
    blocks = UNITS_OK.split("\n\n")
    specs = parse_units(write(tmp_path, "\n\n".join(reversed(blocks))))
    names = [s.name for s in specs]
    assert names.index("东街道便民服务中心") < names.index("东村便民服务站")


@pytest.mark.parametrize("change, expected", [
    (("tier = \"village\"", "tier = \"hamlet\""), ":21: 东村便民服务站: tier must be one of"),
    (("kind = \"station\"", "kind = \"kiosk\""), ":22: 东村便民服务站: kind must be one of"),
    (("parent = \"东街道便民服务中心\"", "parent = \"西街道\""),
     ":20: 东村便民服务站: parent '西街道' is not a unit"),
    (("name = \"东村便民服务站\"", "name = \"东街道便民服务中心\""),
     ":20: the name '东街道便民服务中心' is used twice"),
    (("code = \"SL\"", "code = \"S-L\""), ":5: 示例区: code must be 1 to 8 letters"),
    (("name = \"东村便民服务站\"", "name = \"东村便民服务站\"\ncolour = \"red\""), ":21: unknown key 'colour'"),
])
def test_errors_name_the_line(tmp_path, change, expected):
    text = UNITS_OK.replace(*change)
    path = write(tmp_path, text)
    with pytest.raises(OrgFileError) as info:
        parse_units(path)
    assert any(str(path) + expected in line for line in info.value.errors), info.value.errors


def test_tree_shape_errors(tmp_path):
    two_roots = UNITS_OK.replace('parent = "示例区"\n\n[[unit]]\nname = "东街道', '\n[[unit]]\nname = "东街道', 1)
    with pytest.raises(OrgFileError) as info:
        parse_units(write(tmp_path, UNITS_OK.replace('parent = "东街道便民服务中心"\n', "")))
    assert "exactly one unit must have no parent" in str(info.value)
    with pytest.raises(OrgFileError):
        parse_units(write(tmp_path, two_roots))
    with pytest.raises(OrgFileError) as info:
        parse_units(write(tmp_path, UNITS_OK.replace('name = "东村便民服务站"\ntier = "village"',
                                                      'name = "东村便民服务站"\ntier = "district"')))
    assert ":20: unit '东村便民服务站' (district) sits under a unit of a lower tier" in str(info.value)


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(OrgFileError) as info:
        parse_units(write(tmp_path, "[[unit]\nname = 1"))
    assert "not valid TOML" in str(info.value) and "line 1" in str(info.value)
    with pytest.raises(OrgFileError) as info:
        parse_units(tmp_path / "nope.toml")
    assert "no such file" in str(info.value)
    with pytest.raises(OrgFileError) as info:
        parse_units(write(tmp_path, "title = 'x'\n"))
    assert "no [[unit]] tables" in str(info.value)
