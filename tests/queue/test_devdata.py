"""Robocorp's work-items.json read and written (rpa_core.queue.devdata), and declared reference sources."""

from __future__ import annotations

import json

import pytest

from rpa_core.packaging.references import ReferenceSourceError, check_reference_source, render_reference
from rpa_core.queue.devdata import DevdataError, read_items, write_items


def test_an_empty_list_is_one_empty_item_as_in_file_adapter(tmp_path):
    (tmp_path / "work-items.json").write_text("[]", encoding="utf-8")
    [item] = read_items(tmp_path)
    assert item.payload == {} and item.files == {}


def test_written_items_read_back_with_clashing_file_names_kept_apart(tmp_path):
    path = write_items(tmp_path / "out", [({"n": 1}, {"a.txt": b"one"}), ({"n": 2}, {"a.txt": b"two"})])
    items = read_items(path)
    assert [i.payload for i in items] == [{"n": 1}, {"n": 2}]
    assert [i.read_files() for i in items] == [{"a.txt": b"one"}, {"a.txt": b"two"}]
    assert json.loads(path.read_text())[1]["files"] == {"a.txt": "item-2/a.txt"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[{"payload": [1]}]', "payload is a JSON list"),
        ('[{"payload": {}, "file": {}}]', "unknown key(s) file"),
        ('[{"files": {"x": 1}}]', "files must be an object"),
        ("[1]", "work item 1 is a JSON int"),
    ],
)
def test_malformed_items_name_the_file_and_item(tmp_path, text, words):
    (tmp_path / "work-items.json").write_text(text, encoding="utf-8")
    with pytest.raises(DevdataError, match=r"work-items\.json") as caught:
        read_items(tmp_path / "work-items.json")
    assert words in str(caught.value)


def test_reference_sources():
    assert render_reference("reference", {"reference": "hello:1"}) == "hello:1"
    assert render_reference("flexloen:{cpr}:{month}", {"cpr": "0101011234", "month": "2024-11"}) == (
        "flexloen:0101011234:2024-11"
    )
    with pytest.raises(ReferenceSourceError, match="'month'") as caught:
        render_reference("flexloen:{cpr}:{month}", {"cpr": "0101011234"})
    assert "0101011234" not in str(caught.value)
    for bad in ("two words", "{0}", "{cpr!r}", "{a.b}", "x{"):
        with pytest.raises(ValueError):
            check_reference_source(bad)
