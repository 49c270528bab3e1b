"""Full-text search in Chinese: the terms a declaration is indexed under, and the query for a search.

Chinese has no spaces between words, so the index holds overlapping character pairs (bigrams), the
way CJK search engines do: ``中华骨髓库`` is indexed as ``中华 华骨 骨髓 髓库 库`` (each run also ends with
its last character alone, so that a one-character search finds it). Latin letters and digits are
indexed as lower-case words. A search becomes a *phrase* of the same terms, so it matches exactly
where the text holds the query as a substring; the last term matches as a prefix (``骨`` finds
``骨髓``, ``20`` finds ``2024``). A Latin word or number in the query matches whole words, except the
last one, which matches from its start: ``024`` does not find ``2024``.

The terms are stored by :mod:`jixiao.store.repository` for the latest version of each declaration,
in an SQLite FTS5 table or a PostgreSQL ``tsvector`` column with a GIN index (migration 0002), and
both databases are handed the terms as they are, never through a tokenizer of their own, so that
they agree with each other and with this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# PostgreSQL keeps word positions up to 16383; past that, phrases cannot be told apart.
MAX_TERMS = 16000


# A run of Latin letters and digits, or of other letters and digits (Chinese): what is indexed.
_RUN = re.compile(r"[0-9a-z]+|[^\W_\x00-\x7f]+")


def _runs(text: str) -> list[tuple[bool, str]]:
    """``(is_cjk, run)`` for each run of letters or digits, in order; anything else separates runs."""
    return [(not run.isascii(), run) for run in _RUN.findall(unicodedata.normalize("NFKC", text).lower())]


def _run_terms(cjk: bool, run: str, closing: bool) -> list[str]:
    if not cjk:
        return [run]
    pairs = [run[i:i + 2] for i in range(len(run) - 1)]
    # The last character alone closes a run (in the index always; in a query only where more follows,
    # since a query's last term is a prefix and finds it anyway).
    return [*pairs, run[-1]] if closing or not pairs else pairs


def terms(texts: Iterable[str | None]) -> list[str]:
    """The terms a document made of ``texts`` is indexed under, in order (positions matter)."""
    out: list[str] = []
    for text in texts:
        for cjk, run in _runs(text or ""):
            out.extend(_run_terms(cjk, run, closing=True))
    return out[:MAX_TERMS]


def query_terms(query: str) -> list[str]:
    """The phrase a search for ``query`` looks for (its last term as a prefix); empty: nothing to find."""
    runs = _runs(query)
    out: list[str] = []
    for i, (cjk, run) in enumerate(runs):
        out.extend(_run_terms(cjk, run, closing=i < len(runs) - 1))
    return out


def sqlite_match(phrase: list[str]) -> str:
    """An FTS5 MATCH expression: the phrase ``"t1" + "t2" + "t3" *``."""
    return " + ".join(f'"{t}"' for t in phrase) + " *"


def postgres_tsquery(phrase: list[str]) -> str:
    """A ``tsquery`` literal: ``'t1' <-> 't2' <-> 't3':*``."""
    return " <-> ".join(f"'{t}'" for t in phrase) + ":*"


def postgres_tsvector(document: list[str]) -> str:
    """A ``tsvector`` literal with each term at its position: ``'t1':1 't2':2 …``."""
    positions: dict[str, list[int]] = {}
    for position, term in enumerate(document, 1):
        positions.setdefault(term, []).append(position)
    return " ".join(f"'{t}':{','.join(map(str, p[:256]))}" for t, p in positions.items())
