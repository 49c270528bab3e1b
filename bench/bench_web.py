"""Benchmark: import N generated declarations, then load-test the web pages, on SQLite and PostgreSQL.

For each database: a fresh database, ``jixiao db upgrade``, ``jixiao import`` of the corpus
(``webcorpus.py``: 1,000 declarations of ~15 indicators per file) timed as a subprocess, then
``jixiao serve`` on a free port and, per endpoint, a short warm-up and a ``wrk`` run whose Lua
script prints p50/p95/p99, requests/s and the non-2xx count as JSON. The detail endpoint rotates
over 1,000 declarations so it is not one cached row.

Anchors, measured in the same run: ``/healthz`` of the same server for the latencies (the ratio
p95 ÷ anchor p95 says how many trivial requests one page costs) and, for the import, reading the
same files with the reader alone (import ÷ read says what storing adds to reading).

Aims (issue: 100,000 declarations): import ≤ 60 s; list and detail p95 ≤ 100 ms; dashboard p95
≤ 300 ms. They are printed as "aim met / not met" words beside the figures; nothing fails on time.

    python bench/bench_web.py [--count 100000] [--databases sqlite,postgresql] [--duration 10]
                              [--connections 16]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from webcorpus import Corpus

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BIN = Path(sys.executable).parent
JIXIAO = str(BIN / "jixiao") if (BIN / "jixiao").exists() else shutil.which("jixiao") or "jixiao"
POSTGRES_URL = os.environ.get("JIXIAO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/jixiao_bench")
AIM_COUNT = 100_000
AIM_IMPORT_S = 60.0
AIM_PAGE_MS = 100.0
AIM_DASHBOARD_MS = 300.0
DETAIL_IDS = 1_000
SEARCH_SHORT = "骨髓"
SEARCH_LONG = "档案数字化"
MARK = "JIXIAO_WRK "

LUA = r"""
-- Rotates over `paths`, counts non-2xx responses per thread and prints one JSON line at the end.
local paths = { %(paths)s }
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = (id or 0) * 7919
  non2xx = 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests": %%d, "seconds": %%.3f, "rps": %%.2f, "p50_ms": %%.3f, "p95_ms": %%.3f, ' ..
    '"p99_ms": %%.3f, "max_ms": %%.3f, "non2xx": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"timeout": %%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, bad, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass
class Endpoint:
    label: str
    paths: list[str]
    kind: str  # anchor, list, detail, dashboard
    api_count: str | None = None  # the /api/v1/declarations query that counts what it shows
    matches: int | None = None
    serial_ms: float | None = None
    results: dict[int, dict[str, float]] = field(default_factory=dict)  # by number of connections
    note: str = ""


@dataclass
class Outcome:
    database: str
    import_s: float = 0.0
    size_mb: float | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    skipped: str | None = None
    workers: str = ""
    settings: str = ""
    load: str = ""


# -- processes ----------------------------------------------------------------------------------

