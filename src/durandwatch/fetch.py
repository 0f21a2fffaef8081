"""HTTP fetching with hard limits. Returns bytes; never parses.

Every request obeys: connect and read timeouts, a deadline over the whole fetch (looking
up the host, connecting, the status line and headers, every redirect and the body: a
server that trickles its headers or its body one byte per second is cut off at the
deadline, see :mod:`~durandwatch.transport`), a size cap on the decoded body (streamed,
so a 50 MB answer or a gzip bomb never sits in memory), at most ``max_redirects``
redirects, only http and https at every hop, conditional GET (``ETag``/``Last-Modified``;
a 304 costs nothing), and a minimum delay between requests to the same host.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from .config import FetchSettings
from .errors import FetchError, InvalidFeedURLError
from .model import FetchResult
from .transport import DeadlineBackend, install

log = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
)


class HostGate:
    """Keeps at least ``delay`` seconds between requests to one host, across threads."""

    def __init__(
        self,
        delay: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        cancel: threading.Event | None = None,
    ) -> None:
        self.delay = delay
        self._clock = clock
        self._cancel = cancel or threading.Event()
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str) -> None:
        """Block until a request to ``host`` is polite, then reserve the slot."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, 0.0))
            self._next[host] = slot + self.delay
        pause = slot - now
        if pause > 0 and self._cancel.wait(pause):
            raise FetchError("cancelled: the service is shutting down")


class Fetcher:
    """Fetch feed documents over HTTP(S) within the limits of ``settings``.

    ``transport`` is the seam for tests that want httpx's mock transport; the project's
    own tests use a real local HTTP server instead.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        cancel: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._cancel = cancel or threading.Event()
        self._clock = clock
        self.gate = HostGate(settings.per_host_delay, clock=clock, cancel=self._cancel)
        self._network = DeadlineBackend(clock=clock, cancel=self._cancel)
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.connect_timeout,
            ),
            follow_redirects=False,  # followed by hand: count, scheme check, loop check
            headers={
                "User-Agent": settings.user_agent,
                "Accept": _ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
            transport=transport,
        )
        if transport is None and not install(self._client, self._network):
            log.warning(
                "this httpx does not let durandwatch bound the time of a whole request; "
                "a server that trickles its headers can hold a fetch past fetch.deadline"
            )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``; conditional when validators are given.

        Raises
        ------
        InvalidFeedURLError
            The URL (or a redirect target) is not absolute http(s).
        FetchError
            Any network, protocol, status, size or time problem; ``status`` and
            ``retry_after`` are set when the server gave them.
        """
        start = self._clock()
        deadline = start + self.settings.deadline
        with self._network.deadline(deadline):
            return self._fetch(url, etag, last_modified, start, deadline)

    def _fetch(
        self, url: str, etag: str | None, last_modified: str | None, start: float, deadline: float
    ) -> FetchResult:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited: list[str] = []
        current = url
        while True:
            _check_url(current)
            if current in visited:
                raise FetchError(f"redirect loop: {current} was already visited")
            if len(visited) > self.settings.max_redirects:
                raise FetchError(f"too many redirects (more than {self.settings.max_redirects})")
            visited.append(current)
            if self._clock() > deadline:
                raise FetchError(f"exceeded the {self.settings.deadline:g} s deadline")
            self.gate.wait(urlsplit(current).netloc.lower())
            result = self._request(current, headers, start, deadline)
            if isinstance(result, str):
                current = result
                continue
            return FetchResult(
                url=result.url,
                status=result.status,
                content=result.content,
                content_type=result.content_type,
                etag=result.etag,
                last_modified=result.last_modified,
                not_modified=result.not_modified,
                elapsed_s=self._clock() - start,
                redirects=tuple(visited[1:]),
            )

    def _request(
        self, url: str, headers: dict[str, str], start: float, deadline: float
    ) -> FetchResult | str:
        """One request: a ``FetchResult``, or the next URL when redirected."""
        phase = "before the server sent its status line and headers"
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                phase = "while reading the body"
                status = response.status_code
                if status in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(
                            f"HTTP {status} redirect without a Location", status=status
                        )
                    try:
                        return str(urljoin(url, location))
                    except ValueError as exc:
                        raise InvalidFeedURLError(
                            f"HTTP {status} redirect to an invalid URL {location!r}: {exc}"
                        ) from None
                if status == 304:
                    return FetchResult(
                        url=url,
                        status=304,
                        not_modified=True,
                        etag=response.headers.get("etag") or headers.get("If-None-Match"),
                        last_modified=response.headers.get("last-modified")
                        or headers.get("If-Modified-Since"),
                    )
                if status >= 400:
                    raise FetchError(
                        f"HTTP {status} {response.reason_phrase}".strip(),
                        status=status,
                        retry_after=_retry_after(response.headers.get("retry-after")),
                    )
                if status != 200:
                    raise FetchError(f"HTTP {status}: expected 200 with a feed", status=status)
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.settings.max_bytes:
                    raise FetchError(
                        f"response of {int(declared):,} bytes exceeds the "
                        f"{self.settings.max_bytes:,}-byte cap"
                    )
                body = self._read(response, start, deadline)
                return FetchResult(
                    url=url,
                    status=200,
                    content=body,
                    content_type=response.headers.get("content-type", ""),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
        except httpx.TimeoutException as exc:
            if self._cancel.is_set():
                raise FetchError("cancelled: the service is shutting down") from None
            if self._clock() >= deadline:
                raise FetchError(
                    f"exceeded the {self.settings.deadline:g} s deadline {phase} (server too slow)"
                ) from None
            raise FetchError(
                f"timed out ({type(exc).__name__}) after {self._clock() - start:.1f} s"
            ) from None
        except httpx.UnsupportedProtocol as exc:
            raise InvalidFeedURLError(f"unsupported URL {url!r}: {exc}") from None
        except httpx.InvalidURL as exc:
            raise InvalidFeedURLError(f"invalid URL {url!r}: {exc}") from None
        except httpx.DecodingError as exc:
            raise FetchError(f"could not decode the compressed response: {exc}") from None
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise FetchError(f"network error: {reason}") from None

    def _read(self, response: httpx.Response, start: float, deadline: float) -> bytes:
        cap = self.settings.max_bytes
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > cap:
                raise FetchError(f"response exceeds the {cap:,}-byte cap; stopped reading")
            if self._clock() > deadline:
                raise FetchError(
                    f"exceeded the {self.settings.deadline:g} s deadline while reading the "
                    f"body, after {len(body):,} bytes (server too slow)"
                )
            if self._cancel.is_set():
                raise FetchError("cancelled: the service is shutting down")
        return bytes(body)


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "http://[::1/a", a host that changes under NFKC
        raise InvalidFeedURLError(f"invalid URL {url!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidFeedURLError(f"refusing to fetch {url!r}: only absolute http(s) URLs")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
