"""The daily digest: what an analyst reads each morning (Markdown, HTML, plain text).

``build_digest`` gathers the numbers (pure); ``render_digest`` fills the Jinja2
templates shipped in ``durandwatch/templates`` (or the operator's copies in
``alerts/templates/``); ``trend_png`` draws the 30-day chart. HTML autoescapes every
value; Markdown and text escape or strip what a renderer would interpret.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from .dedup import Incident
from .extract import is_violent
from .lifecycle import Alert


@dataclass
class Digest:
    """Everything a digest shows."""

    day: date
    zone: str
    generated: str
    alerts: list[Alert]
    summary: str
    provinces: list[dict[str, Any]]
    benchmarks: list[dict[str, Any]]
    incidents_week: int
    fatalities_week: int
    map_link: str = "map.html"
    chart: str = "trend.png"
    attributions: list[str] = field(default_factory=list)


def build_digest(
    day: date,
    alerts: Sequence[Alert],
    incidents: Sequence[Incident],
    *,
    zone: str,
    now: datetime,
    previous_alerts: Sequence[Alert] = (),
    attributions: Sequence[str] = (),
) -> Digest:
    """The digest for ``day`` from its alert events and the last weeks' incidents."""
    shown = [a for a in alerts if a.shown]
    counts = Counter(a.level for a in shown if a.level != "green")
    before = {a.alert_id for a in previous_alerts if a.level != "green"}
    new = [
        a
        for a in shown
        if a.status in ("new", "escalated")
        or (a.level != "green" and a.alert_id not in before and previous_alerts)
    ]
    parts = [f"{counts.get(level, 0)} {level}" for level in ("red", "orange", "yellow")]
    summary = ", ".join(parts) + " alert(s)"
    if new:
        summary += "; new or escalated since the last digest: " + ", ".join(
            f"{a.name} ({a.level})" for a in new
        )
    else:
        summary += "; nothing new since the last digest"
    week_start = day - timedelta(days=7)
    prev_start = day - timedelta(days=14)

    def in_range(inc: Incident, lo: date, hi: date) -> bool:
        return lo < inc.event_date <= hi

    this_week = [i for i in incidents if in_range(i, week_start, day)]
    last_week = [i for i in incidents if in_range(i, prev_start, week_start)]
    provinces = _province_table(this_week, last_week)
    benchmarks = [
        _benchmark(
            "Attacks across the line from or into Afghan soil",
            this_week,
            last_week,
            lambda i: i.cross_border,
        ),
        _benchmark(
            "  of which from Afghanistan into Pakistan",
            this_week,
            last_week,
            lambda i: i.direction == "AF->PK",
        ),
        _benchmark(
            "  of which from Pakistan into Afghanistan",
            this_week,
            last_week,
            lambda i: i.direction == "PK->AF",
        ),
        _benchmark(
            "  of which exchanges of fire (no stated initiator)",
            this_week,
            last_week,
            lambda i: i.direction == "both",
        ),
        _benchmark("Attacks by the TTP", this_week, last_week, lambda i: _by(i, "ttp")),
        _benchmark("Attacks by ISIS-K", this_week, last_week, lambda i: _by(i, "iskp")),
        _benchmark(
            "Sectarian attacks (Shia/Hazara targets)",
            this_week,
            last_week,
            lambda i: i.sectarian,
        ),
        _benchmark(
            "Civilian deaths reported", this_week, last_week, _civilian_deaths, sum_values=True
        ),
    ]
    local_now = now.astimezone(ZoneInfo(zone))
    return Digest(
        day=day,
        zone=zone,
        generated=local_now.strftime("%Y-%m-%d %H:%M %Z"),
        alerts=sorted(shown, key=_alert_order),
        summary=summary,
        provinces=provinces,
        benchmarks=benchmarks,
        incidents_week=len(this_week),
        fatalities_week=sum(i.fatalities or 0 for i in this_week),
        attributions=list(attributions),
    )


LEVEL_RANK = {"red": 0, "orange": 1, "yellow": 2, "green": 3}
UNIT_RANK = {"line": 0, "sector": 1, "province": 2, "district": 3}


def _alert_order(alert: Alert) -> tuple[int, int, float, str]:
    """Worst level first; within a level, the widest unit first, then the score."""
    return (
        LEVEL_RANK.get(alert.level, 3),
        UNIT_RANK.get(alert.unit, 3),
        -float(alert.score or 0),
        alert.alert_id,
    )


