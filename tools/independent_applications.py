"""Independent application files for issue #13: real-looking applications with fabricated ones mixed in.

Written as a lender's data team would receive a feed, by someone who has not seen creditloop's checks: only the
input schema (``strategy/application.py``) was read. Standard library only, fixed seeds, so the files are the
same on every run:

    python tools/independent_applications.py            # writes tests/data/applications/independent_v1.*
    python tools/independent_applications.py --measure decisions.csv [decisions.jsonl ...]

Outputs: ``independent_v1.csv`` (~3,000 rows), ``independent_v1.jsonl`` (~200 rows, another seed, JSON numbers
for some amounts and a few rows that break the schema) and ``independent_v1_labels.csv`` (application_id,
fabricated, kind, note) for both. The kinds and how they are made are in docs/origination/independent.md.
``--measure`` reads decision files of ``creditloop origination decide`` and prints recall per kind and the
genuine flag rate as JSON.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from independent_tables import (  # a script next to its tables
    BAD_PROVINCES,
    BUSINESS_WORDS,
    CITIES,
    GIVEN_CHARS,
    LARGE_EMPLOYERS,
    MOBILE_PREFIXES,
    MVNO_PREFIXES,
    PUBLIC_EMPLOYERS,
    ROADS,
    SECTORS,
    SURNAMES,
    TIER_INCOME,
    TIER_WEIGHTS,
    TRADE_NAMES,
)

OUT_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "applications"
CST = timezone(timedelta(hours=8))
START = datetime(2026, 3, 2, tzinfo=CST)  # a three-week feed: 2 to 22 March 2026
DAYS = 21
REQUIRED = (
    "application_id", "applied_at", "channel", "name", "id_number", "birth_date", "phone", "device_id", "city",
    "city_tier", "employer", "sector", "monthly_income", "monthly_debt_payments", "other_lenders",
    "requested_limit", "consent_bureau", "consent_sharing",
)  # fmt: skip
OPTIONAL = ("household_size", "employer_address", "verified_income")
CHANNELS = {"app": 0.55, "checkout": 0.18, "partner": 0.12, "web": 0.08, "agent": 0.04, "branch": 0.03}
# Applications by local hour: few at night, a lunch bump and an evening peak (shopping after work).
HOURS = (2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 9, 8, 7, 7, 7, 7, 8, 10, 12, 13, 11, 6)
WEIGHTS_ID = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """GB 11643-1999: weighted sum of the first 17 digits mod 11 -> the 18th character."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS_ID, strict=True)) % 11]


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    birth_date: date
    city: str
    sector: str
    employer: str
    employer_address: str
    income: Decimal  # what the person really earns per month, yuan
    household: int
    phone: str
    device: str


@dataclass
class App:
    """One application row before formatting; ``kind``/``note`` go to the labels file only."""

    key: int
    at: datetime
    person: Person
    channel: str
    income: Decimal
    debt: Decimal
    lenders: int
    requested: Decimal
    consent_bureau: bool = True
    consent_sharing: bool = True
    verified: Decimal | None = None
    show_address: bool = True
    kind: str = "genuine"
    note: str = ""
    ref: int | None = None  # the row this one copies or follows (stolen identity, duplicate, re-application)
    stated_birth: date | None = None
    city: str | None = None  # stated city when it differs from the person's


def experience(age: float, sector: str) -> float:
    """Pay by age relative to the sector median (a starting wage well below, a plateau from about 30)."""
    if sector in ("student", "retired"):
        return 1.0
    if age < 23:
        return 0.72
    if age < 26:
        return 0.85
    if age < 30:
        return 0.97
    return 1.06 if age < 46 else 0.96


