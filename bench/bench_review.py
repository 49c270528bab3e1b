"""Benchmark: review >= 100,000 generated declarations (~15 indicators each) on one core.

Declarations are generated from the seeds' real indicators, names and goals (so every rule
meets real text), 15 indicators each, in batches; only the review calls are timed. The anchor,
timed on the same batches in the same process, is serialising each declaration to JSON
(``model_dump_json``): the ratio says how many JSON dumps one review costs.

Aim (issue #3): >= 2,000 declarations/s; peak memory the same for 20,000 and 100,000.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (20_000, 100_000)
BATCH = 1_000
PER_DECLARATION = 15


def generate(count: int, seed: int = 7) -> Iterator[list]:
    """Batches of generated declarations, built from the seed forms' real parts."""
    from corpus import declaration_batches

    return declaration_batches(count, seed=seed, per_declaration=PER_DECLARATION, batch=BATCH,
                               pool=lambda seeds, _rng: [ind for d in seeds for ind in d.indicators])


def child(count: int) -> None:
    sys.path.insert(0, str(HERE))
    from jixiao.review import Reviewer

    reviewer = Reviewer()
    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    review_s = anchor_s = 0.0
    findings = declarations = 0
    for batch in generate(count):
        start = time.perf_counter()
        for d in batch:
            findings += len(reviewer.review(d).findings)
        review_s += time.perf_counter() - start
        start = time.perf_counter()
        for d in batch:
            d.model_dump_json()
        anchor_s += time.perf_counter() - start
        declarations += len(batch)
    print(json.dumps({"declarations": declarations, "findings": findings, "review_s": review_s,
                      "anchor_s": anchor_s, "rss_import_kb": rss_import,
                      "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def main() -> None:
    print(f"jixiao review benchmark: generated declarations, {PER_DECLARATION} indicators each, one core")
    print(f"{'declarations':>12} {'findings':>9} {'review s':>9} {'decl/s':>8} {'anchor s':>9} "
          f"{'review/anchor':>13} {'peak MB':>8}")
    for size in SIZES:
        out = subprocess.run([sys.executable, __file__, "--child", str(size)], check=True,
                             capture_output=True, text=True).stdout
        r = json.loads(out)
        print(f"{r['declarations']:>12,} {r['findings']:>9,} {r['review_s']:>9.2f} "
              f"{r['declarations'] / r['review_s']:>8,.0f} {r['anchor_s']:>9.2f} "
              f"{r['review_s'] / r['anchor_s']:>12.1f}x {r['rss_peak_kb'] / 1024:>8.1f}")
    print("aim: >= 2,000 declarations/s; peak memory the same at both sizes")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