def _by(incident: Incident, actor_id: str) -> bool:
    return is_violent(incident.event_type) and any(
        a.id == actor_id and a.role == "actor1" for a in incident.actors
    )


def _civilian_deaths(incident: Incident) -> int:
    civilians = any(a.kind == "civilians" for a in incident.actors)
    if incident.event_type == "Violence against civilians" or civilians:
        return int(incident.fatalities or 0)
    return 0


def _benchmark(
    name: str,
    this_week: Sequence[Incident],
    last_week: Sequence[Incident],
    test: Callable[[Incident], bool | int],
    *,
    sum_values: bool = False,
) -> dict[str, Any]:
    now_value = sum(int(test(i)) for i in this_week)
    before = sum(int(test(i)) for i in last_week)
    return {
        "name": name,
        "week": now_value,
        "previous": before,
        "change": _change(now_value, before),
    }


def _change(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "="
    delta = (now - before) / before * 100
    return f"{delta:+.0f} %"


def _province_table(
    this_week: Sequence[Incident], last_week: Sequence[Incident]
) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"incidents": 0, "fatalities": 0, "previous": 0}
    )
    for inc in this_week:
        rows[_province_key(inc)]["incidents"] += 1
        rows[_province_key(inc)]["fatalities"] += inc.fatalities or 0
    for inc in last_week:
        rows[_province_key(inc)]["previous"] += 1
    table = [
        {"province": k, **v, "change": _change(v["incidents"], v["previous"])}
        for k, v in rows.items()
    ]
    table.sort(key=lambda r: (-r["incidents"], -r["fatalities"], r["province"]))
    return table


def _province_key(incident: Incident) -> str:
    loc = incident.location
    admin1, country = (loc.admin1, loc.country) if loc else (None, None)
    return f"{admin1 or 'unplaced'} ({country or '?'})"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>&~])")


def md_escape(value: Any) -> str:
    """Untrusted text for Markdown: no markup, links or raw HTML survive."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def plain(value: Any) -> str:
    """Untrusted text for plain text and email: one line, control characters removed."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())


def safe_url(value: Any) -> str:
    """Only http(s) links are shown as links."""
    url = str(value or "")
    return url if re.match(r"^https?://", url, re.IGNORECASE) else ""


def environment(override: Path | None = None) -> jinja2.Environment:
    """Templates: the operator's folder first (``alerts/templates``), then the shipped ones."""
    loaders: list[jinja2.BaseLoader] = []
    if override is not None and override.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.PackageLoader("durandwatch", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False, default=False
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["plain"] = plain
    env.filters["safe_url"] = safe_url
    env.globals["Markup"] = Markup
    return env


def render_digest(digest: Digest, *, templates: Path | None = None) -> dict[str, str]:
    """``{"digest.md": ..., "digest.html": ..., "digest.txt": ...}``."""
    env = environment(templates)
    context = {"d": digest}
    return {
        "digest.md": env.get_template("digest.md.j2").render(context),
        "digest.html": env.get_template("digest.html.j2").render(context),
        "digest.txt": env.get_template("digest.txt.j2").render(context),
    }


def trend_png(incidents: Sequence[Incident], day: date, *, days: int = 30, top: int = 6) -> bytes:
    """Incidents per day over the last ``days``, one line per province (the busiest ``top``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = day - timedelta(days=days - 1)
    series: dict[str, Counter[date]] = defaultdict(Counter)
    for inc in incidents:
        when = inc.event_date
        if start <= when <= day:
            loc = inc.location
            series[(loc.admin1 if loc else None) or "unplaced"][when] += 1
    busiest = sorted(series, key=lambda k: (-sum(series[k].values()), k))[:top]
    axis: Any = [start + timedelta(days=k) for k in range(days)]
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    for name in busiest:
        ax.plot(
            axis,
            [series[name].get(d, 0) for d in axis],
            marker="o",
            markersize=2.5,
            linewidth=1.5,
            label=name,
        )
    ax.set_title(f"Incidents per day by province, {start:%d %b} to {day:%d %b %Y}", fontsize=10)
    ax.set_ylabel("incidents")
    ax.grid(alpha=0.3)
    if busiest:
        ax.legend(fontsize=7, loc="upper left", ncol=2)
    else:
        ax.text(
            0.5,
            0.5,
            "no incidents in the last 30 days",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": "durandwatch"})
    plt.close(fig)
    return buffer.getvalue()
