"""Benchmark: score 100,000 generated declarations with actuals (self-evaluation, issue 6) on one core.

Declarations are generated from the seeds' real indicators (both forms), 15 indicators each, every one
with an actual: quantitative ones at 100 %, 92 %, 130 % or 75 % of the target, or 105 % written in
万 (``0.3150万人``) or as a per-month rate against a per-week target; qualitative ones 达成, 部分达成
with or without a share, or the target's own text; one in twenty not applicable; most deviations
explained. Funds executed 70–105 %. Only :func:`jixiao.evaluation.evaluate` calls are timed, including each
indicator's formula text (``formula`` is rendered lazily, so it is read to count it). The anchor, timed
on the same batches in the same process, is serialising each declaration to JSON
(``model_dump_json``): the ratio says how many JSON dumps one self-evaluation costs.

Aim (issue #6): >= 10,000 declarations/s.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = 100_000
BATCH = 1_000
PER_DECLARATION = 15


def _variants(ind, rng: random.Random) -> list:
    """The indicator with a few different actuals (and explanations where a deviation needs one)."""
    from jixiao.targets import parse_actual

    t = ind.target
    why = {"deviation_reason": "受疫情影响部分活动延期", "measures": "下一年度提前安排计划"}
    if t.value is None:
        raws = ["达成", "部分达成", "部分达成（65%）", t.text or "达成", "达成"]
    else:
        unit = t.unit or ""
        raws = [f"{t.value * Decimal(r):.2f}{unit}" for r in ("1", "0.92", "1.3", "0.75")]
        if unit in ("人", "次", "份", "人次", "元"):
            raws.append(f"{t.value * Decimal('1.05') / 10000:.4f}万{unit}")
        if unit.endswith("/周"):
            raws.append(f"{t.value * Decimal('4.4'):.2f}{unit[:-2]}/月")
    out = []
    for raw in raws:
        fields = {"actual_raw": raw, "actual": parse_actual(raw)}
        if rng.random() < 0.9:
            fields.update(why)
        if rng.random() < 0.05:
            fields["applicable"] = False
        out.append(ind.model_copy(update=fields))
    return out


def generate(count: int, seed: int = 11) -> Iterator[list]:
    """Batches of generated declarations with actuals, built from the seed forms' real parts."""
    from corpus import declaration_batches

    return declaration_batches(count, seed=seed, per_declaration=PER_DECLARATION, batch=BATCH, executed=True,
                               pool=lambda seeds, rng: [v for d in seeds for ind in d.indicators
                                                        for v in _variants(ind, rng)])


def child(count: int) -> None:
    sys.path.insert(0, str(HERE))
    from jixiao.evaluation import Evaluator

    evaluator = Evaluator()
    evaluate_s = anchor_s = 0.0
    declarations = scored = flags = 0
    for batch in generate(count):
        start = time.perf_counter()
        for d in batch:
            ev = evaluator.evaluate(d)
            scored += ev.score is not None
            for row in ev.indicators:
                flags += len(row.flags)
                row.formula  # noqa: B018 - rendered lazily: read it so that it is counted
        evaluate_s += time.perf_counter() - start
        start = time.perf_counter()
        for d in batch:
            d.model_dump_json()
        anchor_s += time.perf_counter() - start
        declarations += len(batch)
    print(json.dumps({"declarations": declarations, "scored": scored, "flags": flags,
                      "evaluate_s": evaluate_s, "anchor_s": anchor_s}))


def main() -> None:
    print(f"jixiao evaluate benchmark: generated declarations with actuals, {PER_DECLARATION} indicators "
          "each, one core")
    out = subprocess.run([sys.executable, __file__, "--child", str(SIZE)], check=True, capture_output=True,
                         text=True).stdout
    r = json.loads(out)
    rate = r["declarations"] / r["evaluate_s"]
    print(f"{'declarations':>12} {'with total':>10} {'flags':>9} {'evaluate s':>10} {'decl/s':>8} "
          f"{'anchor s':>9} {'evaluate/anchor':>15}")
    print(f"{r['declarations']:>12,} {r['scored']:>10,} {r['flags']:>9,} {r['evaluate_s']:>10.2f} "
          f"{rate:>8,.0f} {r['anchor_s']:>9.2f} {r['evaluate_s'] / r['anchor_s']:>14.2f}x")
    print(f"aim: >= 10,000 declarations/s: {'met' if rate >= 10_000 else 'NOT met'}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
