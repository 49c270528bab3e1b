"""jixiao.store.cache: a result is computed once per store generation, even when many ask at once."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from jixiao.store import cache


def _session(generation: int, url: str = "sqlite:///cache-test") -> SimpleNamespace:
    bind = SimpleNamespace(url=SimpleNamespace(render_as_string=lambda hide_password: url))
    return SimpleNamespace(get_bind=lambda: bind, info={"jixiao.generation": generation})


def test_a_result_is_kept_until_the_generation_changes():
    cache.clear()
    calls = []
    for generation, expected in [(1, 1), (1, 1), (2, 2), (2, 2)]:
        assert cache.cached(_session(generation), "k", lambda g=generation: calls.append(g) or g) == expected
    assert calls == [1, 2]


def test_many_requests_at_once_compute_it_once_and_all_get_it():
    cache.clear()
    release, calls, results = threading.Event(), [], []
    start = threading.Barrier(9)

    def compute() -> str:
        calls.append(1)
        release.wait()
        return "data"

    def request() -> None:
        start.wait()
        results.append(cache.cached(_session(7), "k", compute))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    start.wait()
    # Give the others every chance to start computing too (they would, at once, without the lock);
    # the outcome asserted below does not depend on how long this takes.
    for _ in range(500):
        if len(calls) > 1:
            break
        threading.Event().wait(0.001)
    release.set()
    for thread in threads:
        thread.join()
    assert calls == [1] and results == ["data"] * 8
