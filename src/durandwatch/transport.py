"""An httpx transport whose every network step obeys the deadline of the request.

httpx's timeouts are per step: a server that sends its status line and headers one byte
per second never lets a read wait long enough to time out, so it holds a request for as
long as it likes. Here every step (resolving the host name, connecting, the TLS
handshake, each write and each read, headers included) waits at most until the deadline
that :meth:`DeadlineBackend.deadline` set for the calling thread, and fails at once when
it has passed (or when the service is shutting down). The deadline belongs to the
thread, not the connection, so a connection kept alive and reused by another request
obeys that request's deadline.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's blocking sockets, with every timeout cut to the thread's deadline."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        cancel: threading.Event | None = None,
    ) -> None:
        self._clock = clock
        self._cancel = cancel or threading.Event()
        self._inner = httpcore.SyncBackend()
        self._local = threading.local()

    @contextmanager
    def deadline(self, at: float) -> Iterator[None]:
        """Make every network step of this thread end by ``at`` (on ``clock``)."""
        previous = getattr(self._local, "at", None)
        self._local.at = at
        try:
            yield
        finally:
            self._local.at = previous

    def remaining(self, timeout: float | None, error: type[Exception]) -> float | None:
        """``timeout`` cut to what is left before the deadline; ``error`` once it passed."""
        at: float | None = getattr(self._local, "at", None)
        if at is None:
            return timeout
        if self._cancel.is_set():
            raise error("cancelled: the service is shutting down")
        left = at - self._clock()
        if left <= 0:
            raise error("the request deadline has passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port, self.remaining(timeout, httpcore.ConnectTimeout))
        last: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=self.remaining(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:  # try the host's next address
                last = exc
                continue
            return _DeadlineStream(stream, self)
        raise last or httpcore.ConnectError(f"no address found for {host!r}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:  # pragma: no cover - feeds are fetched over TCP
        stream = self._inner.connect_unix_socket(
            path, self.remaining(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream, self)

    def sleep(self, seconds: float) -> None:  # pragma: no cover - no retries are configured
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = self._backend.remaining(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, wait), self._backend
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def install(client: httpx.Client, backend: DeadlineBackend) -> bool:
    """Make ``client`` open its connections through ``backend``; False when it cannot.

    httpx has no public way to choose the network backend of the connection pools it
    builds, so the pools of the client's transports (the default one and those for the
    proxies named in the environment) are pointed at ``backend``. Everything else about
    the client stays as httpx made it. tests/test_fetch.py checks that a server trickling
    its headers is cut at the deadline, so a change inside httpx shows there; in
    production a client that cannot be changed keeps working, with per-step timeouts
    and the deadline checked between the chunks of the body only.
    """
    transports = [getattr(client, "_transport", None)]
    transports += list(getattr(client, "_mounts", {}).values())
    pools = [getattr(t, "_pool", None) for t in transports if isinstance(t, httpx.HTTPTransport)]
    usable = [p for p in pools if isinstance(p, httpcore.ConnectionPool)]
    if not usable or not all(hasattr(p, "_network_backend") for p in usable):
        return False
    for pool in usable:
        pool._network_backend = backend
    return True


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses of ``host``, looked up in a helper thread so the wait is bounded.

    ``getaddrinfo`` takes no timeout; a resolver that does not answer leaves the helper
    thread behind (it ends when the resolver gives up) but not the request.
    """
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        pass
    else:
        return [host]  # already an address
    answer: list[list[str]] = []
    failure: list[OSError] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            answer.append(list(dict.fromkeys(str(info[4][0]) for info in infos)))
        except OSError as exc:
            failure.append(exc)
        except UnicodeError as exc:  # a host name IDNA cannot encode
            failure.append(OSError(str(exc)))

    helper = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    helper.start()
    helper.join(timeout)
    if helper.is_alive():
        raise httpcore.ConnectTimeout(f"looking up {host!r} took longer than the deadline")
    if failure:
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {failure[0]}")
    return answer[0] if answer and answer[0] else []