class Server:
    """``jixiao serve`` in its own process group, stopped with the group (also on Ctrl-C)."""

    def __init__(self, url: str, log: Path, workers: int):
        self.url, self.log_path, self.wanted = url, log, workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = "1 process (`jixiao serve` has no --workers)"

    def start(self) -> None:
        args = [JIXIAO, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--database-url", self.url]
        if "--workers" in _run([JIXIAO, "serve", "--help"]).stdout:
            args += ["--workers", str(self.wanted)]
            self.workers = f"--workers {self.wanted}"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jixiao serve exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if _get(self.base + "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("jixiao serve did not answer /healthz within 120 s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self.log.close()
        self.proc = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


def _get(url: str, timeout: float = 60) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# -- databases ----------------------------------------------------------------------------------

def _postgres(url: str) -> tuple[str | None, str | None]:
    """Drop and create the bench database; ``(url, None)``, or ``(None, why it was skipped)``."""
    try:
        import psycopg
        from sqlalchemy.engine import make_url
    except ImportError as err:
        return None, f"psycopg is not installed ({err})"
    parsed = make_url(url)
    name = parsed.database or "jixiao_bench"
    reason = "no maintenance database reachable"
    for admin_db in ("postgres", "template1", "test"):
        admin = parsed.set(drivername="postgresql", database=admin_db).render_as_string(hide_password=False)
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            bench = parsed.set(drivername="postgresql", database=name)
            return bench.render_as_string(hide_password=False), None
        except psycopg.Error as err:
            reason = " ".join(str(err).split())[:200]
    return None, f"PostgreSQL at {parsed.render_as_string(hide_password=True)} is unreachable: {reason}"


def _drop_postgres(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    for admin_db in ("postgres", "template1", "test"):
        admin = parsed.set(database=admin_db).render_as_string(hide_password=False)
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            return
        except psycopg.Error:
            continue


def _settings(url: str) -> str:
    """The server settings that change the figures (autovacuum off: no statistics after the import)."""
    import psycopg

    with psycopg.connect(url, connect_timeout=3) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
    return f" (PostgreSQL {version}, autovacuum {autovacuum})"


def _load() -> str:
    """The machine's load average (1, 5, 15 min): other work on it slows every figure."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def _revision() -> str:
    """The git revision of the code measured (``-dirty`` when files are changed)."""
    out = _run(["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"])
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def _database_facts(url: str, count: int) -> tuple[list[int], float | None]:
    """Ids to rotate the detail page over, and the database's size in MB."""
    from sqlalchemy import text

    from jixiao.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ids = list(conn.scalars(text("SELECT id FROM declaration ORDER BY id")))
            if engine.dialect.name == "postgresql":
                size = conn.scalar(text("SELECT pg_database_size(current_database())")) / 2**20
            else:
                size = Path(engine.url.database or "").stat().st_size / 2**20
    finally:
        engine.dispose()
    rng = random.Random(count)
    return rng.sample(ids, min(DETAIL_IDS, len(ids))), size


# -- measuring ----------------------------------------------------------------------------------

def _read_anchor(files: list[Path]) -> float:
    """Seconds the reader alone takes per declaration, from the best of 3 reads of the first file."""
    import jixiao

    best, count = float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        count = sum(1 for item in jixiao.iter_read(files[0]) if not isinstance(item, jixiao.ReadError))
        best = min(best, time.perf_counter() - start)
    return best / count if count else 0.0


def _endpoints(department: str, ids: list[int]) -> list[Endpoint]:
    def q(path: str, **params: object) -> str:
        return path + ("?" + urlencode(params, quote_via=quote) if params else "")

    return [
        Endpoint("anchor /healthz", ["/healthz"], "anchor"),
        Endpoint("list /", ["/"], "list", q("/api/v1/declarations")),
        Endpoint("list filtered (year, 主管部门)", [q("/", year=2024, department=department)], "list",
                 q("/api/v1/declarations", year=2024, department=department)),
        Endpoint(f"list searched q={SEARCH_SHORT}", [q("/", q=SEARCH_SHORT)], "list",
                 q("/api/v1/declarations", q=SEARCH_SHORT)),
        Endpoint(f"list searched q={SEARCH_LONG}", [q("/", q=SEARCH_LONG)], "list",
                 q("/api/v1/declarations", q=SEARCH_LONG)),
        Endpoint(f"detail /declarations/<id> ×{len(ids)}", [f"/declarations/{i}" for i in ids], "detail"),
        Endpoint("dashboard", ["/dashboard"], "dashboard", q("/api/v1/declarations")),
        Endpoint("dashboard year=2024", [q("/dashboard", year=2024)], "dashboard",
                 q("/api/v1/declarations", year=2024)),
        Endpoint(f"API list q={SEARCH_SHORT}", [q("/api/v1/declarations", q=SEARCH_SHORT)], "list",
                 q("/api/v1/declarations", q=SEARCH_SHORT)),
    ]


def _serial(base: str, paths: list[str], timeout: float) -> tuple[float, bool]:
    """Median ms of 5 requests one at a time after one to warm up (1 request if that takes > 5 s),
    and whether a request ran out of ``timeout`` (then the ms are the timeout)."""
    times = []
    for i in range(6):
        path = paths[i % len(paths)]
        start = time.perf_counter()
        try:
            status, _ = _get(base + path, timeout=timeout)
        except (TimeoutError, urllib.error.URLError):
            return timeout * 1e3, True
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        times.append(elapsed * 1e3)
        if elapsed > 5:
            break
    return statistics.median(times[1:] or times), False


def _wrk(base: str, script: Path, seconds: int, connections: int,
         args: argparse.Namespace) -> dict[str, float]:
    out = _run(["wrk", f"-t{min(args.threads, connections)}", f"-c{connections}", f"-d{seconds}s",
                f"--timeout={args.timeout}s", "-s", str(script), base + "/"]).stdout
    for line in out.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise RuntimeError(f"wrk printed no result:\n{out}")


def _drain(base: str, baseline_ms: float) -> None:
    """Wait until the server answers /healthz quickly again (requests wrk gave up on still run)."""
    limit, fast = max(50.0, 5 * baseline_ms), 0
    deadline = time.monotonic() + 900
    while fast < 3 and time.monotonic() < deadline:
        start = time.perf_counter()
        with contextlib.suppress(OSError):
            _get(base + "/healthz", timeout=60)
        fast = fast + 1 if (time.perf_counter() - start) * 1e3 < limit else 0
        time.sleep(0.1)


def measure(server: Server, endpoints: list[Endpoint], tmp: Path, args: argparse.Namespace) -> None:
    baseline, _ = _serial(server.base, ["/healthz"], 10)
    for ep in endpoints:
        if ep.api_count:
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                ep.matches = json.loads(_get(server.base + ep.api_count, timeout=600)[1])["count"]
        ep.serial_ms, timed_out = _serial(server.base, ep.paths, args.serial_timeout)
        print(f"  {ep.label}: {ep.serial_ms:,.1f} ms alone", end="", flush=True)
        if timed_out:
            _drain(server.base, baseline)
            ep.note = f"not load-tested: no answer within {args.serial_timeout:g} s (--serial-timeout)"
        elif ep.serial_ms > args.max_serial * 1e3:
            ep.note = (f"not load-tested: {ep.serial_ms / 1e3:,.1f} s per request alone (> --max-serial "
                       f"{args.max_serial:g} s); figures are that one request")
        if ep.note:
            alone = {"p50_ms": ep.serial_ms, "p95_ms": ep.serial_ms, "p99_ms": ep.serial_ms,
                     "rps": 1e3 / ep.serial_ms, "non2xx": 0, "timeout": 0}
            ep.results = {c: alone for c in args.connections}
            print(" — too slow to load-test")
            continue
        script = tmp / "wrk.lua"
        script.write_text(LUA % {"paths": ", ".join(json.dumps(p) for p in ep.paths), "mark": MARK},
                          encoding="utf-8")
        if args.warmup > 0:
            _wrk(server.base, script, args.warmup, max(args.connections), args)
            _drain(server.base, baseline)
        for connections in args.connections:
            ep.results[connections] = _wrk(server.base, script, args.duration, connections, args)
            _drain(server.base, baseline)
            print(f", p95 {ep.results[connections]['p95_ms']:,.1f} ms with {connections} connections",
                  end="", flush=True)
        print()


# -- one database -------------------------------------------------------------------------------

def run_database(database: str, corpus: Corpus, tmp: Path, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(database)
    if database == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        Path(tmp / "bench.sqlite3").unlink(missing_ok=True)
    else:
        url, reason = _postgres(args.postgres_url)
        if url is None:
            outcome.skipped = reason
            return outcome
    outcome.settings = _settings(url) if database == "postgresql" else ""
    print(f"\n[{database}] {_display(url)}{outcome.settings}")
    step = _run([JIXIAO, "db", "upgrade", "--database-url", url])
    if step.returncode:
        raise RuntimeError(f"jixiao db upgrade failed:\n{step.stderr}")
    # Published, so that the public (the load below sends no login) sees them all; where import has no
    # --status (before issue 5) everything was public anyway.
    published = ["--status", "published"] if "--status" in _run([JIXIAO, "import", "--help"]).stdout else []
    start = time.perf_counter()
    step = _run([JIXIAO, "import", *published, "--database-url", url, *map(str, corpus.files)])
    outcome.import_s = time.perf_counter() - start
    if step.returncode or not re.search(r"失败 0\b", step.stdout):
        raise RuntimeError(f"jixiao import failed ({step.returncode}):\n{step.stdout}\n{step.stderr[-2000:]}")
    print(f"  import: {outcome.import_s:,.1f} s ({step.stdout.strip()})")
    ids, outcome.size_mb = _database_facts(url, corpus.declarations)
    server = Server(url, tmp / f"serve-{database}.log", args.workers)
    try:
        server.start()
        outcome.workers = server.workers
        outcome.endpoints = _endpoints(corpus.departments[0], ids)
        measure(server, outcome.endpoints, tmp, args)
        outcome.load = _load()
    finally:
        server.stop()
        if database == "postgresql" and not args.keep:
            _drop_postgres(url)
    return outcome


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# -- report -------------------------------------------------------------------------------------

def _met(ok: bool) -> str:
    return "aim met" if ok else "aim NOT met"


def report(outcome: Outcome, corpus: Corpus, read_per_decl: float, args: argparse.Namespace) -> None:
    print(f"\n== {outcome.database}{outcome.settings} ==")
    if outcome.skipped:
        print(f"skipped: {outcome.skipped}")
        return
    n, inds = corpus.declarations, corpus.indicators
    read_s = read_per_decl * n
    rate = n / outcome.import_s
    print(f"import: {n:,} declarations, {inds:,} indicators in {outcome.import_s:,.1f} s: "
          f"{rate:,.0f} declarations/s, {inds / outcome.import_s:,.0f} indicators/s; "
          f"database {outcome.size_mb:,.0f} MB")
    print(f"  anchor: the reader alone, {read_s:,.1f} s for the same files → import ÷ read = "
          f"{outcome.import_s / read_s:,.1f}x")
    projected = AIM_COUNT / rate
    print(f"  aim: {AIM_COUNT:,} in ≤ {AIM_IMPORT_S:g} s (≥ {AIM_COUNT / AIM_IMPORT_S:,.0f}/s): "
          f"{_met(projected <= AIM_IMPORT_S)} ({AIM_COUNT:,} at this rate: {projected:,.0f} s)")
    print(f"load average after the load tests: {outcome.load}")
    for connections in args.connections:
        _table(outcome, connections, args)
    if n != AIM_COUNT:
        print(f"(the aims are for {AIM_COUNT:,} declarations; this run has {n:,})")


def _table(outcome: Outcome, connections: int, args: argparse.Namespace) -> None:
    anchor = outcome.endpoints[0].results[connections].get("p95_ms") or float("nan")
    print(f"\nserver: {outcome.workers}; wrk {args.duration:g} s per endpoint, {connections} connections, "
          f"{min(args.threads, connections)} threads, after {args.warmup:g} s of warm-up")
    head = (f"{'endpoint':<34} {'matches':>8} {'alone':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'req/s':>8} {'non-2xx':>7} {'t/o':>4} {'p95÷anchor':>10}  aim (p95)")
    print(head)
    print("-" * len(head))
    notes = []
    for ep in outcome.endpoints:
        r = ep.results[connections]
        aim = {"list": AIM_PAGE_MS, "detail": AIM_PAGE_MS, "dashboard": AIM_DASHBOARD_MS}.get(ep.kind)
        verdict = "anchor" if aim is None else f"≤ {aim:g} ms: {_met(r['p95_ms'] <= aim)}"
        if ep.note:
            verdict += " *"
            notes.append(f"* {ep.label}: {ep.note}")
        matches = f"{ep.matches:,}" if ep.matches is not None else ""
        print(f"{_fit(ep.label, 34)} {matches:>8} {ep.serial_ms:>8,.1f} {r['p50_ms']:>8,.1f} "
              f"{r['p95_ms']:>8,.1f} {r['p99_ms']:>8,.1f} {r['rps']:>8,.1f} {int(r['non2xx']):>7} "
              f"{int(r.get('timeout', 0)):>4} {r['p95_ms'] / anchor:>9,.1f}x  {verdict}")
    for note in notes:
        print(note)


def _fit(text: str, width: int) -> str:
    """Pad to ``width`` display columns (CJK characters take two)."""
    import unicodedata

    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - cols)


# -- main ---------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=AIM_COUNT, help="declarations to generate and import")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint")
    parser.add_argument("--connections", type=lambda v: [int(c) for c in v.split(",")], default=[4, 16],
                        help="wrk connections, one load test per number (default 4,16: two and eight "
                             "requests in flight per server process)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2,
                        help="`jixiao serve --workers` (ignored when serve has no such option)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk warm-up per endpoint")
    parser.add_argument("--timeout", type=int, default=10, help="wrk's per-request timeout, s")
    parser.add_argument("--max-serial", type=float, default=2.0,
                        help="an endpoint slower than this (s) alone is timed alone, not load-tested")
    parser.add_argument("--serial-timeout", type=float, default=600,
                        help="how long to wait for one request alone, s")
    parser.add_argument("--postgres-url", default=POSTGRES_URL,
                        help="the bench database, dropped and created (env JIXIAO_BENCH_POSTGRES_URL)")
    parser.add_argument("--keep", action="store_true", help="keep the files, the databases and the logs")
    args = parser.parse_args()
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if unknown := set(databases) - {"sqlite", "postgresql"}:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None:
        sys.exit("bench_web: wrk is not installed (`make bench` installs it)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up as on Ctrl-C
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C even when started in the background

    from webcorpus import write_corpus

    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-web-"))
    try:
        corpus = write_corpus(tmp / "corpus", args.count)
        print(f"jixiao web benchmark: {corpus.declarations:,} declarations, {corpus.indicators:,} indicators "
              f"in {len(corpus.files)} files, written in {corpus.seconds:.1f} s; filtered list: "
              f"{corpus.departments[0]}, 2024; code at {_revision()}; load average {_load()}")
        read_per_decl = _read_anchor(corpus.files)
        outcomes = []
        for database in databases:
            try:
                outcomes.append(run_database(database, corpus, tmp, args))
            except RuntimeError as err:  # say why and go on with the next database
                print(f"bench_web: {database}: {err}", file=sys.stderr)
                outcomes.append(Outcome(database, skipped=f"failed: {str(err).splitlines()[0]}"))
        for outcome in outcomes:
            report(outcome, corpus, read_per_decl, args)
    except KeyboardInterrupt:
        print("\nbench_web: interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        if args.keep:
            print(f"\nkept: {tmp} (and the PostgreSQL database {_display(args.postgres_url)})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
