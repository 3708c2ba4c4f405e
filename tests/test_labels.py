from __future__ import annotations

import pytest

from workbench.labels import all_labels, label, labels


def test_every_label_has_both_languages():
    table = all_labels()
    assert table, "no labels loaded"
    for key, texts in table.items():
        assert texts["en"].strip() and texts["zh"].strip(), key


def test_label_lookup_and_sections():
    assert label("tier.dormant", "zh") == "沉睡客户"
    assert labels("abc", "en") == {"A": "A key", "B": "B major", "C": "C ordinary"}


def test_unknown_label_and_language_are_clear():
    with pytest.raises(KeyError, match="no label 'tier.sleepy'"):
        label("tier.sleepy")
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        label("tier.new", "fr")


def test_chinese_texts_are_chinese():
    # every zh text of the tier table holds CJK characters, not a copy of the English
    for key, text in labels("tier", "zh").items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), key


def test_served_explorers_take_the_language_from_the_url(monkeypatch):
    from workbench.labels import lang_from_query

    monkeypatch.setenv("QUERY_STRING", "lang=zh")
    assert lang_from_query("en") == "zh"
    monkeypatch.setenv("QUERY_STRING", "other=1")
    assert lang_from_query("zh") == "zh"
    monkeypatch.delenv("QUERY_STRING")
    assert lang_from_query("en") == "en"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        lang_from_query("en", "lang=fr")
