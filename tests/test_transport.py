"""The deadline under every network step: name lookup, connect, reads, cancellation."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpcore
import httpx
import pytest

from durandwatch.config import FetchSettings
from durandwatch.errors import FetchError
from durandwatch.fetch import Fetcher
from durandwatch.transport import DeadlineBackend, install


def test_the_backend_is_installed_in_a_default_client() -> None:
    with httpx.Client() as client:
        assert install(client, DeadlineBackend())


def test_timeouts_are_cut_to_the_deadline_of_the_thread_only() -> None:
    now = [100.0]
    backend = DeadlineBackend(clock=lambda: now[0])
    assert backend.remaining(20.0, httpcore.ReadTimeout) == 20.0  # no deadline set
    seen: list[float | None] = []
    with backend.deadline(103.0):
        assert backend.remaining(20.0, httpcore.ReadTimeout) == pytest.approx(3.0)
        assert backend.remaining(1.0, httpcore.ReadTimeout) == 1.0
        other = threading.Thread(
            target=lambda: seen.append(backend.remaining(20.0, httpcore.ReadTimeout))
        )
        other.start()
        other.join()
        now[0] = 103.5
        with pytest.raises(httpcore.ReadTimeout, match="deadline"):
            backend.remaining(20.0, httpcore.ReadTimeout)
    assert seen == [20.0]  # another thread's requests keep their own limits
    assert backend.remaining(20.0, httpcore.ReadTimeout) == 20.0


def test_cancellation_ends_the_next_step() -> None:
    cancel = threading.Event()
    backend = DeadlineBackend(cancel=cancel)
    with backend.deadline(time.monotonic() + 60):
        cancel.set()
        with pytest.raises(httpcore.ReadTimeout, match="shutting down"):
            backend.remaining(20.0, httpcore.ReadTimeout)


def test_a_name_lookup_that_hangs_is_cut_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    # getaddrinfo takes no timeout; a resolver that never answers must not hold a fetch.
    release = threading.Event()

    def hanging(*args: Any, **kwargs: Any) -> list[Any]:
        release.wait(10)
        raise socket.gaierror("gave up")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    settings = FetchSettings(connect_timeout=5.0, read_timeout=5.0, deadline=1.5, per_host_delay=0)
    start = time.monotonic()
    try:
        with Fetcher(settings) as fetcher, pytest.raises(FetchError) as info:
            fetcher.fetch("http://feeds.example.org/rss")
    finally:
        release.set()
    elapsed = time.monotonic() - start
    assert elapsed < settings.deadline + 1.0
    assert "deadline" in str(info.value)
