"""Chinese full-text search: the terms a text is indexed under and the phrase a query looks for.

The database side (FTS5 on SQLite, tsvector on PostgreSQL) is checked in test_store and
test_web_list; here the promise of :mod:`jixiao.store.search` itself: a query matches a text exactly
when the text holds the query as a substring (for Chinese; Latin words match by word, the last from
its start).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jixiao import read
from jixiao.store import search

from .conftest import SEED_2024


def test_chinese_is_indexed_by_character_pairs_and_each_run_ends_with_its_last_character():
    assert search.terms(["中华骨髓库"]) == ["中华", "华骨", "骨髓", "髓库", "库"]
    assert search.terms(["骨"]) == ["骨"]


def test_latin_and_digits_are_lower_case_words_and_full_width_forms_are_folded():
    assert search.terms(["ABC-12 第１批"]) == ["abc", "12", "第", "1", "批"]
    assert search.terms(["2024年度"]) == ["2024", "年度", "度"]


def test_a_query_is_a_phrase_of_the_same_terms():
    assert search.query_terms("骨髓库") == ["骨髓", "髓库"]
    assert search.query_terms("骨髓 2024") == ["骨髓", "髓", "2024"]
    assert search.query_terms("%") == []


def _matches(document: list[str], phrase: list[str]) -> bool:
    """What the databases do with a phrase whose last term is a prefix."""
    n = len(phrase)
    return any(document[i:i + n - 1] == phrase[:-1] and document[i + n - 1].startswith(phrase[-1])
               for i in range(len(document) - n + 1))


CJK = st.text(alphabet="中华骨髓库建设红十字会培训", min_size=1, max_size=12)


@given(CJK, st.integers(0, 11), st.integers(1, 6))
def test_every_chinese_substring_of_a_text_finds_it(text, start, length):
    query = text[start:start + length] or text
    assert _matches(search.terms([text]), search.query_terms(query))


@given(CJK, CJK)
def test_a_chinese_query_finds_a_text_only_when_the_text_holds_it(text, query):
    assert _matches(search.terms([text]), search.query_terms(query)) == (query in text)


def test_every_indicator_name_of_the_seed_finds_its_declaration():
    for decl in read(SEED_2024):
        document = search.terms([decl.name, decl.goal, *(i.name for i in decl.indicators)])
        for ind in decl.indicators:
            phrase = search.query_terms(ind.name)
            assert not phrase or _matches(document, phrase), ind.name


def test_database_literals():
    assert search.sqlite_match(["骨髓", "髓库"]) == '"骨髓" + "髓库" *'
    assert search.postgres_tsquery(["骨髓", "髓库"]) == "'骨髓' <-> '髓库':*"
    assert search.postgres_tsvector(["中华", "华骨", "中华"]) == "'中华':1,3 '华骨':2"
