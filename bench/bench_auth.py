"""Benchmark: what authentication and access control cost per request (issue 5).

The same pages are requested from two servers on the same store, in the same process:

- **checked**: the app as it runs, the caller a logged-in 财政审核人 (session cookie), or an API token;
- **unchecked**: the same app with the checks replaced (FastAPI's ``dependency_overrides``) by a
  function that hands the routes the very same user without looking anything up or checking it.

Both servers see the same user, so the pages do the same work (the same visibility condition): the
difference is finding the session (one indexed read with the user, roles and organisation), the
route's permission, the CSRF rule and the object checks. Requests alternate between the two servers
one at a time over keep-alive connections; the median of each is reported and their ratio.
Aim: checked ÷ unchecked ≤ 1.2.

    python bench/bench_auth.py [--count 20000] [--requests 300]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from fastapi import Request  # at module level: the override's annotation is resolved from here

HERE = Path(__file__).resolve().parent
AIM = 1.2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app: object) -> tuple[int, object]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    return port, server


def _store(workdir: Path, count: int) -> str:
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = {**os.environ, "JIXIAO_DATABASE_URL": url}
    corpus = workdir / "corpus"
    subprocess.run([sys.executable, str(HERE / "webcorpus.py"), str(corpus), "--count", str(count)],
                   check=True, stdout=subprocess.DEVNULL)
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    subprocess.run([jixiao, "db", "upgrade"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([jixiao, "import", *sorted(map(str, corpus.glob("*.txt")))], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    from sqlalchemy import select

    from jixiao.accounts import create_token, create_user, generate_password, load_policy, start_session
    from jixiao.store import db
    from jixiao.store.models import Declaration
    from jixiao.web import create_app
    from jixiao.web.auth import SESSION_COOKIE, Principal, _Needs, identify

    with tempfile.TemporaryDirectory(prefix="jixiao-bench-auth-") as tmp:
        started = time.perf_counter()
        url = _store(Path(tmp), args.count)
        print(f"{args.count:,} declarations imported in {time.perf_counter() - started:.1f} s")
        factory = db.session_factory(db.make_engine(url))
        with factory() as session, session.begin():
            policy = load_policy(session)
            user = create_user(session, "bench-finance", generate_password(policy, "bench-finance"),
                               ["finance_reviewer"])
            cookie = start_session(session, user).token
            bearer = create_token(session, user, "bench", ["read"]).token
            ids = list(session.scalars(select(Declaration.id).order_by(Declaration.id).limit(50)))

        checked = create_app(url)
        unchecked = create_app(url)
        with factory() as session, session.begin():
            from jixiao.accounts import resolve_session

            actor = resolve_session(session, cookie)

        def same_user_unchecked(request: Request) -> None:
            request.state.principal = Principal(actor, "session", csrf_token="-")

        unchecked.dependency_overrides[identify] = same_user_unchecked
        for route in unchecked.routes:
            for dependency in getattr(route, "dependencies", []):
                if isinstance(dependency.dependency, _Needs):
                    unchecked.dependency_overrides[dependency.dependency] = lambda: None

        (port_a, server_a), (port_b, server_b) = _serve(checked), _serve(unchecked)
        endpoints = [("/healthz", "anchor"), ("/", "list"), ("/?q=%E9%AA%A8%E9%AB%93", "search 骨髓"),
                     ("/declarations/{id}", "detail"), ("/api/v1/declarations", "API list"),
                     ("/api/v1/declarations/{id}", "API detail"), ("/dashboard", "dashboard")]
        print(f"\n{args.requests} requests each, one at a time, alternating; median ms; caller: 财政审核人")
        print(f"{'endpoint':24} {'via':8} {'checked':>9} {'unchecked':>10} {'ratio':>7}  aim ≤ {AIM}")
        worst = 0.0
        for path, label in endpoints:
            for via in ("cookie", "token") if label.startswith("API") else ("cookie",):
                headers = ({"Cookie": f"{SESSION_COOKIE}={cookie}"} if via == "cookie"
                           else {"Authorization": f"Bearer {bearer}"})
                a = http.client.HTTPConnection("127.0.0.1", port_a)
                b = http.client.HTTPConnection("127.0.0.1", port_b)
                times: dict[str, list[float]] = {"a": [], "b": []}
                for i in range(args.requests + 10):
                    target = path.replace("{id}", str(ids[i % len(ids)]))
                    for key, connection, sent in (("a", a, headers), ("b", b, {})):
                        start = time.perf_counter()
                        connection.request("GET", target, headers=sent)
                        response = connection.getresponse()
                        response.read()
                        if response.status != 200:
                            raise SystemExit(f"{key} {target}: HTTP {response.status}")
                        if i >= 10:  # the first ones warm up
                            times[key].append(time.perf_counter() - start)
                a.close()
                b.close()
                ma, mb = statistics.median(times["a"]) * 1000, statistics.median(times["b"]) * 1000
                ratio = ma / mb
                if label != "anchor":
                    worst = max(worst, ratio)
                print(f"{label:24} {via:8} {ma:9.2f} {mb:10.2f} {ratio:7.2f}")
        print(f"\nworst ratio {worst:.2f}: aim {'met' if worst <= AIM else 'NOT met'} (≤ {AIM})")
        server_a.should_exit = server_b.should_exit = True  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
