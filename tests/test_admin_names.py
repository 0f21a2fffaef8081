"""Unit names: tidying a source's names, transliteration variants, parts of older units."""

from __future__ import annotations

import pytest

from durandwatch.admin_names import AdminNames, clean_name, spelling_variants


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Khost(Matun)", "Khost (Matun)"),
        ("Zanda  Jan\n", "Zanda Jan"),
        ("Sia Gird ( Ghorbund)", "Sia Gird (Ghorbund)"),
        ("Barmal", "Barmal"),
    ],
)
def test_clean_name_tidies_without_respelling(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("Yahya Khel", "yahya khail"),
        ("Laja Ahmad Khail", "laja ahmad khel"),
        ("Nahri Sarraj", "nahr e sarraj"),
        ("Puli Alam", "pul i alam"),
        ("Dara-I-Nur", "dara e nur"),
        ("Tere Zayi", "terezai"),
        ("Tere Zayi", "tere zai"),
        ("Nawa-I- Barak Zayi", "nawa e barakzai"),
    ],
)
def test_spelling_variants(name: str, variant: str) -> None:
    assert variant in spelling_variants(name)


def test_spelling_variants_keep_the_name_itself_and_stay_few() -> None:
    variants = spelling_variants("Ali Khail (Jaji)")
    assert "ali khail" in variants
    assert all(v for v in variants)
    assert len(spelling_variants("Wali Muhammadi Shahid")) < 10


def test_polygon_units_and_their_parts() -> None:
    names = AdminNames()
    names.add_polygon("PK", "Qilla Abdullah", "Killa Abdullah", ["Chaman"])
    assert names.polygon_unit("PK", "Qilla Abdullah") == "Killa Abdullah"
    assert names.polygon_unit("PK", "Quetta") == "Quetta"  # not in the table: its own name
    assert names.polygon_unit("AF", "Khost(Matun)") == "Khost (Matun)"
    assert names.units_in("PK", "Killa Abdullah") == {"Killa Abdullah", "Chaman"}
    assert names.units_in("PK", "Quetta") == {"Quetta"}
