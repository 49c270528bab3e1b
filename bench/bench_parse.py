"""Benchmark: parse a corpus of >= 10,000 projects on one core; projects/s and peak memory.

Each size runs in a fresh child process so its peak memory is its own. The anchor, measured in
the same child on the same file, is the cheapest possible pass over the text (read every line
and split it into cells): the ratio says how many times that pass parsing costs, a figure that
does not depend on how fast this machine happens to be today.

Aim (issue #2): >= 5,000 projects/s; memory flat as the corpus grows (forms are streamed).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SIZES = (10_000, 40_000)


def child(path: str, count: int) -> None:
    import jixiao

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    best_anchor = best_parse = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line.split("\t")
        best_anchor = min(best_anchor, time.perf_counter() - start)
        start = time.perf_counter()
        projects = errors = indicators = 0
        for item in jixiao.iter_read(path):
            if isinstance(item, jixiao.ReadError):
                errors += 1
            else:
                projects += 1
                indicators += len(item.indicators)
        best_parse = min(best_parse, time.perf_counter() - start)
    assert projects == count and errors == 0, (projects, errors)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"projects": projects, "indicators": indicators, "parse_s": best_parse,
                      "anchor_s": best_anchor, "rss_import_kb": rss_before, "rss_peak_kb": rss_after}))


def main() -> None:
    from corpus import write_corpus

    print("jixiao parse benchmark: the 19 seed forms replicated and varied, both layouts, one core")
    print(f"{'projects':>9} {'indicators':>10} {'parse s':>8} {'projects/s':>11} {'anchor s':>9} "
          f"{'parse/anchor':>12} {'peak MB':>8} {'MB over import':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            path = write_corpus(Path(tmp) / f"corpus-{size}.txt", size)
            out = subprocess.run([sys.executable, __file__, "--child", str(path), str(size)],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            print(f"{r['projects']:>9,} {r['indicators']:>10,} {r['parse_s']:>8.2f} "
                  f"{r['projects'] / r['parse_s']:>11,.0f} {r['anchor_s']:>9.3f} "
                  f"{r['parse_s'] / r['anchor_s']:>11.1f}x {r['rss_peak_kb'] / 1024:>8.1f} "
                  f"{(r['rss_peak_kb'] - r['rss_import_kb']) / 1024:>14.1f}")
    print("aim: >= 5,000 projects/s; peak memory the same at every size (streamed)")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
