"""`make fuzz`: schemathesis against the REST API's own OpenAPI document, for a bounded time.

A fresh SQLite store in a temporary folder gets the sample documents (published) and two users with
API tokens: a 填报人 of 上海市红十字会 (read, write, import) and a 财政审核人 (read, review). The
server (``jixiao serve``) is started on a free port, and schemathesis generates requests from
``/api/v1/openapi.json`` three times: as the public, with each token. The one check that must hold
is that no response is a server error (5xx): anything the generated input gets wrong must be a 4xx
with the JSON error body.

    python fuzz/fuzz_api.py [--seconds 60]      # per caller; exit status 1 on any failure
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "src" / "jixiao" / "samples").glob("*.txt"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tokens(url: str) -> dict[str, str]:
    from jixiao.accounts import create_token, create_user, find_organisation, generate_password, load_policy
    from jixiao.store import db

    factory = db.session_factory(db.make_engine(url))
    with factory() as session, session.begin():
        policy = load_policy(session)
        unit = find_organisation(session, "unit", "上海市红十字会")
        filler = create_user(session, "fuzz-filler", generate_password(policy, "fuzz-filler"), ["filler"],
                             unit.id)
        finance = create_user(session, "fuzz-finance", generate_password(policy, "fuzz-finance"),
                              ["finance_reviewer"])
        return {"填报人": create_token(session, filler, "fuzz", ["read", "write", "import"]).token,
                "财政审核人": create_token(session, finance, "fuzz", ["read", "review"]).token}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="time budget per caller")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="jixiao-fuzz-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'fuzz.sqlite3'}"
        env = {**os.environ, "JIXIAO_DATABASE_URL": url}
        subprocess.run([bin_dir / "jixiao", "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([bin_dir / "jixiao", "import", "--status", "published", *SAMPLES], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        tokens = _tokens(url)
        port = _free_port()
        server = subprocess.Popen([bin_dir / "jixiao", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=open(Path(tmp) / "server.log", "w"))  # noqa: SIM115
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            failed = []
            for caller, token in [("公众", None), *tokens.items()]:
                print(f"\n== schemathesis as {caller}, {args.seconds} s ==", flush=True)
                command = [bin_dir / "schemathesis", "run", f"{base}/api/v1/openapi.json",
                           "--checks", "not_a_server_error", "--max-time", str(args.seconds),
                           "--request-timeout", "10"]
                if token:
                    command += ["-H", f"Authorization: Bearer {token}"]
                if subprocess.run(command).returncode != 0:
                    failed.append(caller)
        finally:
            server.terminate()
            server.wait(10)
        log = (Path(tmp) / "server.log").read_text(encoding="utf-8", errors="replace")
        if "Traceback" in log:
            print("\nThe server logged a traceback:\n" + log[-4000:])
            failed.append("server log")
    print("\nfuzz: " + ("no server errors" if not failed else "FAILED for " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
