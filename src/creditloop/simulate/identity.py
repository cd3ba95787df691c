"""Synthetic identities for simulated applicants: names, resident IDs, phones, devices, cities and employers.

Everything here is clearly synthetic. Names are a common surname and one or two common given characters;
resident IDs follow GB 11643-1999 (6-digit region of a district in the stated city, birth date, 3-digit
sequence, ISO 7064 MOD 11-2 check character) but are built from the customer's global index, not from any
real person; phones are CN mobile numbers (a real operator prefix and eight digits scrambled from the index);
device ids are hex strings. Cities are real names by tier, each with a few real district codes so the ID's
region matches the stated city's province.

Uniqueness across blocks: the ID's birth day-of-year, district and sequence, the phone's last eight digits
and the device id are bijections of the customer's global index (``first_index`` + position), so two
customers never share them up to 364,635 customers; beyond, two IDs collide only if they also share birth
year and district. The sequence digit's parity (sex in a real ID) is never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# ISO 7064 MOD 11-2 (GB 11643-1999): weights of the 17 digits and the check character for the sum mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(body17: str) -> str:
    """The 18th character of a resident ID whose first 17 digits are ``body17``."""
    return _CHECK[sum(int(d) * w for d, w in zip(body17, _WEIGHTS, strict=True)) % 11]


def make_resident_id(region: str, birth: date, seq: int) -> str:
    """An 18-character resident ID (same signature as ``strategy.idcard.make_resident_id``)."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + check_character(body)


# City -> (tier, district codes). Tier 1: the four; tier 2: provincial capitals and sub-provincial cities;
# tiers 3 and 4: prefecture-level cities. Codes are districts of that city (GB/T 2260).
CITIES: dict[str, tuple[int, tuple[str, ...]]] = {
    "北京": (1, ("110101", "110102", "110105", "110106", "110108")),
    "上海": (1, ("310101", "310104", "310105", "310106", "310115")),
    "广州": (1, ("440103", "440104", "440105", "440106", "440111")),
    "深圳": (1, ("440303", "440304", "440305", "440306", "440307")),
    "成都": (2, ("510104", "510105", "510106", "510107")),
    "杭州": (2, ("330102", "330105", "330106")),
    "武汉": (2, ("420102", "420103", "420106")),
    "南京": (2, ("320102", "320104", "320105")),
    "西安": (2, ("610102", "610103", "610104")),
    "长沙": (2, ("430102", "430103", "430104")),
    "郑州": (2, ("410102", "410103", "410105")),
    "沈阳": (2, ("210102", "210103", "210104")),
    "洛阳": (3, ("410302", "410303", "410305")),
    "徐州": (3, ("320302", "320303", "320311")),
    "绵阳": (3, ("510703", "510704")),
    "宜昌": (3, ("420502", "420503", "420506")),
    "赣州": (3, ("360702", "360703")),
    "保定": (3, ("130602", "130606")),
    "遵义": (4, ("520302", "520303")),
    "曲靖": (4, ("530302", "530303")),
    "天水": (4, ("620502", "620503")),
    "南阳": (4, ("411302", "411303")),
    "邵阳": (4, ("430502", "430503")),
    "商丘": (4, ("411402", "411403")),
}
CITIES_BY_TIER: dict[int, tuple[str, ...]] = {
    t: tuple(c for c, (tier, _) in CITIES.items() if tier == t) for t in (1, 2, 3, 4)
}
PROVINCE_PREFIXES = frozenset(code[:2] for _, codes in CITIES.values() for code in codes)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建文婷宇浩凯晨欣悦博思佳然"
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "191", "198", "199",
)  # fmt: skip

# Employer names: a trade name (字号) and a sector suffix; EMPLOYERS_PER_CITY_SECTOR per city and sector, so
# many customers share an employer and stated incomes can be compared with their peers'.
TRADE_NAMES = ("宏达", "恒信", "华源", "鑫盛", "金桥", "瑞丰", "东方", "新锐", "启航", "博远", "长青", "万通")
SECTOR_SUFFIX = {
    "manufacturing": "制造有限公司",
    "retail_hospitality": "餐饮管理有限公司",
    "services": "物业服务有限公司",
    "technology": "信息技术有限公司",
    "public_sector": "事业单位",
    "public_sector_alt": "人民医院",
}
EMPLOYERS_PER_CITY_SECTOR = 8
ROADS = ("人民路", "解放路", "建设路", "中山路", "和平路", "新华路", "朝阳路", "滨江路")

_PHONE_MULT = 48_271  # odd and not a multiple of 5: a bijection on 0..10^8-1
_DEVICE_MULT = 2_654_435_761  # Knuth's multiplicative constant, odd: a bijection on 0..2^32-1


@dataclass(frozen=True, slots=True)
class Employer:
    name: str
    address: str


def synthetic_name(u_surname: float, u_given: float, two_chars: bool) -> str:
    g = len(GIVEN)
    first = GIVEN[int(u_given * g) % g]
    second = GIVEN[int(u_given * g * g) % g]
    return SURNAMES[int(u_surname * len(SURNAMES)) % len(SURNAMES)] + first + (second if two_chars else "")


def resident_id_for(index: int, city: str, u_district: float, birth_year: int) -> tuple[str, date]:
    """A valid ID (and its birth date) for the customer with global ``index`` living in ``city``."""
    codes = CITIES[city][1]
    region = codes[int(u_district * len(codes)) % len(codes)]
    birth = birth_day(index).replace(year=birth_year)
    seq = (index // 365) % 999 + 1
    return make_resident_id(region, birth, seq), birth


def birth_day(index: int) -> date:
    """The birth month and day of customer ``index`` (in 2001: a common year, so never 29 February)."""
    return date(2001, 1, 1) + timedelta(days=index % 365)


def phone_for(index: int, u_prefix: float) -> str:
    tail = (index * _PHONE_MULT + 12_345_679) % 10**8
    return PHONE_PREFIXES[int(u_prefix * len(PHONE_PREFIXES)) % len(PHONE_PREFIXES)] + f"{tail:08d}"


def device_for(index: int, salt: int = 0) -> str:
    """A device id; ``salt`` > 0 gives devices that belong to no customer (fraud farms' handsets)."""
    return f"dev-{salt:02x}{(index * _DEVICE_MULT) % 2**32:08x}"


def employer_for(city: str, sector: str, k: int, customer_index: int) -> Employer:
    """The ``k``-th employer of a sector in a city; self-employed people are their own employer."""
    if sector == "self_employed":
        road = ROADS[customer_index % len(ROADS)]
        return Employer(f"{city}个体工商户{customer_index:07d}", f"{city}{road}{customer_index % 900 + 1}号")
    trade = TRADE_NAMES[k % len(TRADE_NAMES)]
    suffix = SECTOR_SUFFIX["public_sector_alt" if sector == "public_sector" and k % 2 else sector]
    road = ROADS[(k * 3 + len(city)) % len(ROADS)]
    return Employer(f"{city}{trade}{suffix}", f"{city}{road}{100 + k * 17}号")


def is_valid_resident_id(id_number: str) -> bool:
    """Format and check character only (the checks module owns the full validation)."""
    return (
        len(id_number) == 18
        and id_number[:17].isdigit()
        and (id_number[17].isdigit() or id_number[17] == "X")
        and check_character(id_number[:17]) == id_number[17]
    )