class Gen:
    """The random source and the state that keeps identifiers unique and employers shared."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.phones: set[str] = set()
        self.devices: set[str] = set()
        self.ids: set[str] = set()
        self.smes: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.addresses: dict[str, str] = {}
        self.apps: list[App] = []

    # identifiers -------------------------------------------------------------------------------------------
    def phone(self, mvno: bool = False) -> str:
        while True:
            prefix = self.rng.choice(MVNO_PREFIXES if mvno else MOBILE_PREFIXES)
            value = prefix + f"{self.rng.randrange(10**8):08d}"
            if value not in self.phones:
                self.phones.add(value)
                return value

    def device(self) -> str:
        while True:
            if self.rng.random() < 0.27:  # iOS identifierForVendor
                h = f"{self.rng.getrandbits(128):032X}"
                value = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            else:  # Android ANDROID_ID
                value = f"{self.rng.getrandbits(64):016x}"
            if value not in self.devices:
                self.devices.add(value)
                return value

    def id_number(self, region: str, birth: date) -> str:
        while True:
            first17 = f"{region}{birth:%Y%m%d}{self.rng.randrange(1, 1000):03d}"
            value = first17 + check_char(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def name(self) -> str:
        weights = [1 / (i + 4) for i in range(len(SURNAMES))]
        surname = self.rng.choices(SURNAMES, weights)[0]
        n = 2 if self.rng.random() < 0.68 else 1
        return surname + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(n))

    # people ------------------------------------------------------------------------------------------------
    def city(self, tier: int | None = None) -> str:
        tier = tier or self.rng.choices(list(TIER_WEIGHTS), list(TIER_WEIGHTS.values()))[0]
        return self.rng.choice([c for c, (t, _) in CITIES.items() if t == tier])

    def region_for(self, city: str) -> str:
        """Hukou region: the city's own districts, except migrants in big cities (hukou in a smaller one)."""
        tier, codes = CITIES[city]
        if tier <= 2 and self.rng.random() < 0.08:
            home = self.city(self.rng.choice((3, 4, 4)))
            return self.rng.choice(CITIES[home][1])
        return self.rng.choice(codes)

    def age(self, sector: str) -> float:
        if sector == "student":
            return self.rng.uniform(18.05, 24.0)
        if sector == "retired":
            return self.rng.uniform(55.0, 63.0)
        return min(58.0, 18.05 + self.rng.gammavariate(2.3, 5.0))

    def employer(self, city: str, sector: str) -> tuple[str, str]:
        large = [(n, a) for c, s, n, a in LARGE_EMPLOYERS if c == city and s == sector]
        if large and self.rng.random() < 0.6:
            return self.rng.choice(large)
        pool = self.smes.setdefault((city, sector), [])
        # A new small employer, or one already seen (Chinese-restaurant process: a few employ many).
        if pool and self.rng.random() < len(pool) / (len(pool) + 6):
            return self.rng.choice(pool)
        made = (self._sme_name(city, sector), self.address(city))
        pool.append(made)
        return made

    def _sme_name(self, city: str, sector: str) -> str:
        if sector in PUBLIC_EMPLOYERS:
            unit = self.rng.choice(PUBLIC_EMPLOYERS[sector])
            if unit == "退休":
                return unit
            if unit.endswith("银行"):
                return f"{unit}股份有限公司{city}分行"
            return f"{city}{unit}" if unit.endswith(("大学", "学院")) else f"{city}市{unit}"
        if sector == "self_employed":
            return self.rng.choice((f"{city}市{self.rng.choice(TRADE_NAMES)}便利店", "个体经营", "个体工商户"))
        words = BUSINESS_WORDS.get(sector, ("有限公司",))
        return f"{city}市{self.rng.choice(TRADE_NAMES)}{self.rng.choice(words)}"

    def address(self, city: str) -> str:
        return f"{city}市{self.rng.choice(ROADS)}{self.rng.randrange(1, 900)}号"

    def income_for(self, city: str, sector: str, age: float) -> Decimal:
        _, median, sd = SECTORS[sector]
        tier = CITIES[city][0]
        scale = TIER_INCOME[tier] ** (0.5 if sector in ("student", "retired") else 1.0)
        value = median * scale * experience(age, sector) * self.rng.lognormvariate(0.0, sd)
        return Decimal(max(800, round(value)))

    def person(self, city: str | None = None, sector: str | None = None, age: float | None = None) -> Person:
        sector = sector or self.rng.choices(list(SECTORS), [v[0] for v in SECTORS.values()])[0]
        city = city or self.city(4 if sector == "agriculture" and self.rng.random() < 0.7 else None)
        age = age if age is not None else self.age(sector)
        birth = START.date() - timedelta(days=round(age * 365.2425) + self.rng.randrange(0, 20))
        employer, address = self.employer(city, sector)
        household = 1 if sector == "student" else self.rng.choices(range(1, 7), (22, 25, 28, 17, 6, 2))[0]
        return Person(
            name=self.name(),
            id_number=self.id_number(self.region_for(city), birth),
            birth_date=birth,
            city=city,
            sector=sector,
            employer=employer,
            employer_address=address,
            income=self.income_for(city, sector, age),
            household=household,
            phone=self.phone(mvno=self.rng.random() < 0.01),
            device=self.device(),
        )

    # applications ------------------------------------------------------------------------------------------
    def instant(self, day: int | None = None) -> datetime:
        day = self.rng.randrange(DAYS) if day is None else day
        hour = self.rng.choices(range(24), HOURS)[0]
        return START + timedelta(days=day, hours=hour, minutes=self.rng.randrange(60), seconds=self.rng.randrange(60))

    def declared(self, income: Decimal) -> Decimal:
        """People round what they earn: to 1,000 or 500 mostly, sometimes to 100, a few copy a payslip."""
        r = self.rng.random()
        if r < 0.10:
            return (income + Decimal(self.rng.randrange(100)) / 100).quantize(Decimal("0.01"))
        step = 1000 if r < 0.45 else 500 if r < 0.80 else 100
        return Decimal(max(step, int((income / step).quantize(Decimal(1), ROUND_HALF_UP)) * step))

    def debts(self, person: Person) -> tuple[int, Decimal]:
        share = 0.25 if person.sector == "student" else 0.45
        if self.rng.random() >= share:
            return 0, Decimal(0)
        lenders = 1
        while lenders < 6 and self.rng.random() < 0.45:
            lenders += 1
        monthly = float(person.income) * self.rng.uniform(0.05, 0.12) * lenders**0.7
        monthly = min(monthly, float(person.income) * 0.55)
        if self.rng.random() < 0.5:  # an instalment schedule is rarely round
            return lenders, Decimal(f"{monthly:.2f}")
        return lenders, Decimal(max(100, round(monthly / 100) * 100))

    def requested(self, person: Person) -> Decimal:
        if person.sector == "student":
            return Decimal(self.rng.choice((500, 1000, 1500, 2000, 3000, 5000)))
        if self.rng.random() < 0.12:
            return Decimal(self.rng.choice((10000, 20000, 30000, 50000)))
        value = float(person.income) * self.rng.uniform(0.6, 3.0)
        step = 1000 if value >= 5000 else 500
        return Decimal(min(50000, max(1000, round(value / step) * step)))

    def application(self, person: Person, at: datetime | None = None, **extra: Any) -> App:
        lenders, debt = self.debts(person)
        sharing = self.rng.random() < 0.88
        verified = None
        if sharing and person.sector not in ("student", "self_employed", "agriculture") and self.rng.random() < 0.4:
            verified = (person.income * Decimal(str(self.rng.uniform(0.80, 1.0)))).quantize(Decimal("0.01"))
        values: dict[str, Any] = {
            "key": len(self.apps),
            "at": at or self.instant(),
            "person": person,
            "channel": self.rng.choices(list(CHANNELS), list(CHANNELS.values()))[0],
            "income": self.declared(person.income),
            "debt": debt,
            "lenders": lenders,
            "requested": self.requested(person),
            "consent_bureau": self.rng.random() < 0.985,
            "consent_sharing": sharing,
            "verified": verified,
            "show_address": self.rng.random() < 0.62,
        }
        values.update(extra)
        app = App(**values)
        self.apps.append(app)
        return app

    def copy(self, app: App, **changes: Any) -> App:
        made = replace(app, key=len(self.apps), **changes)
        self.apps.append(made)
        return made


