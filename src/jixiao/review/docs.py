"""Write docs/rules/ from the registry: ``python -m jixiao.review.docs [DIR]``."""

from __future__ import annotations

import sys
from pathlib import Path

from jixiao.review import RULES
from jixiao.review.render import rule_page, rules_index


def pages() -> dict[str, str]:
    """File name → content of every generated page."""
    out = {"index.md": rules_index()}
    out.update({f"{code}.md": rule_page(rule) for code, rule in RULES.items()})
    return out


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("JX*.md"):
        old.unlink()
    for name, text in pages().items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
