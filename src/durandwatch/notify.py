"""Email the digest: an outbox in the database, sent over SMTP with retries.

A digest email is queued once per recipient and day under a stable Message-ID, so
rerunning the daily job never queues it twice; a failed send stays in the outbox and is
retried with backoff; a sent message is marked at once and never sent again. (If the
process dies between the server's acceptance and that mark, the same message, with the
same Message-ID, can go out once more; mail clients treat it as one message.)

Headers are built from single-line, control-free text, so a newline in feed text cannot
add a header.
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
import ssl
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from .digest import plain
from .errors import ConfigError, DurandwatchError
from .lifecycle import Alert
from .resources import data_path
from .rules import LEVELS

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

ENV_USER = "DURANDWATCH_SMTP_USER"
ENV_PASSWORD = "DURANDWATCH_SMTP_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
MAX_ATTEMPTS = 10


class NotifyError(DurandwatchError, OSError):
    """Email could not be sent (recorded in the outbox; retried)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # starttls, tls, none
    sender: str = "durandwatch <durandwatch@localhost>"
    timeout: float = 30.0
    attach_map_max_bytes: int = 5_000_000
    map_base_url: str = ""


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str = ""
    regions: tuple[str, ...] = ()
    min_level: str = "yellow"

    def wants(self, alert: Alert) -> bool:
        """The alert is in one of the recipient's provinces and at or above their level."""
        if self.regions and alert.admin1 not in self.regions:
            return False
        if alert.status == "cleared":
            return True
        level = alert.level
        return level in LEVELS and LEVELS.index(level) >= LEVELS.index(self.min_level)


def load_recipients(path: Path | None = None) -> tuple[SmtpSettings, tuple[Recipient, ...]]:
    """Read ``alerts/recipients.toml``; :class:`ConfigError` lists every problem."""
    source = path or data_path("alerts", "recipients.toml")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SmtpSettings(), ()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"cannot read {source}: {exc}"], source=str(source)) from None
    problems: list[str] = []
    smtp_raw = raw.get("smtp", {})
    defaults = SmtpSettings()
    security = str(smtp_raw.get("security", defaults.security))
    if security not in ("starttls", "tls", "none"):
        problems.append(f"smtp.security = {security!r}: starttls, tls or none")
    smtp = SmtpSettings(
        host=str(smtp_raw.get("host", defaults.host)),
        port=int(smtp_raw.get("port", defaults.port)),
        security=security,
        sender=str(smtp_raw.get("sender", defaults.sender)),
        timeout=float(smtp_raw.get("timeout_seconds", defaults.timeout)),
        attach_map_max_bytes=int(
            smtp_raw.get("attach_map_max_bytes", defaults.attach_map_max_bytes)
        ),
        map_base_url=str(smtp_raw.get("map_base_url", "")),
    )
    if "@" not in parseaddr(smtp.sender)[1]:
        problems.append(f"smtp.sender {smtp.sender!r} is not an email address")
    recipients = []
    for n, entry in enumerate(raw.get("recipient", []), start=1):
        email = str(entry.get("email", ""))
        if "@" not in email or any(c in email for c in "\r\n <>,"):
            problems.append(f"recipient #{n}: email {email!r} is not one address")
            continue
        level = str(entry.get("min_level", "yellow"))
        if level not in LEVELS[1:]:
            problems.append(f"recipient {email}: min_level {level!r}: yellow, orange or red")
            continue
        recipients.append(
            Recipient(
                email=email,
                name=plain(entry.get("name", "")),
                regions=tuple(str(r) for r in entry.get("regions", [])),
                min_level=level,
            )
        )
    if problems:
        raise ConfigError(problems, source=str(source))
    return smtp, tuple(recipients)


def message_id(day: str, recipient: str) -> str:
    """Stable per day and recipient: a rerun finds the queued message instead of a new one."""
    digest = hashlib.sha256(recipient.lower().encode("utf-8")).hexdigest()[:16]
    return f"<digest-{day}-{digest}@durandwatch>"