# genuine rows ----------------------------------------------------------------------------------------------


def genuine(g: Gen, n: int) -> None:
    """``n`` applicants; some households share a phone handset (device), a few apply again days later."""
    first = len(g.apps)
    for _ in range(n):
        g.application(g.person())
    people = g.apps[first:]
    for a in g.rng.sample(people, max(1, n // 70)):  # a spouse applies from the same handset
        spouse = g.person(city=a.person.city, age=max(18.5, g.age("retail")))
        spouse = replace(spouse, device=a.person.device, household=max(2, a.person.household))
        g.application(spouse, note="household: shares a device with its spouse")
    for a in g.rng.sample(people, max(1, n // 180)):  # tries again a week later, asking for less
        later = a.at + timedelta(days=g.rng.randrange(4, 12), hours=g.rng.randrange(-5, 5))
        g.copy(a, at=later, requested=max(Decimal(500), a.requested / 2), ref=a.key, note="applies again days later")


def genuine_rows(g: Gen) -> list[App]:
    return [a for a in g.apps if a.kind == "genuine"]


# fabricated rows -------------------------------------------------------------------------------------------


def bad_check_char(g: Gen, n: int) -> None:
    for _ in range(n):
        p = g.person()
        good = p.id_number[-1]
        wrong = g.rng.choice([c for c in CHECK_CHARS if c != good])
        g.application(
            replace(p, id_number=p.id_number[:-1] + wrong),
            kind="bad_check_char",
            note=f"check character {wrong}, GB 11643 gives {good}",
        )


def bad_region(g: Gen, n: int) -> None:
    """Made by an ID generator that computes the check character but invents the region."""
    for _ in range(n):
        p = g.person()
        region = g.rng.choice(BAD_PROVINCES) + f"{g.rng.randrange(1, 10000):04d}"
        first17 = region + p.id_number[6:17]
        g.application(
            replace(p, id_number=first17 + check_char(first17)),
            kind="bad_region",
            note=f"region {region[:2]}xxxx is not a province-level code; check character valid",
        )


def birth_mismatch(g: Gen, n: int) -> None:
    for _ in range(n):
        p = g.person()
        if g.rng.random() < 0.6:  # a borrowed ID: the applicant states their own (older) birth date
            stated = p.birth_date.replace(
                year=p.birth_date.year - g.rng.randrange(3, 12), day=min(p.birth_date.day, 28)
            )
            note = "stated birth date years before the ID's"
        else:  # month and day swapped, or another day
            stated = date(p.birth_date.year, min(p.birth_date.day, 12), min(p.birth_date.month, 28))
            if stated == p.birth_date:
                stated = p.birth_date + timedelta(days=g.rng.randrange(30, 200))
            note = "stated birth date differs from the ID's (month/day)"
        g.application(p, kind="birth_mismatch", note=note, stated_birth=stated)


def underage(g: Gen, n: int) -> None:
    for _ in range(n):
        sector = g.rng.choice(("student", "retail", "hospitality", "manufacturing"))
        p = g.person(sector=sector, age=g.rng.uniform(16.1, 17.75))
        g.application(p, kind="underage", note="16 or 17 years old; ID and stated birth date agree")


IMPOSSIBLE = (
    ("student", 80000), ("student", 50000), ("hospitality", 60000), ("retail", 90000),
    ("agriculture", 120000), ("manufacturing", 150000), ("logistics", 100000), ("retired", 70000),
)  # fmt: skip


def impossible_income(g: Gen, n: int) -> None:
    for i in range(n):
        sector, income = IMPOSSIBLE[i % len(IMPOSSIBLE)]
        p = g.person(sector=sector, city=g.city(g.rng.choice((2, 3, 4, 4))))
        stated = Decimal(income + g.rng.randrange(0, 5) * 5000)
        factor = stated / SECTORS[sector][1]
        g.application(
            p,
            income=stated,
            requested=Decimal(50000),
            verified=None,  # a made-up income comes without consent to check it
            kind="impossible_income",
            note=f"{sector} declaring {stated} yuan a month, {factor:.0f}x the sector median",
        )


def debt_no_lenders(g: Gen, n: int) -> None:
    for _ in range(n):
        p = g.person()
        debt = Decimal(g.rng.randrange(12, 80) * 100)
        g.application(p, debt=debt, lenders=0, kind="debt_no_lenders", note=f"{debt} yuan a month owed to 0 lenders")


def device_farm(g: Gen, farms: int, size: tuple[int, int]) -> None:
    """One handset in a phone farm (群控) submits for many bought identities within a few hours."""
    for f in range(farms):
        device, city, day = g.device(), g.city(g.rng.choice((1, 2, 3))), g.rng.randrange(DAYS)
        at = g.instant(day).replace(hour=g.rng.randrange(0, 4))  # farms work at night
        count = g.rng.randint(*size)
        for _ in range(count):
            p = g.person(city=city)  # bought identities: born anywhere, "working" where the farm says
            home = g.rng.choice(CITIES[g.city()][1])
            p = replace(
                p, id_number=g.id_number(home, p.birth_date), device=device, phone=g.phone(mvno=g.rng.random() < 0.7)
            )
            at += timedelta(minutes=g.rng.randrange(4, 25), seconds=g.rng.randrange(60))
            g.application(
                p,
                at=at,
                channel="app",
                requested=Decimal(g.rng.choice((20000, 30000, 50000))),
                kind="device_farm",
                note=f"farm {f + 1}: one device for {count} identities in hours",
            )


def shared_phone(g: Gen, groups: int, size: tuple[int, int]) -> None:
    """One (often virtual-operator) number given for many identities within a day or two."""
    for k in range(groups):
        phone, day = g.phone(mvno=g.rng.random() < 0.6), g.rng.randrange(DAYS - 2)
        count = g.rng.randint(*size)
        for _ in range(count):
            p = replace(g.person(), phone=phone)
            g.application(
                p,
                at=g.instant(day + g.rng.randrange(2)),
                kind="shared_phone",
                note=f"group {k + 1}: one phone for {count} identities",
            )


def stolen_identity(g: Gen, n: int) -> None:
    """A genuine applicant's ID, name and birth date used again from another phone and device."""
    victims = g.rng.sample([a for a in genuine_rows(g) if a.at < START + timedelta(days=DAYS - 2)], n)
    for v in victims:
        city = v.person.city if g.rng.random() < 0.4 else g.city()
        impostor = g.person(city=city)
        p = replace(impostor, name=v.person.name, id_number=v.person.id_number, birth_date=v.person.birth_date)
        at = v.at + timedelta(days=g.rng.randrange(1, 8), minutes=g.rng.randrange(600))
        g.application(
            p,
            at=at,
            ref=v.key,
            kind="stolen_identity",
            verified=None,
            income=g.declared(p.income * Decimal("1.3")),
            requested=Decimal(g.rng.choice((20000, 50000))),
            note="identity of {ref} from another phone and device",
        )


def income_packaging(g: Gen, agencies: int, size: tuple[int, int]) -> None:
    """An agency (中介) dresses up low earners as office staff of its shell company, just under 10,000 yuan."""
    for k in range(agencies):
        city = g.city(g.rng.choice((1, 2)))
        shell = f"{city}市{g.rng.choice(TRADE_NAMES)}{g.rng.choice(('信息技术有限公司', '商务咨询有限公司'))}"
        address = g.address(city) + f"{g.rng.randrange(5, 30)}楼"
        block = g.rng.choice(MOBILE_PREFIXES) + f"{g.rng.randrange(10**4):04d}"
        day, count = g.rng.randrange(DAYS - 3), g.rng.randint(*size)
        for i in range(count):
            base = g.person(city=city, sector=g.rng.choice(("manufacturing", "hospitality", "retail")))
            phone = block + f"{g.rng.randrange(10**4):04d}"  # SIM cards bought in one batch
            g.phones.add(phone)
            p = replace(
                base, employer=shell, employer_address=address, sector=g.rng.choice(("it", "finance")), phone=phone
            )
            income = Decimal(g.rng.choice(range(9600, 10000, 50)))
            g.application(
                p,
                at=g.instant(day + i % 3),
                channel="agent",
                income=income,
                show_address=True,
                verified=None,
                consent_sharing=False,
                kind="income_packaging",
                note=f"agency {k + 1}: shell employer, {count} applicants, income just under 10,000",
            )


def duplicates(g: Gen, n: int) -> None:
    """Double submissions: every field equal but the application id, the same second or a minute later."""
    for a in g.rng.sample(genuine_rows(g), n):
        later = a.at + timedelta(seconds=0 if g.rng.random() < 0.5 else g.rng.randrange(2, 90))
        g.copy(a, at=later, kind="duplicate", ref=a.key, note="exact copy of {ref}")


def rapid_reapply(g: Gen, series: int) -> None:
    """Declined, then tries again within the hour with a little more income each time (first try genuine)."""
    for a in g.rng.sample(genuine_rows(g), series):
        at, income = a.at, a.income
        for i in range(g.rng.randint(2, 4)):
            at += timedelta(minutes=g.rng.randrange(3, 40))
            income = (income * Decimal(str(g.rng.uniform(0.0108, 0.012)))).quantize(Decimal(1)) * 100
            g.copy(
                a,
                at=at,
                income=income,
                kind="rapid_reapply",
                ref=a.key,
                verified=None,
                note=f"attempt {i + 2} of {{ref}} within hours, income raised to {income}",
            )


def bad_phone(g: Gen, n: int) -> None:
    makers: tuple[Callable[[], str], ...] = (
        lambda: "12" + f"{g.rng.randrange(10**9):09d}",
        lambda: g.rng.choice(MOBILE_PREFIXES) + f"{g.rng.randrange(10**7):07d}",
        lambda: "10" + f"{g.rng.randrange(10**9):09d}",
        lambda: g.rng.choice(MOBILE_PREFIXES) + f"{g.rng.randrange(10**9):09d}",
    )
    for i in range(n):
        p = replace(g.person(), phone=makers[i % len(makers)]())
        g.application(p, kind="bad_phone", note=f"phone of {len(p.phone)} digits starting {p.phone[:2]}")


@dataclass(frozen=True)
class Plan:
    seed: int
    prefix: str
    genuine: int
    counts: dict[str, int]


CSV_PLAN = Plan(
    seed=20260302,
    prefix="IA",
    genuine=2640,
    counts={
        "bad_check_char": 22, "bad_region": 18, "birth_mismatch": 20, "underage": 15, "impossible_income": 22,
        "debt_no_lenders": 18, "device_farm": 3, "shared_phone": 3, "stolen_identity": 24, "income_packaging": 2,
        "duplicate": 24, "rapid_reapply": 10, "bad_phone": 10,
    },
)  # fmt: skip
JSONL_PLAN = Plan(
    seed=77013,
    prefix="IJ",
    genuine=160,
    counts={
        "bad_check_char": 2, "bad_region": 2, "birth_mismatch": 2, "underage": 1, "impossible_income": 2,
        "debt_no_lenders": 2, "device_farm": 1, "shared_phone": 1, "stolen_identity": 2, "income_packaging": 1,
        "duplicate": 2, "rapid_reapply": 1, "bad_phone": 1,
    },
)  # fmt: skip


def build(plan: Plan) -> list[App]:
    g = Gen(plan.seed)
    genuine(g, plan.genuine)
    c = plan.counts
    bad_check_char(g, c["bad_check_char"])
    bad_region(g, c["bad_region"])
    birth_mismatch(g, c["birth_mismatch"])
    underage(g, c["underage"])
    impossible_income(g, c["impossible_income"])
    debt_no_lenders(g, c["debt_no_lenders"])
    device_farm(g, c["device_farm"], (10, 14) if c["device_farm"] > 1 else (6, 8))
    shared_phone(g, c["shared_phone"], (6, 9) if c["shared_phone"] > 1 else (4, 5))
    stolen_identity(g, c["stolen_identity"])
    income_packaging(g, c["income_packaging"], (12, 16) if c["income_packaging"] > 1 else (6, 8))
    duplicates(g, c["duplicate"])
    rapid_reapply(g, c["rapid_reapply"])
    bad_phone(g, c["bad_phone"])
    return sorted(g.apps, key=lambda a: (a.at, a.key))  # a feed arrives in time order


# formatting ------------------------------------------------------------------------------------------------


def instant_text(at: datetime, channel: str) -> str:
    """Our own channels send Beijing time with +08:00; partner and checkout systems send UTC with a Z."""
    if channel in ("partner", "checkout"):
        utc = at.astimezone(UTC)
        text = utc.strftime("%Y-%m-%dT%H:%M:%S")
        return text + (f".{int(at.timestamp()) * 37 % 1000:03d}Z" if channel == "partner" else "Z")
    return at.isoformat()


def bool_text(value: bool, channel: str) -> str:
    if channel == "branch":
        return "是" if value else "否"
    if channel == "partner":
        return "1" if value else "0"
    return "true" if value else "false"


def yuan_text(value: Decimal, channel: str) -> str:
    if channel == "web" and value == value.to_integral_value():
        return str(int(value))  # the web form sends whole yuan without decimals
    return f"{value:.2f}"


def record(a: App, ids: dict[int, str]) -> dict[str, Any]:
    p = a.person
    return {
        "application_id": ids[a.key],
        "applied_at": instant_text(a.at, a.channel),
        "channel": a.channel,
        "name": p.name,
        "id_number": p.id_number,
        "birth_date": (a.stated_birth or p.birth_date).isoformat(),
        "phone": p.phone,
        "device_id": p.device,
        "city": a.city or p.city,
        "city_tier": CITIES[a.city or p.city][0],
        "employer": p.employer,
        "sector": p.sector,
        "monthly_income": a.income,
        "monthly_debt_payments": a.debt,
        "other_lenders": a.lenders,
        "requested_limit": a.requested,
        "consent_bureau": a.consent_bureau,
        "consent_sharing": a.consent_sharing,
        "household_size": p.household,
        "employer_address": p.employer_address if a.show_address else None,
        "verified_income": a.verified,
    }


AMOUNTS = ("monthly_income", "monthly_debt_payments", "requested_limit", "verified_income")


def csv_row(rec: dict[str, Any]) -> dict[str, str]:
    ch = rec["channel"]
    out = {}
    for k, v in rec.items():
        if v is None:
            out[k] = ""
        elif k in AMOUNTS:
            out[k] = yuan_text(v, ch)
        elif k.startswith("consent_"):
            out[k] = bool_text(v, ch)
        else:
            out[k] = str(v)
    return out


def json_row(rec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Amounts as strings, or as JSON numbers in about 40 % of rows (a partner API sends numbers)."""
    numbers = rng.random() < 0.4
    out: dict[str, Any] = {}
    for k, v in rec.items():
        if v is None:
            continue
        if k in AMOUNTS:
            out[k] = (int(v) if v == v.to_integral_value() else float(v)) if numbers else f"{v:.2f}"
        else:
            out[k] = v
    return out


def ids_for(apps: list[App], prefix: str) -> dict[int, str]:
    return {a.key: f"{prefix}{a.at.astimezone(CST):%y%m%d}{i + 1:05d}" for i, a in enumerate(apps)}


def labels(apps: list[App], ids: dict[int, str]) -> list[dict[str, str]]:
    out = []
    for a in apps:
        note = a.note.replace("{ref}", ids[a.ref]) if a.ref is not None else a.note
        out.append(
            {"application_id": ids[a.key], "fabricated": str(int(a.kind != "genuine")), "kind": a.kind, "note": note}
        )
    return out


# schema-breaking rows (JSONL only) -------------------------------------------------------------------------


# (field, the value written, or None to leave the field out, and the rule it breaks)
SCHEMA_BREAKS: tuple[tuple[str, Any, str], ...] = (
    ("phone", None, "missing"),
    ("monthly_income", "12000.005", "three decimals"),
    ("requested_limit", "abc", "not a number"),
    ("city_tier", 9, "9 is not a tier"),
    ("applied_at", "2026-03-10T10:15:00", "no offset"),
    ("birth_date", "1990-02-30", "no such day"),
    ("monthly_debt_payments", "-500.00", "negative"),
    ("consent_bureau", "maybe", "not a yes/no"),
)


def break_schema(rows: list[dict[str, Any]], rng: random.Random, prefix: str) -> list[dict[str, str]]:
    """Insert one broken row per rule at random places; returns their labels."""
    made = []
    for i, (field, value, rule) in enumerate(SCHEMA_BREAKS):
        row = dict(rng.choice(rows))
        row["application_id"] = f"{prefix}{row['application_id'][len(prefix) : len(prefix) + 6]}{90001 + i}"
        if value is None:
            del row[field]
        else:
            row[field] = value
        rows.insert(rng.randrange(len(rows) + 1), row)
        made.append(
            {
                "application_id": row["application_id"],
                "fabricated": "0",
                "kind": "schema",
                "note": f"field={field}: {rule}",
            }
        )
    return made


def write_all(out_dir: Path = OUT_DIR) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    apps = build(CSV_PLAN)
    ids = ids_for(apps, CSV_PLAN.prefix)
    with (out_dir / "independent_v1.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*REQUIRED, *OPTIONAL])
        writer.writeheader()
        writer.writerows(csv_row(record(a, ids)) for a in apps)
    all_labels = labels(apps, ids)
    japps = build(JSONL_PLAN)
    jids = ids_for(japps, JSONL_PLAN.prefix)
    rng = random.Random(JSONL_PLAN.seed + 1)
    jrows = [json_row(record(a, jids), rng) for a in japps]
    all_labels += labels(japps, jids) + break_schema(jrows, rng, JSONL_PLAN.prefix)
    with (out_dir / "independent_v1.jsonl").open("w", encoding="utf-8") as fh:
        for r in jrows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    with (out_dir / "independent_v1_labels.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["application_id", "fabricated", "kind", "note"])
        writer.writeheader()
        writer.writerows(all_labels)
    return {"csv_rows": len(apps), "jsonl_rows": len(jrows), "labels": len(all_labels)}


# measuring -------------------------------------------------------------------------------------------------


def read_decisions(path: Path) -> dict[str, dict[str, str]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["application_id"]: {k: "" if v is None else str(v) for k, v in r.items()} for r in rows}


def measure(decisions: dict[str, dict[str, str]], label_rows: list[dict[str, str]]) -> dict[str, Any]:
    """Recall per kind ("any check flag", "a fabrication signal" and "not approved"), genuine flag rates (any
    flag; fabrication signals: every check but eligibility and authorisation, ``check_codes.is_fabrication_signal``,
    as the simulator's evaluation counts), schema refusals."""
    from creditloop.strategy.check_codes import is_fabrication_signal  # the tool's only creditloop import

    per: dict[str, dict[str, int]] = {}
    for lab in label_rows:
        d = decisions.get(lab["application_id"])
        if d is None:
            continue
        s = per.setdefault(
            lab["kind"], {"rows": 0, "flagged": 0, "fabrication_flagged": 0, "not_approved": 0, "invalid": 0}
        )
        codes = [c for c in (d.get("check_flags") or "").split(",") if c]
        s["rows"] += 1
        s["flagged"] += bool(codes)
        s["fabrication_flagged"] += any(is_fabrication_signal(c) for c in codes)
        s["not_approved"] += d["decision"] != "approve"
        s["invalid"] += d["decision"] == "invalid"
    fab = [v for k, v in per.items() if k not in ("genuine", "schema")]
    total = sum(v["rows"] for v in fab)
    gen = per.get("genuine", {"rows": 0, "flagged": 0, "fabrication_flagged": 0, "not_approved": 0})
    return {
        "fabricated_rows": total,
        "recall_flagged": sum(v["flagged"] for v in fab) / total if total else None,
        "recall_not_approved": sum(v["not_approved"] for v in fab) / total if total else None,
        "genuine_rows": gen["rows"],
        "genuine_flag_rate": gen["flagged"] / gen["rows"] if gen["rows"] else None,
        "genuine_fabrication_flag_rate": gen["fabrication_flagged"] / gen["rows"] if gen["rows"] else None,
        "genuine_not_approved_rate": gen["not_approved"] / gen["rows"] if gen["rows"] else None,
        "per_kind": per,
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        decisions: dict[str, dict[str, str]] = {}
        for name in argv[1:]:
            decisions.update(read_decisions(Path(name)))
        with (OUT_DIR / "independent_v1_labels.csv").open(encoding="utf-8", newline="") as fh:
            print(json.dumps(measure(decisions, list(csv.DictReader(fh))), indent=2))
        return 0
    print(json.dumps(write_all()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
