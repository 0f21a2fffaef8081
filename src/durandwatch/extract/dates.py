"""When the event happened, from the words of the report and its publication time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from .literals import GatedPattern

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_WEEKDAY = GatedPattern(r"\b(?:on |late |early |last |)(" + "|".join(_WEEKDAYS) + r")\b")

_YESTERDAY = GatedPattern(r"\b(yesterday|last night|overnight)\b")

_LAST_WEEK = GatedPattern(r"\b(last week|earlier this week|this week|past week)\b(?!'s| s\b)")

_LAST_MONTH = GatedPattern(r"\b(last month|earlier this month|this month)\b")

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]

_EXPLICIT = GatedPattern(
    r"\b(?:on\s+)?(?:(\d{1,2})(?:st|nd|rd|th)?\s+("
    + "|".join(_MONTHS)
    + r")|("
    + "|".join(_MONTHS)
    + r")\s+(\d{1,2})(?:st|nd|rd|th)?)\b"
)


def event_date_of(text: str, published: datetime) -> tuple[date, int]:
    """The event's date from relative words, and its precision (1 day, 2 week, 3 month)."""
    pub = published.astimezone(UTC).date()
    text = text.lower()
    explicit = _EXPLICIT.search(text)
    if explicit:
        day = int(explicit.group(1) or explicit.group(4))
        month_name = (explicit.group(2) or explicit.group(3)).lower()
        month = _MONTHS.index(month_name) + 1
        try:
            candidate = date(pub.year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None:
            if candidate > pub + timedelta(days=1):
                try:
                    candidate = date(pub.year - 1, month, day)
                except ValueError:
                    candidate = None
            if candidate is not None and (pub - candidate).days <= 60:
                return candidate, 1
    if _YESTERDAY.search(text):
        return pub - timedelta(days=1), 1
    weekday = _WEEKDAY.search(text)
    if weekday:
        target = _WEEKDAYS.index(weekday.group(1).lower())
        back = (pub.weekday() - target) % 7
        return pub - timedelta(days=back), 1
    week = _LAST_WEEK.search(text)
    if week:
        return pub - timedelta(days=7 if "last" in week.group(1) else 0), 2
    if _LAST_MONTH.search(text):
        return pub, 3
    return pub, 1
