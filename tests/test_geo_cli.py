"""The geocoding commands as a user runs them: analyze, geo fetch, geo status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from durandwatch.gazetteer import build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.region import load_region


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "durandwatch", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_analyze_process_reads_and_writes_json_lines(tmp_path: Path) -> None:
    lines = [
        {
            "id": "1",
            "text": "Pakistani jets strike suspected TTP camps in Paktika's Barmal district",
        },
        {"id": "2", "text": "Cricket: Pakistan beat South Africa in Cape Town"},
        {"id": "3", "text": "Two killed in Kurram"},
    ]
    stdin = "".join(json.dumps(x) + "\n" for x in lines)
    result = run("-q", "analyze", env={"DURANDWATCH_DATA_DIR": str(tmp_path)}, stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["1", "2", "3"]
    assert out[0]["location"]["admin2"] == "Barmal"
    assert out[0]["location"]["precision"] == 2
    assert out[1]["location"] is None
    assert out[2]["location"]["admin2"] == "Kurram"


def test_geo_fetch_mirror_then_status(tmp_path: Path, shared_dir: Path) -> None:
    env = {"DURANDWATCH_DATA_DIR": str(tmp_path)}
    before = run("geo", "status", env=env)
    assert before.returncode == 0
    assert "embedded district layer AFG" in before.stdout
    assert "embedded district layer PAK" in before.stdout
    assert "fallback: Afghanistan: the embedded simplified district layer" in before.stdout
    fetched = run("geo", "fetch", "--mirror", str(shared_dir / "geo"), env=env)
    assert fetched.returncode == 0, fetched.stderr
    assert "copied" in fetched.stdout
    after = run("geo", "status", env=env)
    assert "geoBoundaries AFG ADM2" in after.stdout
    assert "geoBoundaries PAK ADM2" in after.stdout
    assert "embedded district layer" not in after.stdout
    assert "fallback: Afghanistan" not in after.stdout
    assert "fallback: Pakistan" not in after.stdout


def test_geonames_dump_is_read_when_present(tmp_path: Path) -> None:
    """A tiny dump in GeoNames' own format (tab-separated, 19 columns) is used for towns."""
    pack = tmp_path / "geo"
    pack.mkdir()

    def row(
        gid: str,
        name: str,
        alts: str,
        lat: float,
        lon: float,
        code: str,
        adm1: str,
        adm2: str,
        pop: int,
    ) -> str:
        cols = [
            gid,
            name,
            name,
            alts,
            str(lat),
            str(lon),
            "P",
            code,
            "",
            "",
            adm1,
            adm2,
            "",
            "",
            str(pop),
            "",
            "0",
            "Asia/Kabul",
            "2024-01-01",
        ]
        return "\t".join(cols) + "\n"

    for country, body in {
        "AF": row(
            "1",
            "Zarghun Shahr",
            "Zarghunshahr,Zarghun Shar",
            32.85,
            68.42,
            "PPLA2",
            "29",
            "2901",
            0,
        ),
        "PK": row("2", "Spinkai Raghzai", "Spinkai", 32.5, 69.9, "PPL", "03", "0301", 1500),
    }.items():
        with zipfile.ZipFile(pack / f"{country}.zip", "w") as archive:
            archive.writestr(f"{country}.txt", body)
    (pack / "admin1CodesASCII.txt").write_text(
        "AF.29\tPaktika\tPaktika\t1131256\nPK.03\tKhyber Pakhtunkhwa\tKhyber Pakhtunkhwa\t1\n"
    )
    (pack / "admin2Codes.txt").write_text(
        "AF.29.2901\tSharan\tSharan\t1\nPK.03.0301\tSouth Wazīristān Agency\tSouth Waziristan\t2\n"
    )
    geocoder = Geocoder(build_gazetteer(load_region(), pack=pack))
    assert geocoder.gazetteer.sources.towns == "GeoNames AF/PK dumps"
    zarghun = geocoder.geocode("Blast in Zarghunshahr").location
    assert zarghun is not None
    # The dump's admin2 code says Sharan, but the point lies well inside the district
    # polygon of Zarghun Shahr (the embedded layer's): the polygon wins.
    assert (zarghun.admin1, zarghun.admin2, zarghun.precision) == ("Paktika", "Zarghun Shahr", 1)
    spinkai = geocoder.geocode("Drone strike in Spinkai Raghzai").location
    assert spinkai is not None
    assert (spinkai.admin1, spinkai.admin2) == ("Khyber Pakhtunkhwa", "South Waziristan")


@pytest.mark.parametrize(
    "args", [["analyze", "--help"], ["geo", "fetch", "--help"], ["geo", "status", "--help"]]
)
def test_help(args: list[str]) -> None:
    assert run(*args).returncode == 0


def test_geo_fetch_downloads_over_http_and_checks_sha256(tmp_path: Path) -> None:
    """The download path against a real local HTTP server: pinned, unpinned, changed, 404."""
    import hashlib
    from dataclasses import replace as dc_replace

    from durandwatch.geodata import fetch_pack
    from durandwatch.region import Dataset

    from .conftest import LocalServer, send

    good = b'{"type": "FeatureCollection", "features": []}'
    server = LocalServer()
    server.thread.start()
    try:
        server.routes["/good.geojson"] = lambda h: send(h, 200, good, "application/geo+json")
        server.routes["/changed.geojson"] = lambda h: send(h, 200, b"{}", "application/json")

        def dataset(name: str, path: str, sha: str | None) -> Dataset:
            return Dataset(
                id=name,
                title=name,
                file=f"{name}.geojson",
                url=server.url(path),
                licence="test",
                attribution="test",
                sha256=sha,
            )

        region = dc_replace(
            load_region(),
            datasets=(
                dataset("pinned", "/good.geojson", hashlib.sha256(good).hexdigest()),
                dataset("unpinned", "/good.geojson", None),
                dataset("changed", "/changed.geojson", "0" * 64),
                dataset("missing", "/nope.geojson", None),
            ),
        )
        pack = tmp_path / "geo"
        first = {r.dataset.id: r.action for r in fetch_pack(region, pack)}
        assert first["pinned"] == "downloaded"
        assert first["unpinned"] == "downloaded"
        assert first["changed"].startswith("failed: SHA-256 mismatch")
        assert first["missing"].startswith("failed: HTTP 404")
        assert (pack / "pinned.geojson").read_bytes() == good
        assert not (pack / "changed.geojson").exists()
        requests = len(server.requests)
        again = {r.dataset.id: r.action for r in fetch_pack(region, pack)}
        assert again["pinned"] == again["unpinned"] == "present"
        assert len(server.requests) == requests + 2  # only the failed ones are tried again
    finally:
        server.close()
