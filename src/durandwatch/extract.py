"""What happened, who did it, how many died, across which side: rules you can read.

``Extractor.extract`` takes a report's text, its publication time and its resolved
location, and returns an :class:`Extraction`. Pure: no I/O after construction.

Relevance. A text is about a violent or security event when it names a means of
violence (bomb, blast, airstrike, shelling, gunmen, clash, ambush, kidnapping ...), or
casualties together with an armed actor (militants, troops, police, TTP ...), or one of
the strategic developments the source report tracks (border closure, ceasefire, talks,
ambassadors, arrests of militants). Accidents, disasters, sport and markets are not
events even when they kill ("bus plunges into ravine", "cricket clash"); a text placed
outside Afghanistan and Pakistan is not relevant.

Event type. ACLED's taxonomy, first rule that fires, from the most specific means:
suicide bomb, air/drone strike, shelling/artillery/missile, grenade, remote explosive,
abduction, armed clash, attack on civilians, protests and riots, then strategic
developments. Each rule is a word list below.

Fatalities. Numbers in digits or words next to a death word ("46 killed", "kills
forty-six", "death toll rises to 22"); "at least N" gives N; a range gives its lower end
(ACLED); "dozens" = 12, "tens" = 10, "hundreds" = 100 (ACLED); a lone singular victim
("policeman killed") is 1; "no casualties" is 0; otherwise null, never 0.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from .matcher import Match, PhraseMatcher
from .model import Location
from .numbers import NUMBER_PATTERN, parse_number
from .textnorm import blank_spans, earlier_event_spans

IEA_TAKEOVER = date(2021, 8, 15)


@dataclass(frozen=True, slots=True)
class ActorSpec:
    """One entry of ``data/actors.toml``."""

    id: str
    name: str
    kind: str
    country: str
    sectarian: bool = False


@dataclass(frozen=True, slots=True)
class Actor:
    """An actor named in a report, with its role (actor1 acts, actor2 is the target)."""

    id: str
    name: str
    kind: str
    country: str | None
    role: str
    text: str
    sectarian: bool = False


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement by a party to the conflict: who, and the words that say so."""

    party: str
    kind: str  # "responsibility" or "statement"
    start: int
    end: int
    quote: str


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything the rules read from one report."""

    relevant: bool
    event_type: str | None
    sub_event_type: str | None
    actors: tuple[Actor, ...]
    fatalities: int | None
    fatalities_range: tuple[int, int] | None
    injured: int | None
    cross_border: bool
    direction: str | None  # "PK->AF", "AF->PK"
    event_date: date
    time_precision: int  # 1 day, 2 week, 3 month
    claim: Claim | None
    sectarian: bool
    reason: str  # why relevant or not, in words


def _words(*words: str) -> re.Pattern[str]:
    """One pattern for a word list; applied to lower-cased text (no IGNORECASE: faster)."""
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


SUICIDE = _words(r"suicide\w*", r"self[- ]?explod\w*", "fidayee", "fidayeen")
AIR = _words(
    r"air ?strikes?",
    r"air ?raids?",
    r"aerial (?:strikes?|bombard\w*|attacks?)",
    r"drones?(?: strikes?| attacks?| fired| hit)?",
    r"warplanes?",
    r"(?:fighter )?jets",
    r"gunships?",
    r"bombers? (?:struck|hit)",
    r"air force",
    r"airstrikes?",
    r"bombard\w*",
    r"bombed",
    r"(?:us|u\.s\.|american|nato) strikes?",
    # A state bombing a place or camps is an air raid ("Pakistani bombing of Kandahar").
    r"aircraft bomb\w*",
    r"(?:pakistani|afghan|american|us|nato) bombing (?:of|raids?|campaign)",
    r"(?:pakistan|afghanistan|us|nato) bombs (?:suspected |militant |taliban |ttp )*"
    r"(?:hideouts?|positions?|targets?|camps?|bases?|posts?)",
)
SHELLING = _words(
    r"shell(?:ing|ed|s)",
    r"artillery",
    r"mortar\w*",
    r"rocket\w*",
    r"missiles?",
    r"heavy weapons",
    r"cross[- ]border (?:fire|firing|shelling)",
)
GRENADE = _words(r"grenades?", r"hand grenades?")
EXPLOSIVE = _words(
    r"ied",
    r"ieds",
    r"improvised explosive",
    r"roadside bomb\w*",
    r"landmines?",
    r"land mines?",
    r"mine blast",
    r"remote[- ]controlled",
    r"bomb\w*",
    r"blasts?",
    r"explo(?:sion|sions|ded|sive|sives)",
    r"car bomb\w*",
    r"magnetic bomb",
    r"sticky bomb",
    r"blew up",
    r"blow up",
    r"blown up",
)
ABDUCTION = _words(
    r"kidnap\w*",
    r"abduct\w*",
    r"hostages?",
    r"taken captive",
    r"went missing",
    r"forced disappearance",
    r"forcibly disappeared",
)
CLASH = _words(
    r"clash\w*",
    r"gun ?fights?",
    r"fire ?fights?",
    r"exchanges? of fire",
    r"exchanged fire",
    r"exchanging fire",
    r"ambush\w*",
    r"shoot[- ]?outs?",
    r"skirmish\w*",
    r"gun battles?",
    r"repuls\w*",
    r"stormed",
    r"besieged",
    r"siege",
    r"attack\w* (?:on|against) (?:a |an |the )?(?:\w+ )?"
    r"(?:posts?|check[- ]?posts?|checkpoints?|convoys?|camps?|bases?|"
    r"police stations?|forces|troops|soldiers|police)",
    r"stormed",
    r"target(?:ed|ing)? several points",
    r"opened fire on (?:security|troops|police|"
    r"soldiers|forces|posts?)",
    r"sniper",
    r"cross[- ]border (?:attack|raid)s?",
    r"came under (?:heavy )?(?:fire|attack)",
    r"fire[sd]? (?:on|at|upon) ",
    r"returned fire",
    r"unprovoked fire",
    r"(?:heavy|intense) firing",
    r"(?:military|security|intelligence[- ]based|"
    r"search|clearance|ground|counter[- ]?terrorism) operations?",
)
#: Words that mean violence only beside an armed actor ("operation", "attack", "fight").
WEAK_MEANS = _words(
    r"operations?",
    r"raids?",
    r"offensive",
    r"encounters?",
    r"fighting",
    r"fought",
    r"fights?",
    r"battles?",
    r"captur\w*",
    r"unrest",
    r"strikes?",
    r"struck",
    r"attack\w*",
    r"retaliat\w*",
    r"incursions?",
    r"infiltrat\w*",
    r"pound\w*",
    r"violence",
    r"insurgency",
    r"firing",
    r"fired",
    r"hostilities",
    r"crackdown",
    r"assault\w*",
    r"destroy\w*",
    r"hideouts?",
)
#: Ordinary uses of the weak words ("rescue operation", "doctors' strike").
WEAK_BLOCK = _words(
    r"rescue operations?",
    r"search and rescue",
    r"strike over",
    r"on strike",
    r"traders strike",
    r"doctors strike",
    r"transporters strike",
    r"wheel[- ]jam strike",
    r"shutter[- ]down strike",
    r"hunger strike",
)
#: Words that say someone was killed by someone (not "died").
VIOLENT_DEATH = _words(
    r"kill\w*",
    r"slain",
    r"slay\w*",
    r"murder\w*",
    r"shot",
    r"gunned",
    r"gun down",
    r"found dead",
    r"bod(?:y|ies) (?:of|were|was|found|recovered)",
    r"massacre\w*",
    r"martyr\w*",
    r"dead(?! level)",
    r"casualt\w*",
)
VIOLENCE_CIV = _words(
    r"gunmen",
    r"gunman",
    r"shot dead",
    r"gunned down",
    r"shot and killed",
    r"target(?:ed)? killings?",
    r"killed by unknown",
    r"massacre\w*",
    r"behead\w*",
    r"lynch\w*",
    r"assassinat\w*",
    r"tortur\w*",
    r"executed",
    r"opened fire",
    r"stabb\w*",
    r"torched",
    r"gun down",
    r"suicide attack\w*",
    r"terror(?:ist)? attack\w*",
    r"militant attack\w*",
    r"attack\w* (?:on|against) (?:a |an |the )?(?:[\w']+ ){0,2}(?:bus|buses|"
    r"mosques?|schools?|markets?|procession|pilgrims|worshippers|shrines?|"
    r"hotels?|church\w*|imambargahs?|rally|funeral|wedding|hospitals?|"
    r"offices?|homes?|houses?|vehicles?|cars?|villages?|civilians|polio)",
)
PROTEST = _words(
    r"protest\w*",
    r"demonstrat\w*",
    r"rall(?:y|ies)",
    r"sit[- ]in",
    r"dharna",
    r"marched",
    r"strike call",
    r"shutter[- ]down",
    r"wheel[- ]jam",
)
RIOT = _words(
    r"riot\w*",
    r"mob",
    r"violent protest\w*",
    r"protesters? (?:clash\w*|torch\w*|stormed)",
    r"set (?:on )?fire",
)
ARREST = _words(
    r"arrest\w*", r"detain\w*", r"nabbed", r"apprehend\w*", r"taken into custody", r"rounded up"
)
DISRUPTED = _words(
    r"defus\w*",
    r"foil\w*",
    r"bomb disposal",
    r"thwart\w*",
    r"(?:weapons|explosives|arms|ammunition) (?:were )?(?:recovered|seized)",
    r"(?:recovered|seized) (?:weapons|explosives|arms|ammunition)",
)
AGREEMENT = _words(
    r"ceasefire",
    r"cease[- ]fire",
    r"truce",
    r"peace (?:deal|agreement|accord)",
    r"(?:security|border|peace) (?:agreement|accord|pact)",
)
STRATEGIC = _words(
    r"ambassadors?",
    r"envoys?",
    r"charg[eé] d'affaires",
    r"peace talks",
    r"talks",
    r"negotiat\w*",
    r"jirga",
    r"border (?:closure|closed|shut|sealed|"
    r"reopen\w*)",
    r"(?:closed|shut|sealed|reopen\w*) (?:the )?(?:border|crossing|"
    r"gate)",
    r"crossing (?:closed|shut|reopen\w*)",
    r"(?:closed|shut) (?:for|to) "
    r"(?:traffic|trade|travellers|travelers)",
    r"summon\w*",
    r"recall\w*",
    r"take[sn]? (?:over )?control",
    r"took (?:over )?control",
    r"expel\w*",
    r"fenc(?:e|ing)",
    r"deport\w*",
    r"(?:established|set up) (?:a )?"
    r"(?:base|camp|headquarters)",
    r"took control",
    r"(?:captured|seized) "
    r"(?:the )?(?:district|town|area|territory|posts?)",
    r"handed over",
    r"security developments",
)
CASUALTY = _words(
    r"kill\w*",
    r"dead",
    r"died",
    r"dies",
    r"death\w*",
    r"toll",
    r"wounded",
    r"injur\w*",
    r"martyr\w*",
    r"casualt\w*",
    r"bodies",
    r"slain",
    r"lost (?:their|his|"
    r"her) lives?",
    r"perish\w*",
    r"hurt",
)
ARMED = _words(
    r"check[- ]posts?",
    r"al[- ]qaida",
    r"militan\w*",
    r"terroris\w*",
    r"insurgen\w*",
    r"taliban",
    r"taleban",
    r"ttp",
    r"daesh",
    r"isis",
    r"iskp",
    r"islamic state",
    r"al[- ]qa[ie]da",
    r"bla",
    r"blf",
    r"troops",
    r"soldiers?",
    r"army",
    r"military",
    r"security forces",
    r"security "
    r"personnel",
    r"police\w*",
    r"policem[ae]n",
    r"fc",
    r"frontier corps",
    r"levies",
    r"ctd",
    r"ispr",
    r"paramilitar\w*",
    r"rangers",
    r"gunm[ae]n",
    r"jihadi\w*",
    r"fighters",
    r"commanders?",
    r"khawarij",
    r"armed men",
    r"border (?:forces|guards)",
    r"extremists?",
    r"lashkar\w*",
    r"haqqani\w*",
    r"mujahideen",
    r"nato",
    r"drones?",
    r"checkposts?",
    r"check posts?",
    r"checkpoints?",
)
SPORT = _words(
    r"cricket",
    r"wickets?",
    r"innings",
    r"batsm[ae]n",
    r"batters?",
    r"batting",
    r"bowl\w*",
    r"t20",
    r"odi",
    r"tests?",
    r"world cup",
    r"tournament",
    r"league",
    r"football",
    r"hockey",
    r"squash",
    r"kabaddi",
    r"olympic\w*",
    r"medals?",
    r"psl",
    r"zalmi",
    r"gladiators",
    r"qalandars",
    r"sultans",
    r"kings",
    r"century",
    r"unbeaten",
    r"all out",
    r"chase",
    r"spinners?",
    r"spin attack",
    r"bowling attack",
    r"semi[- ]?finals?",
    r"finals?",
    r"match",
    r"series",
    r"trophy",
    r"champions?\w*",
    r"title",
    r"cup",
    r"goals?",
    r"knock(?:s|ed)? out",
    r"boxers?",
    r"wrestl\w*",
    r"marathon",
    r"polo",
    r"runs",
)
#: Contexts in which killing words are not conflict: accidents, disasters, sport, markets.
NON_CONFLICT = _words(
    r"locusts?",
    r"pests?",
    r"dead level",
    r"(?:factory|house|market|shop|"
    r"building|hotel|warehouse|forest) fires?",
    r"fire kills",
    r"accidents?",
    r"collid\w*",
    r"collision",
    r"plunged?",
    r"ravine",
    r"overturn\w*",
    r"road crash",
    r"bus crash",
    r"crashed",
    r"floods?",
    r"flash floods?",
    r"flooding",
    r"rains?",
    r"rainfall",
    r"downpour",
    r"landslides?",
    r"avalanches?",
    r"earthquakes?",
    r"quakes?",
    r"tremors?",
    r"lightning",
    r"roof collapse\w*",
    r"building collapse\w*",
    r"collapsed",
    r"gas (?:cylinder|leak\w*)",
    r"cylinder (?:blast|explosion)",
    r"boiler",
    r"short circuit",
    r"fire broke out",
    r"blaze",
    r"drown\w*",
    r"electrocut\w*",
    r"heat ?waves?",
    r"heatstroke",
    r"smog",
    r"dengue",
    r"cholera",
    r"measles",
    r"covid\w*",
    r"coronavirus",
    r"snow(?:fall|storm)?",
    r"storm",
    r"cyclone",
    r"mine collapse",
    r"coal mine",
    r"cricket",
    r"wickets?",
    r"innings",
    r"batsm[ae]n",
    r"batters?",
    r"bowl\w*",
    r"t20",
    r"odi",
    r"test (?:match|series)",
    r"world cup",
    r"squad",
    r"tournament",
    r"league",
    r"football",
    r"hockey",
    r"squash",
    r"kabaddi",
    r"olympic\w*",
    r"medals?",
    r"stock\w*",
    r"shares",
    r"index",
    r"rupee",
    r"dollar",
    r"inflation",
    r"imf",
    r"budget",
    r"exports?",
    r"imports?",
    r"prices?",
    r"gdp",
    r"polio",
    r"vaccinat\w*",
    r"elections?",
    r"polls?",
    r"vote\w*",
    r"ballot",
    r"film",
    r"drama",
    r"concert",
    r"festival",
    r"exhibition",
)
FOREIGN = _words(
    r"syria\w*",
    r"iraq\w*",
    r"gaza",
    r"israel\w*",
    r"palestin\w*",
    r"lebanon",
    r"ukrain\w*",
    r"russia\w*",
    r"yemen\w*",
    r"somalia\w*",
    r"nigeria\w*",
    r"sudan\w*",
    r"libya\w*",
    r"mali",
    r"myanmar",
    r"turkey",
    r"turkish",
    r"philippine\w*",
    r"kenya\w*",
    r"congo",
    r"mexic\w*",
    r"colombia\w*",
    r"manipur",
    r"chhattisgarh",
    r"bangladesh\w*",
    r"sri lanka\w*",
    r"nepal\w*",
    r"paris",
    r"london",
    r"france",
    r"germany",
    r"united states",
)
NEGATED_CASUALTIES = _words(
    r"no (?:one|body|casualties|injuries|deaths|loss of life)"
    r"(?: was| were)? (?:killed|hurt|injured|reported|harmed)?",
    r"no casualties",
    r"no one was (?:killed|hurt|injured)",
    r"without (?:any )?casualties",
    r"no loss of life",
)
CROSS_BORDER = _words(
    r"cross[- ]border",
    r"across the border",
    r"from across",
    r"durand line",
    r"from (?:the )?afghan (?:side|soil|territory)",
    r"from afghanistan",
    r"inside (?:afghan|pakistani) territory",
    r"into (?:afghanistan|pakistan)",
    r"afghan side",
    r"pakistani side",
    r"beyond the durand line",
    r"several points",
)
CLAIM = re.compile(
    r"\b(claim\w* (?:the )?responsibility|claimed|according to|spokes(?:man|person|woman)|"
    r"said in a statement|statement|said|says|told|confirmed|alleged|accused)\b",
    re.IGNORECASE,
)

_NUM = NUMBER_PATTERN
_QUAL = r"(?:at least|nearly|almost|about|around|some|up to|more than|over|as many as|over)\s+"
_DEATH = (
    r"(?:killed|dead|die[ds]|slain|martyred|lost their lives|perished|"
    r"shot dead|gunned down|were killed|have been killed|had been killed)"
)
_HURT = r"(?:injured|wounded|hurt)"
_RANGE = re.compile(
    rf"\b(?:between\s+)?({_NUM})\s*(?:-|to|and|\u2013)\s*({_NUM})\s+(?:\w+\s+){{0,3}}?"
    rf"(?:{_DEATH})"
)
_GAP = r"(?:[\s,]+(?!and\b)(?!\d)(?!(?:killed|dead|injured|wounded|hurt|martyred)\b)[\w'-]+)"
_BEFORE_DEATH = re.compile(
    rf"(?:\b{_QUAL})?\b({_NUM})\b{_GAP}{{0,5}}?\s+"
    rf"(?:were |are |have been |had been |was |reportedly |)?{_DEATH}\b",
)
_AFTER_KILL = re.compile(
    rf"\b(?:kill(?:s|ed|ing)?|claim(?:s|ed)? the lives of|left|leaves|"
    rf"leaving|martyr(?:s|ed)|slew|slays)\s+(?:{_QUAL})?({_NUM})\b",
)
_TOLL = re.compile(
    rf"\b(?:death toll|toll)\b(?:(?:\s+\w+){{0,4}}?\s+(?:to|at|of|reaches|hits|"
    rf"reached|climbs to|rises to|risen to|jumps to))?\s+(?:{_QUAL})?({_NUM})\b",
)
_AMONG = re.compile(
    rf"\bamong\s+(?:the\s+)?(?:{_QUAL})?({_NUM})\b(?:\s+[\w'-]+){{0,3}}?\s+"
    rf"(?:people\s+)?{_DEATH}"
)
_LIVES = re.compile(
    rf"\bclaim(?:s|ed)?\s+(?:{_QUAL})?({_NUM})\s+(?:more\s+)?lives\b",
)
_BEFORE_HURT = re.compile(
    rf"(?:\b{_QUAL})?\b({_NUM})\b{_GAP}{{0,4}}?\s+"
    rf"(?:were |are |others |other people |people |)?{_HURT}\b",
)
_AFTER_HURT = re.compile(
    rf"\b(?:injur(?:es|ed|ing)|wound(?:s|ed|ing))\s+(?:{_QUAL})?({_NUM})\b",
)
_SINGLE_VICTIM = re.compile(
    rf"\b(?:a |an |one )?(?:policeman|police officer|soldier|officer|civilian|child|boy|girl|"
    rf"woman|man|cleric|elder|leader|commander|journalist|student|teacher|worker|militant|"
    rf"terrorist|guard|sepoy|official|trader|doctor|judge|lawyer|politician|sikh|jawan|cop|"
    rf"militiaman|constable|subedar|major|captain|colonel|lieutenant|havaldar|naik|person|"
    rf"(?:\w+ )?(?:man|person|member|personnel))\s+"
    rf"(?:was |is |has been |)?{_DEATH}\b",
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY = re.compile(r"\b(?:on |late |early |last |)(" + "|".join(_WEEKDAYS) + r")\b")
_YESTERDAY = re.compile(r"\b(yesterday|last night|overnight)\b")
_LAST_WEEK = re.compile(r"\b(last week|earlier this week|this week|past week)\b(?!'s| s\b)")
_LAST_MONTH = re.compile(r"\b(last month|earlier this month|this month)\b")
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
_EXPLICIT = re.compile(
    r"\b(?:on\s+)?(?:(\d{1,2})(?:st|nd|rd|th)?\s+("
    + "|".join(_MONTHS)
    + r")|("
    + "|".join(_MONTHS)
    + r")\s+(\d{1,2})(?:st|nd|rd|th)?)\b"
)

_VIOLENT_TYPES = frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"})


def load_actors(path: Path | None = None) -> list[tuple[ActorSpec, list[str]]]:
    """The curated actor list (``data/actors.toml``)."""
    source = path or Path(__file__).with_name("data") / "actors.toml"
    raw = tomllib.loads(source.read_text(encoding="utf-8"))
    actors = []
    for entry in raw["actor"]:
        spec = ActorSpec(
            id=entry["id"],
            name=entry["name"],
            kind=entry["kind"],
            country=entry.get("country", ""),
            sectarian=bool(entry.get("sectarian")),
        )
        actors.append((spec, list(entry["aliases"])))
    return actors


class Extractor:
    """Rule-based incident extraction."""

    def __init__(self, actors: list[tuple[ActorSpec, list[str]]] | None = None) -> None:
        specs = actors if actors is not None else load_actors()
        self.actor_specs = {spec.id: spec for spec, _ in specs}
        self._actors: PhraseMatcher[ActorSpec] = PhraseMatcher(
            (alias, spec) for spec, aliases in specs for alias in aliases
        )

    def extract(
        self,
        text: str,
        *,
        published: datetime,
        location: Location | None,
        countries: Sequence[str] = (),
    ) -> Extraction:
        """Read one report. ``countries``: AF/PK named in the text (context words)."""
        low = text.lower()
        event_date, time_precision = event_date_of(low, published)
        mentions = self._actors.find(text)
        # What happened, and how many died, is read without the clauses about an earlier
        # event ("in retaliation for last week's airstrikes that killed 46").
        own = blank_spans(low, earlier_event_spans(low))
        relevant, reason, event_type, sub_type = classify(own, location, countries, mentions)
        if not relevant and own is not low:
            relevant, reason, event_type, sub_type = classify(low, location, countries, mentions)
        fatalities, frange = count_fatalities(own) if relevant else (None, None)
        injured = count_injured(own) if relevant else None
        actors = self._roles(text, mentions, location, countries, event_date, event_type)
        cross, direction = _cross_border(low, actors, location) if relevant else (False, None)
        claim = _claim(text, actors) if relevant else None
        sectarian = any(a.sectarian for a in actors)
        return Extraction(
            relevant=relevant,
            event_type=event_type,
            sub_event_type=sub_type,
            actors=actors,
            fatalities=fatalities,
            fatalities_range=frange,
            injured=injured,
            cross_border=cross,
            direction=direction,
            event_date=event_date,
            time_precision=time_precision,
            claim=claim,
            sectarian=sectarian,
            reason=reason,
        )

    def _roles(
        self,
        text: str,
        mentions: list[Match[ActorSpec]],
        location: Location | None,
        countries: Sequence[str],
        event_date: date,
        event_type: str | None,
    ) -> tuple[Actor, ...]:
        if not mentions:
            return ()
        verb = _main_verb(text)
        side = (
            (location.side or location.country)
            if location is not None
            else (countries[0] if len(countries) == 1 else None)
        )
        actors: list[Actor] = []
        seen: set[tuple[str, str]] = set()
        for m in mentions:
            spec = m.value
            name, ident, country = spec.name, spec.id, spec.country or None
            if spec.id == "state-forces":
                if side == "AF":
                    ident, name, country = "af-forces", self.actor_specs["af-forces"].name, "AF"
                elif side == "PK":
                    ident, name, country = "pk-forces", self.actor_specs["pk-forces"].name, "PK"
            if ident == "af-forces":
                name = (
                    "Afghan Taliban forces (IEA)"
                    if event_date >= IEA_TAKEOVER
                    else "Afghan government forces"
                )
            if spec.id == "militants" and m.text.lower() in ("taliban", "taleban"):
                if side == "PK":
                    ident, name, country = "ttp", self.actor_specs["ttp"].name, "PK"
                elif side == "AF" and event_date >= IEA_TAKEOVER:
                    ident, name, country = "af-forces", "Afghan Taliban forces (IEA)", "AF"
                elif side == "AF":
                    ident, name, country = "taliban", "Taliban (insurgency)", "AF"
            role = _role(text, m, verb)
            if role != "source" and any(i == ident and r != "source" for i, r in seen):
                continue
            if (ident, role) in seen:
                continue
            seen.add((ident, role))
            actors.append(
                Actor(
                    id=ident,
                    name=name,
                    kind=spec.kind,
                    country=country,
                    role=role,
                    text=m.text,
                    sectarian=spec.sectarian,
                )
            )
        if not any(a.role == "actor1" for a in actors):
            # "militants killed in a clash with security forces": the forces acted.
            for n, a in enumerate(actors):
                if (
                    a.role == "actor2"
                    and a.kind in ("state", "external")
                    and len([x for x in actors if x.role == "actor2"]) > 1
                ):
                    actors[n] = replace(a, role="actor1")
                    break
        actors.sort(key=lambda a: ({"actor1": 0, "actor2": 1}.get(a.role, 2), a.role))
        return tuple(actors)


def classify(
    low: str,
    location: Location | None,
    countries: Sequence[str],
    mentions: Sequence[Match[ActorSpec]],
) -> tuple[bool, str, str | None, str | None]:
    """Relevance, the reason, event type and sub-type (ACLED)."""
    armed = bool(ARMED.search(low)) or any(
        m.value.kind in ("state", "rebel", "external") for m in mentions
    )
    blocked = bool(NON_CONFLICT.search(low) or SPORT.search(low))
    if FOREIGN.search(low) and location is None and not countries:
        return False, "placed outside Afghanistan and Pakistan", None, None
    protest = _protest_type(low)
    if protest is not None and _PROTEST_OBJECT.search(low) and not VIOLENT_DEATH.search(low):
        # "tribesmen protest against the military operation": the violence is the subject.
        return _protest(low, protest, armed, blocked)
    event_type, sub_type = _violent_type(low)
    if event_type is not None and sub_type is not None:
        if blocked and not armed:
            return False, "an accident, disaster, sport or market story, not an attack", None, None
        return True, f"means of violence: {sub_type.lower()}", event_type, sub_type
    protest = _protest_type(low)
    if protest is not None and not VIOLENT_DEATH.search(low):
        return _protest(low, protest, armed, blocked)
    weak = WEAK_MEANS.search(low) and not WEAK_BLOCK.search(low)
    death = VIOLENT_DEATH.search(low) and not NEGATED_CASUALTIES.search(low)
    if (
        not (weak or death)
        and armed
        and CASUALTY.search(low)
        and not NEGATED_CASUALTIES.search(low)
    ):
        death = True  # "three militants die", "succumbs to injuries", "bodies"
    fighting = re.search(r"\b(fighting|battles? rag\w*|hostilities|gun ?battles?)\b", low)
    if fighting and location is not None and not blocked:
        return True, "fighting in the area", "Battles", "Armed clash"
    if (weak and armed) or death:
        if blocked and not (armed and (death or weak)):
            return False, "deaths in an accident, disaster or game, not in conflict", None, None
        if blocked and not re.search(
            r"\b(militan|terroris|insurgen|taliban|taleban|ttp|gunm)", low
        ):
            return False, "an accident, disaster, sport or market story, not an attack", None, None
        kinds = {m.value.kind for m in mentions} & {"state", "rebel", "external"}
        if len(kinds) >= 2 or (
            re.search(r"\b(militants?|terrorists?|insurgents?|extremists?|taliban|taleban)\b", low)
            and re.search(r"\b(troops|forces|soldiers|army|police|security)\b", low)
        ):
            return True, "fighting between armed actors", "Battles", "Armed clash"
        if weak and armed and not death:
            return True, "armed action", "Battles", "Armed clash"
        return True, "violent deaths", "Violence against civilians", "Attack"
    protest = _protest_type(low)
    if protest is not None:
        return _protest(low, protest, armed, blocked)
    strategic = _strategic_type(low, armed)
    if strategic is not None and not SPORT.search(low):
        return True, "strategic development", "Strategic developments", strategic
    return False, "no violent or security event named", None, None


_PROTEST_OBJECT = re.compile(
    r"\b(?:protest\w*|rall(?:y|ies|ied)|demonstrat\w*|sit[- ]in)\b.{0,40}?"
    r"\b(?:against|over|condemn\w*|demanding|about)\b"
)


def _protest(
    low: str, protest: tuple[str, str], armed: bool, blocked: bool
) -> tuple[bool, str, str | None, str | None]:
    """Protests count when they are about security (operations, killings, the border)."""
    if blocked or not (
        armed
        or CASUALTY.search(low)
        or re.search(
            r"\b(border|military|operation|drone|taliban|ttp|killing|missing persons|"
            r"disappear\w*|insecurity|terror\w*|peace)\b",
            low,
        )
    ):
        return False, "a protest about an ordinary matter", None, None
    return True, "protest about security", protest[0], protest[1]


def _violent_type(low: str) -> tuple[str | None, str | None]:
    if SUICIDE.search(low):
        return "Explosions/Remote violence", "Suicide bomb"
    if AIR.search(low) and not re.search(r"\bair force (?:chief|academy|day|show)", low):
        return "Explosions/Remote violence", "Air/drone strike"
    if SHELLING.search(low):
        return "Explosions/Remote violence", "Shelling/artillery/missile attack"
    if GRENADE.search(low):
        return "Explosions/Remote violence", "Grenade"
    if EXPLOSIVE.search(low) and not DISRUPTED.search(low):
        return "Explosions/Remote violence", "Remote explosive/landmine/IED"
    if ABDUCTION.search(low):
        return "Violence against civilians", "Abduction/forced disappearance"
    if RIOT.search(low) and PROTEST.search(low):
        return "Riots", "Violent demonstration"
    if CLASH.search(low):
        return "Battles", "Armed clash"
    if VIOLENCE_CIV.search(low):
        return "Violence against civilians", "Attack"
    return None, None


def _protest_type(low: str) -> tuple[str, str] | None:
    if RIOT.search(low):
        return "Riots", "Violent demonstration" if PROTEST.search(low) else "Mob violence"
    if PROTEST.search(low):
        return "Protests", "Peaceful protest"
    return None


def _strategic_type(low: str, armed: bool) -> str | None:
    if DISRUPTED.search(low) and (armed or EXPLOSIVE.search(low)):
        return "Disrupted weapons use"
    if ARREST.search(low) and armed:
        return "Arrests"
    if AGREEMENT.search(low) and (armed or re.search(r"\b(afghan|pakistan|border|taliban)", low)):
        return "Agreement"
    if re.search(
        r"\b(trade|transit|railway|economic|investment|mining|visa|tourism|power "
        r"import|electricity|cricket|exports?|imports?)\b",
        low,
    ):
        return None
    if STRATEGIC.search(low) and re.search(
        r"\b(afghan\w*|pakistan\w*|kabul|islamabad|border|torkham|chaman|taliban|ttp|durand)\b",
        low,
    ):
        if re.search(r"\b(took control|captured|seized)\b", low):
            return "Non-violent transfer of territory"
        if re.search(r"\b(established|set up)\b", low):
            return "Headquarters or base established"
        return "Other"
    return None


def count_fatalities(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """Deaths stated in the text: (figure, (low, high)) or (None, None) when unknown."""
    text = text.lower()
    per_segment: list[tuple[int, int]] = []
    for segment in re.split(r"[;|]", text):
        found = _segment_deaths(segment)
        if found is not None:
            per_segment.append(found)
    if not per_segment:
        if NEGATED_CASUALTIES.search(text):
            return 0, (0, 0)
        return None, None
    low = max(p[0] for p in per_segment)
    high = max(p[1] for p in per_segment)
    return low, (low, high)


def _segment_deaths(segment: str) -> tuple[int, int] | None:
    toll = [parse_number(m.group(1)) for m in _TOLL.finditer(segment)]
    toll_values = [v for v in toll if v is not None]
    if toll_values:
        return max(toll_values), max(toll_values)
    for pattern in (_AMONG, _LIVES):
        found = [parse_number(m.group(1)) for m in pattern.finditer(segment)]
        if any(v is not None for v in found):
            best = max(v for v in found if v is not None)
            return best, best
    for m in _RANGE.finditer(segment):
        a, b = parse_number(m.group(1)), parse_number(m.group(2))
        if a is not None and b is not None and a < b:
            return a, b
    values: list[int] = []
    spans: list[tuple[int, int]] = []
    for m in _BEFORE_DEATH.finditer(segment):
        value = parse_number(m.group(1))
        if value is None or _looks_like_date(segment, m.start(1), m.end(1)):
            continue
        # "five militants, soldier killed": a singular victim listed before the verb.
        extra = (
            1
            if re.search(
                r",\s*(?:a |one )?(?:soldier|policeman|civilian|child|officer)\b", m.group(0)
            )
            else 0
        )
        # Numbers of the same clause joined by commas ("two soldiers, three militants killed").
        values.append(value + extra + _more_numbers(m.group(0), m.group(1)))
        spans.append(m.span())
    for m in _AFTER_KILL.finditer(segment):
        value = parse_number(m.group(1))
        if value is not None and not any(a <= m.start(1) < b for a, b in spans):
            values.append(value)
    if not values:
        single = _SINGLE_VICTIM.search(segment)
        if single:
            return 1, 1
        return None
    best = max(values)
    return best, best


def _more_numbers(clause: str, first: str) -> int:
    rest = clause[clause.lower().find(first.lower()) + len(first) :]
    total = 0
    for m in re.finditer(rf",\s*({_NUM})\s+\w+", rest):
        value = parse_number(m.group(1))
        if value is not None:
            total += value
    return total


_YEAR = re.compile(r"(?:19[5-9]|20[0-9])[0-9]")
_VICTIMS_AFTER = re.compile(
    r"\s+(?:people|persons|civilians|militants|soldiers|troops|terrorists|insurgents|"
    r"fighters|police\w*|men|women|children|dead|killed)\b"
)


def _looks_like_date(segment: str, start: int, end: int) -> bool:
    after = segment[end : end + 12].lower()
    before = segment[max(0, start - 10) : start].lower()
    if _YEAR.fullmatch(segment[start:end]) and (
        not _VICTIMS_AFTER.match(segment, end)
        or re.search(r"\b(?:in|since|during|until|from|by|of|early|late|mid)[- ]$", before)
    ):
        return True  # "the 2025 attack", "in 2014 militants killed"
    return bool(
        re.match(r"\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|gmt|pm|am|km)", after)
        or re.search(
            r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|"
            r"dec)\w*\s*$",
            before,
        )
    )


def count_injured(text: str) -> int | None:
    """People injured or wounded, or None."""
    text = text.lower()
    values = []
    for pattern in (_BEFORE_HURT, _AFTER_HURT):
        for m in pattern.finditer(text):
            value = parse_number(m.group(1))
            if value is not None and not _looks_like_date(text, m.start(1), m.end(1)):
                values.append(value)
    return max(values) if values else None


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


_VERB = re.compile(
    r"\b(kill\w*|attack\w*|strik\w*|struck|target\w*|ambush\w*|bomb\w*|shell\w*|raid\w*|"
    r"abduct\w*|kidnap\w*|fired|fires|firing|hit|hits|pound\w*|shot|gunned|behead\w*|"
    r"storm\w*|clash\w*|retaliat\w*|arrest\w*|detain\w*|executed|martyr\w*)\b",
    re.IGNORECASE,
)
_ACTIVE_AFTER = re.compile(
    r"\s*(?:have |had |has |)(attack\w*|kill\w*|strik\w*|struck|target\w*|ambush\w*|bomb\w*|"
    r"shell\w*|raid\w*|abduct\w*|kidnap\w*|fired|fire|opened fire|hit|hits|pound\w*|shot|"
    r"gunned|storm\w*|clash\w*|retaliat\w*|arrest\w*|detain\w*|behead\w*|repuls\w*|"
    r"launch\w*|carr\w+ out|destroy\w*|seiz\w*|captur\w*)\b(\s+\w+)?",
    re.IGNORECASE,
)
_PREPOSITIONS = frozenset(
    {
        "in",
        "during",
        "as",
        "by",
        "near",
        "after",
        "when",
        "while",
        "on",
        "at",
        "and",
        "amid",
        "following",
        "for",
        "from",
        "with",
    }
)
_SPOKE = re.compile(
    r"\s*(?:spokes\w+\s+|officials?\s+|sources?\s+)?(?:say|says|said|claim\w*|"
    r"told|confirm\w*|report\w*|allege\w*|accus\w*|den(?:y|ies|ied)|warn\w*|blam\w*|"
    r"vow\w*|condemn\w*)\b",
    re.IGNORECASE,
)
_TARGETED_BEFORE = re.compile(
    r"\b(?:kill\w*|attack\w*|target\w*|ambush\w*|abduct\w*|"
    r"kidnap\w*|struck|hit|hits|shot|arrest\w*|detain\w*|behead\w*)"
    r"\s+(?:\w+\s+){0,3}$",
    re.IGNORECASE,
)
_PASSIVE = re.compile(r"\b(?:by|from)\s+$", re.IGNORECASE)
_TARGET_OF = re.compile(r"\b(?:on|against|targeting|at)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


def _main_verb(text: str) -> re.Match[str] | None:
    return _VERB.search(text)


def _role(text: str, mention: Match[ActorSpec], verb: re.Match[str] | None) -> str:
    """actor1 (acts), actor2 (target) or "source" (a party speaking about the event)."""
    after = text[mention.end : mention.end + 60]
    if _SPOKE.match(after):
        # A group that claims an attack carried it out; anyone else is a source.
        claims = re.match(r"\s*claim", after, re.IGNORECASE)
        return "actor1" if claims and mention.value.kind == "rebel" else "source"
    before = text[max(0, mention.start - 12) : mention.start]
    if _PASSIVE.search(before):
        return "actor1"
    if _TARGET_OF.search(text[max(0, mention.start - 30) : mention.start]):
        return "actor2"
    if mention.value.kind == "civilians":
        return "actor2"
    if re.match(r"(?:\s+\w+){0,4}?\s+(?:came|come|comes|were|was) under\b", after, re.IGNORECASE):
        return "actor2"
    active = _ACTIVE_AFTER.match(after)
    if active:
        word = active.group(1).lower()
        following = (active.group(2) or "").strip().lower()
        passive = word.endswith("ed") and (not following or following in _PREPOSITIONS)
        return "actor2" if passive else "actor1"
    if _TARGETED_BEFORE.search(text[max(0, mention.start - 40) : mention.start]):
        return "actor2"
    if verb is None:
        return "actor1"
    return "actor1" if mention.start < verb.start() else "actor2"


def _cross_border(
    low: str, actors: Sequence[Actor], location: Location | None
) -> tuple[bool, str | None]:
    """Whether one side acted on the other, and the direction ("PK->AF" or "AF->PK").

    The actor is from one country and the place, or the target, is in the other; or the
    text says the action crossed the line ("from across the border", "Durand Line"), in
    which case it came from the other side into the place named.
    """
    side = (location.side or location.country) if location is not None else None
    forces = ("pk-forces", "af-forces")
    acting = [a for a in actors if a.role == "actor1" and a.id in forces]
    if not acting:
        # "Pakistani airstrikes in Paktika": the means names the side that acted.
        acting = [
            a
            for a in actors
            if a.id in forces
            and re.search(
                r"strike|shell|fire|bomb|drone|jets|aircraft|retaliat", a.text, re.IGNORECASE
            )
        ]
    targets = [a for a in actors if a.role == "actor2" and a.id in forces]
    for actor in acting:
        if side in ("AF", "PK") and actor.country and actor.country != side:
            return True, f"{actor.country}->{side}"
        for target in targets:
            if target.country and actor.country and target.country != actor.country:
                return True, f"{actor.country}->{target.country}"
    if not CROSS_BORDER.search(low):
        return False, None
    if targets and not acting:
        victim = targets[0].country
        return True, f"{'AF' if victim == 'PK' else 'PK'}->{victim}"
    if acting and acting[0].country in ("AF", "PK"):
        origin = acting[0].country
        return True, f"{origin}->{'AF' if origin == 'PK' else 'PK'}"
    if re.search(r"from (?:the )?afghan (?:side|soil|territory)|from afghanistan", low):
        return True, "AF->PK"
    if re.search(r"from (?:the )?pakistani (?:side|soil|territory)|from pakistan", low):
        return True, "PK->AF"
    if side in ("AF", "PK"):
        return True, f"{'AF' if side == 'PK' else 'PK'}->{side}"
    return True, None


def _claim(text: str, actors: Sequence[Actor]) -> Claim | None:
    parties = [a for a in actors if a.kind in ("state", "rebel", "external")]
    for m in CLAIM.finditer(text):
        window_start = max(0, m.start() - 80)
        near = [a for a in parties if text.find(a.text, window_start, m.end() + 80) >= 0]
        if not near:
            continue
        kind = (
            "responsibility"
            if "responsib" in m.group(1).lower()
            or (m.group(1).lower() == "claimed" and any(a.kind == "rebel" for a in near))
            else "statement"
        )
        sentence_start = max(text.rfind(".", 0, m.start()) + 1, text.rfind(";", 0, m.start()) + 1)
        end_candidates = [i for i in (text.find(".", m.end()), text.find(";", m.end())) if i >= 0]
        sentence_end = min(end_candidates) if end_candidates else len(text)
        quote = text[sentence_start:sentence_end].strip()
        start = text.find(quote, sentence_start)
        return Claim(
            party=near[0].name, kind=kind, start=start, end=start + len(quote), quote=quote
        )
    return None


def is_violent(event_type: str | None) -> bool:
    """Battles, explosions/remote violence and violence against civilians."""
    return event_type in _VIOLENT_TYPES