def build_email(
    *,
    day: str,
    recipient: Recipient,
    smtp: SmtpSettings,
    alerts: Sequence[Alert],
    text: str,
    html: str,
    chart: bytes | None,
    map_path: Path | None,
) -> EmailMessage:
    """The digest email: text and HTML (with the chart inline), the map attached or linked."""
    mine = [a for a in alerts if recipient.wants(a)]
    counts = {level: sum(1 for a in mine if a.level == level) for level in ("red", "orange")}
    top = next((a for a in mine if a.level in ("red", "orange")), None)
    subject = f"durandwatch {day}: {counts['red']} red, {counts['orange']} orange"
    if top is not None:
        subject += f"; {top.name} {top.level}"
    msg = EmailMessage()
    msg["Subject"] = plain(subject)[:200]
    msg["From"] = smtp.sender
    msg["To"] = formataddr((plain(recipient.name), recipient.email))
    msg["Message-ID"] = message_id(day, recipient.email)
    msg["X-Durandwatch-Day"] = day
    link = ""
    attach = False
    if map_path is not None and map_path.exists():
        attach = map_path.stat().st_size <= smtp.attach_map_max_bytes
        if not attach and smtp.map_base_url:
            link = f"{smtp.map_base_url.rstrip('/')}/{day}/map.html"
    note = (
        "The map is attached (map.html)."
        if attach
        else f"Map: {link}"
        if link
        else "The map is in alerts/{day}/map.html on the server."
    )
    msg.set_content(text + "\n" + note.replace("{day}", day) + "\n")
    html_body = html.replace('src="trend.png"', 'src="cid:trend@durandwatch"')
    msg.add_alternative(html_body, subtype="html")
    if chart is not None:
        html_part = msg.get_body(preferencelist=("html",))
        if not isinstance(html_part, EmailMessage):
            raise NotifyError("the digest email lost its HTML part")
        html_part.add_related(
            chart, maintype="image", subtype="png", cid="<trend@durandwatch>", filename="trend.png"
        )
    if attach and map_path is not None:
        msg.add_attachment(
            map_path.read_bytes(),
            maintype="text",
            subtype="html",
            filename="map.html",
            cte="base64",  # minified JavaScript has lines longer than SMTP allows
        )
    return msg


def queue(store: Store, messages: Sequence[EmailMessage], *, now: datetime) -> int:
    """Put messages in the outbox (idempotent by Message-ID); return how many were new."""
    return store.outbox_add(
        [
            (
                str(m["Message-ID"]),
                str(m["To"]),
                str(m["X-Durandwatch-Day"]),
                m.as_bytes(policy=SMTP_POLICY),
            )
            for m in messages
        ],
        now=now,
    )


SmtpFactory = Callable[[SmtpSettings], smtplib.SMTP]


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """Open an SMTP session per the settings; log in when credentials are in the environment."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.security == "tls":
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            client.starttls(context=context)
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    if user and password:
        client.login(user, password)
    return client


def send_outbox(
    store: Store, settings: SmtpSettings, *, now: datetime, factory: SmtpFactory = connect
) -> tuple[int, int]:
    """Send every due message; return (sent, failed this time). Failures are retried later."""
    due = store.outbox_due(now=now)
    if not due:
        return 0, 0
    sent = failed = 0
    client: smtplib.SMTP | None = None
    try:
        for msg_id, recipient, raw, attempts in due:
            try:
                if client is None:
                    client = factory(settings)
                sender = parseaddr(settings.sender)[1]
                client.sendmail(sender, [parseaddr(recipient)[1]], raw)
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                delay = timedelta(minutes=5 * 2 ** min(attempts, 7))
                give_up = attempts + 1 >= MAX_ATTEMPTS
                store.outbox_failed(
                    msg_id,
                    error=f"{type(exc).__name__}: {exc}"[:500],
                    now=now,
                    next_attempt=now + delay,
                    give_up=give_up,
                )
                log.warning(
                    "email %s to %s failed (attempt %d%s): %s",
                    msg_id,
                    recipient,
                    attempts + 1,
                    ", giving up" if give_up else "",
                    exc,
                )
                if client is not None:
                    _close(client)
                    client = None
                continue
            store.outbox_sent(msg_id, now=now)
            sent += 1
    finally:
        if client is not None:
            _close(client)
    return sent, failed


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
