"""A corpus of many declarations made from the seeds, for benchmarks.

Each copy of a seed form gets its own project name and amounts, so nothing can be cached
across copies by name; the layouts, messiness and indicator rows stay as in the real forms.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent.parent / "src" / "jixiao" / "samples"
SEED_2024 = SAMPLES / "shanghai-redcross-2024-targets.txt"
SEED_2020 = SAMPLES / "shanghai-redcross-affairs-center-2020-targets.txt"

_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d\d)?")


def _forms(path: Path, title: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    parts = text.split(title)
    return [title + p for p in parts[1:]]


def _vary(form: str, copy: int) -> str:
    form = form.replace("项目名称\t", f"项目名称\t第{copy}批", 1)
    form = form.replace("项目名称：", f"项目名称：第{copy}批", 1)
    return _AMOUNT.sub(lambda m: f"{int(m.group(0).split('.')[0].replace(',', '')) + copy:,}.00", form)


def forms(count: int) -> Iterator[str]:
    """``count`` forms: the 19 seed forms in turn, each copy varied."""
    seeds = _forms(SEED_2024, "财政项目支出绩效目标申报表") + _forms(SEED_2020, " 财政项目支出绩效目标表")
    for i in range(count):
        form = seeds[i % len(seeds)]
        if not form.endswith("\n"):
            form += "\n"
        yield _vary(form, i // len(seeds))


def write_corpus(path: Path, count: int) -> Path:
    """Write ``count`` forms to ``path``, the 2024 and the 2020 layouts mixed in one file."""
    with path.open("w", encoding="utf-8") as out:
        for form in forms(count):
            out.write(form)
    return path


def declaration_batches(count: int, *, seed: int, pool: Callable[[list[Any], random.Random], list[Any]],
                        per_declaration: int = 15, batch: int = 1_000, executed: bool = False
                        ) -> Iterator[list[Any]]:
    """Batches of ``count`` declarations (models, not text) made from the seed forms' real parts: each a
    seed declaration renamed, with ``per_declaration`` indicators drawn from ``pool(seeds, rng)`` and
    random funds (and an executed amount, 70–105 % of them, when ``executed``). Seeded: the same
    batches every run (bench_review, bench_evaluate)."""
    import jixiao

    seeds = jixiao.read(SEED_2024) + jixiao.read(SEED_2020)
    rng = random.Random(seed)
    indicators_pool = pool(seeds, rng)
    made = 0
    while made < count:
        out = []
        for _ in range(min(batch, count - made)):
            base = seeds[made % len(seeds)]
            indicators = rng.sample(indicators_pool, per_declaration)
            total = Decimal(rng.randrange(50_000, 5_000_000)).quantize(Decimal("0.01"))
            funds = {"total": total, "current_year": total}
            if executed:
                funds["executed"] = (total * Decimal(rng.randrange(70, 106)) / 100).quantize(Decimal("0.01"))
            out.append(base.model_copy(update={"name": f"{base.name}{made}", "indicators": indicators,
                                               "funds": base.funds.model_copy(update=funds)}))
            made += 1
        yield out
