"""Incident extraction rules, each with real phrasing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from durandwatch.analyze import Analyzer, Report
from durandwatch.extract import count_fatalities, count_injured, event_date_of
from durandwatch.gazetteer import build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.region import load_region

PUBLISHED = datetime(2024, 12, 25, 9, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))


def read(analyzer: Analyzer, text: str, published: datetime = PUBLISHED) -> Report:
    return analyzer.analyze("t", text, published=published, source="test")


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("Taliban say Pakistani airstrikes killed forty-six in Paktika", 46),
        ("Pakistani airstrikes kill 46 in Paktika, Taliban say", 46),
        ("At least 46 killed in Pakistani air strikes on Paktika", 46),
        ("Dozens killed in Kurram convoy attack", 12),
        ("Tens of people killed as fighting rages in Bajaur", 10),
        ("Hundreds dead after weeks of clashes in Kurram", 100),
        ("10-12 militants killed in Khyber operation", 10),
        ("Death toll from Peshawar mosque bombing rises to 101", 101),
        ("Two soldiers, three militants killed in North Waziristan clash", 5),
        ("Policeman martyred in Bannu attack", 1),
        ("Three militant commanders among six killed in Orakzai clash", 6),
        ("Blast in Quetta market; no casualties reported", 0),
        ("Forty six killed in Kurram bombing", 46),
        ("Bombing kills 1,200 over a decade in Kurram, report says", 1200),
        ("Explosion heard in Peshawar cantonment", None),
        # Years are not tolls.
        ("Alleged IS planner of 2025 north Afghan attack reported killed in Pakistan", None),
        ("In 2014 militants killed 12 soldiers in North Waziristan", 12),
        ("Pakistan says 2,025 militants killed in Khyber Pakhtunkhwa this year", 2025),
    ],
)
def test_fatalities(text: str, figure: int | None) -> None:
    assert count_fatalities(text)[0] == figure


def test_range_keeps_both_ends() -> None:
    assert count_fatalities("Between 20 and 25 killed in drone strikes in Datta Khel") == (
        20,
        (20, 25),
    )


def test_injured_is_not_killed() -> None:
    assert count_fatalities("2 killed, 18 injured in suicide attack in Peshawar")[0] == 2
    assert count_injured("2 killed, 18 injured in suicide attack in Peshawar") == 18
    assert count_injured("Suicide bomber kills 1 soldier, wounds 2 at checkpoint") == 2


@pytest.mark.parametrize(
    ("text", "event_type", "sub_type"),
    [
        (
            "Suicide bomber strikes police convoy in Bannu",
            "Explosions/Remote violence",
            "Suicide bomb",
        ),
        (
            "Pakistani airstrikes hit suspected TTP camps in Paktika's Barmal district",
            "Explosions/Remote violence",
            "Air/drone strike",
        ),
        (
            "US drone strike kills 5 in North Waziristan",
            "Explosions/Remote violence",
            "Air/drone strike",
        ),
        (
            "Afghan forces fire mortars at Pakistani posts in Kurram",
            "Explosions/Remote violence",
            "Shelling/artillery/missile attack",
        ),
        (
            "Roadside bomb kills four in Bajaur",
            "Explosions/Remote violence",
            "Remote explosive/landmine/IED",
        ),
        (
            "Grenade hurled at police station in Dera Ismail Khan",
            "Explosions/Remote violence",
            "Grenade",
        ),
        (
            "Militants kidnap two engineers in Khyber",
            "Violence against civilians",
            "Abduction/forced disappearance",
        ),
        (
            "Taliban report Pakistani bombing of parts of Kandahar, civilian casualties",
            "Explosions/Remote violence",
            "Air/drone strike",
        ),
        (
            "Pakistani military aircraft bomb militant hideouts in tribal areas, 26 killed",
            "Explosions/Remote violence",
            "Air/drone strike",
        ),
        (
            "Pakistani bombing suspect arrested after Quetta market blast",
            "Explosions/Remote violence",
            "Remote explosive/landmine/IED",
        ),
        ("Security forces clash with militants in Orakzai", "Battles", "Armed clash"),
        ("Gunmen shoot dead polio worker in Mardan", "Violence against civilians", "Attack"),
        ("Tribesmen protest against military operation in Bajaur", "Protests", "Peaceful protest"),
        ("Police arrest five TTP militants in Peshawar", "Strategic developments", "Arrests"),
        (
            "Bomb disposal squad defuses explosive device in Bannu",
            "Strategic developments",
            "Disrupted weapons use",
        ),
        (
            "Pakistan and Afghan Taliban agree to ceasefire after border clashes",
            "Battles",
            "Armed clash",
        ),
        (
            "Torkham border closed after talks between officials fail",
            "Strategic developments",
            "Other",
        ),
        (
            "Pakistan to send an ambassador to Kabul, upgrading ties with the Taliban government",
            "Strategic developments",
            "Other",
        ),
    ],
)
def test_event_types(analyzer: Analyzer, text: str, event_type: str, sub_type: str) -> None:
    extraction = read(analyzer, text).extraction
    assert extraction.relevant, extraction.reason
    assert (extraction.event_type, extraction.sub_event_type) == (event_type, sub_type)


def test_ceasefire_alone_is_an_agreement(analyzer: Analyzer) -> None:
    extraction = read(
        analyzer, "Pakistan and the Afghan Taliban agree to a ceasefire in Doha"
    ).extraction
    assert (extraction.event_type, extraction.sub_event_type) == (
        "Strategic developments",
        "Agreement",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Pakistan beat South Africa by eight wickets in second Test at Cape Town",
        "Peshawar Zalmi clash with Quetta Gladiators in PSL opener",
        "Flash floods kill 12 in Swat as heavy rains lash north",
        "Five killed as bus plunges into ravine in Kohistan",
        "Rupee gains against dollar as remittances rise",
        "Doctors strike in Peshawar hospitals enters third day",
        "Campaign to fight polio gathers pace in Bannu",
        "Car bomb kills 12 in northern Syria",
    ],
)
def test_not_relevant(analyzer: Analyzer, text: str) -> None:
    extraction = read(analyzer, text).extraction
    assert not extraction.relevant
    assert extraction.fatalities is None


@pytest.mark.parametrize(
    ("text", "actor_id"),
    [
        ("Pakistani Taliban claim attack on police in Lakki Marwat", "ttp"),
        ("Tehreek-e-Taliban Pakistan militants ambush convoy in North Waziristan", "ttp"),
        ("Jamaat-ul-Ahrar claims Mohmand blast", "ttp"),
        ("Hafiz Gul Bahadur group attacks army post in Datta Khel", "ttp"),
        ("Islamic State Khorasan Province claims bombing in Bajaur", "iskp"),
        ("Daesh claims suicide attack on Taliban ministry in Kabul", "iskp"),
        ("BLA attacks Frontier Corps camp in Kech", "baloch"),
        ("Lashkar-e-Islam fighters clash with rivals in Tirah", "lei"),
    ],
)
def test_actor_aliases(analyzer: Analyzer, text: str, actor_id: str) -> None:
    actors = read(analyzer, text).extraction.actors
    assert actor_id in {a.id for a in actors if a.role == "actor1"}, actors


def test_taliban_alone_depends_on_the_side(analyzer: Analyzer) -> None:
    pk = read(analyzer, "Taliban attack checkpoint in Bajaur").extraction.actors
    assert pk[0].id == "ttp"
    af = read(
        analyzer,
        "Taliban attack checkpoint in Kandahar",
        published=datetime(2019, 5, 1, tzinfo=UTC),
    ).extraction.actors
    assert af[0].name == "Taliban (insurgency)"


def test_roles_and_sectarian_flag(analyzer: Analyzer) -> None:
    extraction = read(
        analyzer, "Gunmen kill 42 Shia passengers in attack on convoy near Parachinar"
    ).extraction
    roles = {a.id: a.role for a in extraction.actors}
    assert roles["militants"] == "actor1"
    assert roles["civilians-sectarian"] == "actor2"
    assert extraction.sectarian


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Pakistani airstrikes hit suspected TTP camps in Paktika's Barmal district", "PK->AF"),
        ("Afghan forces fire on Pakistani border posts in Kurram", "AF->PK"),
        ("Pakistani posts in Kurram came under fire from across the border", "AF->PK"),
        (
            "Afghan Taliban forces target several points inside Pakistan beyond the Durand Line",
            "AF->PK",
        ),
    ],
)
def test_cross_border_direction(analyzer: Analyzer, text: str, direction: str) -> None:
    extraction = read(analyzer, text).extraction
    assert extraction.cross_border
    assert extraction.direction == direction


@pytest.mark.parametrize(
    ("text", "district", "sub_type", "deaths", "direction"),
    [
        (
            "Afghan forces fire on Pakistani posts in Kurram in retaliation for Pakistani "
            "airstrikes in Paktika that killed 46",
            "Kurram",
            "Armed clash",
            None,
            "AF->PK",
        ),
        (
            "Afghan Taliban forces said they struck several points inside Pakistan in "
            "retaliation for last week's airstrikes in Paktika. Residents reported heavy "
            "exchanges of fire near the Kurram border.",
            "Kurram",
            "Armed clash",
            None,
            "AF->PK",
        ),
        (
            "Two days after Pakistani airstrikes in Paktika killed 46, Afghan forces shelled "
            "Pakistani posts in Kurram.",
            "Kurram",
            "Shelling/artillery/missile attack",
            None,
            "AF->PK",
        ),
        (
            "Two soldiers shot dead in Bajaur two days after a suicide blast in Bannu killed 12",
            "Bajaur",
            "Attack",
            2,
            None,
        ),
    ],
)
def test_an_earlier_event_named_as_the_cause_is_not_this_one(
    analyzer: Analyzer,
    text: str,
    district: str,
    sub_type: str,
    deaths: int | None,
    direction: str | None,
) -> None:
    # The answer to a strike names the strike: its place, means and toll are not the
    # answer's. This is the tit-for-tat loop the escalation score must see as two events.
    report = read(analyzer, text)
    assert report.geo.location is not None
    assert report.geo.location.admin2 == district
    assert report.extraction.sub_event_type == sub_type
    assert report.extraction.fatalities == deaths
    assert report.extraction.direction == direction


def test_an_earlier_event_alone_is_still_read(analyzer: Analyzer) -> None:
    # Nothing else is named: the reference is all there is to place and type the report.
    report = read(analyzer, "Curfew imposed two days after the suicide blast in Bannu")
    assert report.geo.location is not None
    assert report.geo.location.admin2 == "Bannu"
    assert report.extraction.sub_event_type == "Suicide bomb"


def test_not_cross_border(analyzer: Analyzer) -> None:
    extraction = read(analyzer, "Security forces kill five militants in Bajaur").extraction
    assert not extraction.cross_border


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("Militants attacked a post on Tuesday", date(2024, 12, 24), 1),
        ("Militants attacked a post late Sunday", date(2024, 12, 22), 1),
        ("Militants attacked a post yesterday", date(2024, 12, 24), 1),
        ("Militants attacked a post on December 20", date(2024, 12, 20), 1),
        ("Militants attacked a post today", date(2024, 12, 25), 1),
        ("Militants attacked several posts earlier this week", date(2024, 12, 25), 2),
        ("In retaliation for last week's strikes, militants attacked", date(2024, 12, 25), 1),
    ],
)
def test_event_date(text: str, expected: date, precision: int) -> None:
    assert event_date_of(text, PUBLISHED) == (expected, precision)


def test_claims_keep_the_party_and_the_quote(analyzer: Analyzer) -> None:
    text = "A blast hit a market in Bajaur. ISKP claimed responsibility in a statement on Amaq."
    claim = read(analyzer, text).extraction.claim
    assert claim is not None
    assert claim.kind == "responsibility"
    assert "Islamic State" in claim.party
    assert text[claim.start : claim.end] == claim.quote
    spoken = read(analyzer, "Taliban spokesman said Pakistani airstrikes killed 46 in Paktika")
    assert spoken.extraction.claim is not None
    assert spoken.extraction.claim.kind == "statement"
