"""nb.simulated_note labels catalogued datasets and inline simulated tables."""

from __future__ import annotations

import pytest

from casekit import nb
from casekit.errors import BadParameterError


def _shown(monkeypatch, call):
    out = []
    monkeypatch.setattr(nb, "md", out.append)
    call()
    return "".join(out)


def test_inline_table_note_names_the_table_and_how_it_was_made(monkeypatch):
    text = _shown(monkeypatch, lambda: nb.simulated_note("board", how="用随机数生成的榜单得分"))
    assert "模拟数据" in text and "`board`" in text and "用随机数生成的榜单得分" in text


def test_catalogued_dataset_note_still_names_generator_and_seed(monkeypatch):
    text = _shown(monkeypatch, lambda: nb.simulated_note("events_618"))
    assert "模拟数据" in text and "随机种子" in text


@pytest.mark.parametrize(
    "name, how, match",
    [
        ("board", "  ", "saying how the inline table was made"),
        ("two words", "随机数", "variable name"),
        ("events_618", "随机数", "catalogued dataset takes no how"),
    ],
)
def test_bad_inline_labels_get_clear_errors(monkeypatch, name, how, match):
    monkeypatch.setattr(nb, "md", lambda text: None)
    with pytest.raises(BadParameterError, match=match):
        nb.simulated_note(name, how=how)
