"""Configuration: every problem listed at once; the shipped files are valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from durandwatch.config import load_catalog, load_config
from durandwatch.errors import ConfigError
from durandwatch.initdir import write_project
from durandwatch.resources import data_path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DURANDWATCH_DATABASE_URL", raising=False)
    config = load_config(None, base_dir=tmp_path)
    assert config.database_path == tmp_path / "state" / "durandwatch.db"
    assert len(config.enabled_feeds()) > 10


def test_init_writes_a_valid_commented_project(tmp_path: Path) -> None:
    written = write_project(tmp_path)
    assert {p.name for p in written} == {
        "durandwatch.toml",
        "feeds.toml",
        "rules.toml",
        "recipients.toml",
    }
    text = (tmp_path / "durandwatch.toml").read_text()
    assert text.count("#") > 10
    config = load_config(tmp_path / "durandwatch.toml")
    assert config.state_dir == tmp_path / "state"
    assert config.feeds_file == tmp_path / "feeds" / "feeds.toml"
    assert config.keep_non_incident_days == 365
    assert config.fetch.pass_deadline == 900
    with pytest.raises(FileExistsError):
        write_project(tmp_path)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    catalog = tmp_path / "feeds.toml"
    catalog.write_text(
        '[[feed]]\nname = "Bad Name"\nurl = "ftp://x"\ninterval_minutes = 1\n'
        '[[feed]]\nname = "ok"\nurl = "https://ok.example/feed"\ncolour = "red"\n'
        '[[feed]]\nname = "dup"\nurl = "https://a.example/"\n'
        '[[feed]]\nname = "dup"\nurl = "https://b.example/"\n'
        '[[feed]]\nname = "india"\nurl = "https://c.example/"\ncountry = "IN"\n'
    )
    cfg = tmp_path / "durandwatch.toml"
    cfg.write_text(
        '[paths]\nfeeds = "feeds.toml"\n'
        '[database]\nurl = "mysql://x"\nkeep_non_incident_days = -3\n'
        '[schedule]\ntimezone = "Mars/Olympus"\ndaily_at = "25:00"\njitter_seconds = "lots"\n'
        "[fetch]\ndeadline = -1\nmax_redirects = 50\ntimeout = 3\npass_deadline = 0\n"
        "[extra]\nx = 1\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    text = str(info.value)
    for fragment in [
        "Bad Name",
        "ftp://x",
        "interval_minutes = 1",
        "colour",
        "duplicate",
        "'IN'",
        "mysql",
        "keep_non_incident_days = -3",
        "Mars/Olympus",
        "25:00",
        "jitter_seconds",
        "fetch.deadline",
        "fetch.pass_deadline = 0",
        "max_redirects",
        "fetch.timeout",
        "[extra]",
    ]:
        assert fragment in text, fragment
    assert len(info.value.problems) >= 16


def test_unreadable_toml_is_one_clear_problem(tmp_path: Path) -> None:
    cfg = tmp_path / "durandwatch.toml"
    cfg.write_text("[paths\nfeeds = ")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(cfg)


def test_missing_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="durandwatch init"):
        load_config(tmp_path / "nope.toml")


def test_shipped_catalog_is_valid_and_has_the_required_kinds() -> None:
    feeds = load_catalog(data_path("feeds", "feeds.toml"))
    urls = [f.url for f in feeds]
    assert len(feeds) >= 40
    assert any("reliefweb.int/country/afg" in u for u in urls)
    assert any(u.startswith("https://news.google.com/rss/search") for u in urls)
    assert any("api.gdeltproject.org" in u and "format=rss" in u for u in urls)
    assert all(f.interval_minutes >= 5 for f in feeds)
    assert {f.language for f in feeds} >= {"en", "ur", "ps", "fa"}


def test_shipped_catalog_matches_the_shared_reference(shared_dir: Path) -> None:
    import csv

    with (shared_dir / "feeds" / "feeds.csv").open(encoding="utf-8") as handle:
        reference = {row["url"] for row in csv.DictReader(handle)}
    ours = {f.url for f in load_catalog(data_path("feeds", "feeds.toml"))}
    assert ours <= reference, ours - reference


def test_database_url_selects_the_engine_and_keeps_secrets_out_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DURANDWATCH_DATABASE_URL", raising=False)
    cfg = tmp_path / "durandwatch.toml"
    cfg.write_text('[database]\nurl = "postgresql://team@db.example:5432/durandwatch"\n')
    config = load_config(cfg)
    assert config.database_path is None
    assert config.database_name == "postgresql://team@db.example:5432/durandwatch"

    cfg.write_text('[database]\nurl = "postgresql://team:hunter2@db.example/durandwatch"\n')
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert "no password in the configuration file" in str(info.value)
    assert "hunter2" not in str(info.value)

    # The environment may carry the password, and wins over the file.
    monkeypatch.setenv("DURANDWATCH_DATABASE_URL", "postgresql://team:s3cret@db.example/dw")
    cfg.write_text("")
    config = load_config(cfg)
    assert config.database_url == "postgresql://team:s3cret@db.example/dw"
    assert config.database_name == "postgresql://team:***@db.example/dw"

    monkeypatch.setenv("DURANDWATCH_DATABASE_URL", "oracle://x")
    with pytest.raises(ConfigError, match="DURANDWATCH_DATABASE_URL"):
        load_config(cfg)
