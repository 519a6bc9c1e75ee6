"""Every rule of the instance format, one broken rule per case, named by key path."""

from __future__ import annotations

import json

import pytest

from models.instance import InstanceError, load_instance, parse_instance, validate
from tests.conftest import DELETE, EXAMPLES, set_path, tiny_instance


def problems_of(raw: dict) -> list[str]:
    with pytest.raises(InstanceError) as info:
        validate(raw)
    return info.value.problems


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_validate_accepts_every_example(name: str) -> None:
    inst = load_instance(EXAMPLES / name / "instance.json")
    assert inst.steps == len(inst.grid.import_price)
    assert all(dc.racks % dc.block_racks == 0 for dc in inst.datacenters)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("datacenters[0].pue[1]", 0.93, "datacenters[0].pue[1]: must be >= 1, got 0.93"),
        (
            "datacenters[0].racks",
            801,
            "datacenters[0].racks: must be a multiple of block_racks=400",
        ),
        ("datacenters[0].idle_fraction", 1.0, "datacenters[0].idle_fraction: must be in [0, 1)"),
        (
            "datacenters[0].inflexible_mw[0]",
            2.5,
            "datacenters[0].inflexible_mw[0]: must not exceed",
        ),
        (
            "datacenters[0].initial_blocks_on",
            3,
            "datacenters[0].initial_blocks_on: must be at most",
        ),
        ("datacenters[0].max_block_change", -1, "datacenters[0].max_block_change: must be >= 0"),
        ("datacenters[0].racks", "800", "datacenters[0].racks: must be a number, got '800'"),
        ("datacenters[0].rack_kw", True, "datacenters[0].rack_kw: must be a number, got True"),
        (
            "datacenters[0].pue",
            [1.0],
            "datacenters[0].pue: must have exactly steps=2 values, got 1",
        ),
        ("scenarios[0].probability", 0.9, "scenarios: probabilities must sum to 1"),
        ("scenarios[0].probability", 0.0, "scenarios[0].probability: must be > 0"),
        ("scenarios[0].renewable_mw.pv[0]", -1.0, "scenarios[0].renewable_mw.pv[0]: must be >= 0"),
        (
            "workloads[0].datacenters",
            ["dc", "dc"],
            "workloads[0].datacenters[1]: data centre 'dc' listed twice",
        ),
        (
            "workloads[0].datacenters",
            ["nowhere"],
            "workloads[0].datacenters[0]: unknown data centre",
        ),
        (
            "workloads[0].release_step",
            2,
            "workloads[0].deadline_step: must be greater than release_step",
        ),
        ("workloads[0].deadline_step", 3, "workloads[0].deadline_step: must be <= steps=2"),
        ("workloads[0].release_step", -1, "workloads[0].release_step: must be >= 0"),
        ("grid.import_price[1]", -5.0, "grid.import_price[1]: must be >= 0"),
        ("grid.export_limit_mw", None, "grid.export_limit_mw: must be a number, got None"),
        ("grid.colour", "red", "grid.colour: unknown key"),
        ("datacenters[0].pue_typo", 1.1, "datacenters[0].pue_typo: unknown key"),
        ("grid.import_limit_mw", DELETE, "grid.import_limit_mw: required key is missing"),
        ("version", 2, "version: must be 1"),
        ("start", "2026-11-23T00:00:00", "start: must carry a UTC offset"),
        ("steps", 0, "steps: must be >= 1"),
    ],
)
def test_validate_names_key_path_and_rule(path: str, value: object, expected: str) -> None:
    problems = problems_of(tiny_instance(**{path: value}))
    assert any(p.startswith(expected) for p in problems), problems


def with_value(path: str, value: object) -> dict:
    """The tiny instance with one key set (``steps`` is also ``tiny_instance``'s own argument)."""
    raw = tiny_instance()
    set_path(raw, path, value)
    return raw


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("step_minutes", 0, "step_minutes: must be > 0, got 0"),
        ("step_minutes", -15, "step_minutes: must be > 0, got -15"),
        ("step_minutes", 7.5, "step_minutes: must be a whole number, got 7.5"),
        ("steps", 2.5, "steps: must be a whole number, got 2.5"),
        ("datacenters[0].racks", 800.5, "datacenters[0].racks: must be a whole number, got 800.5"),
        (
            "datacenters[0].block_racks",
            400.5,
            "datacenters[0].block_racks: must be a whole number, got 400.5",
        ),
        (
            "datacenters[0].initial_blocks_on",
            0.5,
            "datacenters[0].initial_blocks_on: must be a whole number, got 0.5",
        ),
        (
            "datacenters[0].max_block_change",
            1.5,
            "datacenters[0].max_block_change: must be a whole number, got 1.5",
        ),
        (
            "workloads[0].release_step",
            0.5,
            "workloads[0].release_step: must be a whole number, got 0.5",
        ),
        (
            "workloads[0].deadline_step",
            1.5,
            "workloads[0].deadline_step: must be a whole number, got 1.5",
        ),
        ("version", 1.5, "version: must be a whole number, got 1.5"),
        ("datacenters", [], "datacenters: must not be empty"),
        ("scenarios", [], "scenarios: must not be empty"),
        ("workloads[0].datacenters", [], "workloads[0].datacenters: must name at least one"),
        (
            "scenarios[0].renewable_mw.pv",
            [],
            "scenarios[0].renewable_mw.pv: must have exactly steps=2 values, got 0",
        ),
        ("datacenters[0].pue", [], "datacenters[0].pue: must have exactly steps=2 values, got 0"),
        ("grid.import_price", [], "grid.import_price: must have exactly steps=2 values, got 0"),
        ("start", "23/11/2026 00:00", "start: must be an ISO 8601 time, got '23/11/2026 00:00'"),
        ("start", "next monday", "start: must be an ISO 8601 time"),
        ("start", "2026-11-23", "start: must carry a UTC offset"),
        ("start", "", "start: must be a non-empty string"),
        ("start", 20261123, "start: must be a non-empty string, got 20261123"),
        (
            "datacenters[0].block_startup_cost",
            -1.0,
            "datacenters[0].block_startup_cost: must be >= 0, got -1",
        ),
        ("datacenters[0].rack_kw", 0.0, "datacenters[0].rack_kw: must be > 0, got 0"),
        ("datacenters[0].idle_fraction", -0.1, "datacenters[0].idle_fraction: must be in [0, 1)"),
        ("workloads[0].energy_mwh", -1.0, "workloads[0].energy_mwh: must be >= 0, got -1"),
        (
            "grid.unserved_load_penalty_per_mwh",
            -1.0,
            "grid.unserved_load_penalty_per_mwh: must be >= 0",
        ),
    ],
)
def test_validate_rejects_non_positive_fractional_empty_and_non_iso(
    path: str, value: object, expected: str
) -> None:
    problems = problems_of(with_value(path, value))
    assert any(p.startswith(expected) for p in problems), problems


def battery(**changes: float) -> dict:
    """A valid battery: 1..4 MWh, starting and ending at 2 MWh, 90 % each way."""
    return {
        "id": "b",
        "charge_mw": 1.0,
        "discharge_mw": 1.0,
        "energy_min_mwh": 1.0,
        "energy_max_mwh": 4.0,
        "energy_initial_mwh": 2.0,
        "energy_final_min_mwh": 2.0,
        "charge_efficiency": 0.9,
        "discharge_efficiency": 0.9,
        "degradation_cost_per_mwh": 1.0,
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"energy_max_mwh": 0.5},
            "storage[0].energy_max_mwh: must be >= energy_min_mwh=1, got 0.5",
        ),
        ({"charge_efficiency": 0.0}, "storage[0].charge_efficiency: must be in (0, 1], got 0"),
        ({"charge_efficiency": 1.01}, "storage[0].charge_efficiency: must be in (0, 1], got 1.01"),
        (
            {"discharge_efficiency": -0.5},
            "storage[0].discharge_efficiency: must be in (0, 1], got -0.5",
        ),
        (
            {"energy_initial_mwh": 5.0},
            "storage[0].energy_initial_mwh: must lie in [energy_min_mwh, energy_max_mwh]",
        ),
        ({"charge_mw": -1.0}, "storage[0].charge_mw: must be >= 0, got -1"),
        ({"charge_mw": "1"}, "storage[0].charge_mw: must be a number, got '1'"),
    ],
)
def test_validate_storage_rules(changes: dict, expected: str) -> None:
    raw = tiny_instance()
    raw["storage"] = [battery(**changes)]
    problems = problems_of(raw)
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_accepts_the_edges_of_the_rules() -> None:
    """Efficiency 1, a zero start-up cost, no plants, no workloads and no storage are allowed."""
    raw = tiny_instance(**{"datacenters[0].block_startup_cost": 0.0, "workloads": []})
    raw["scenarios"][0]["renewable_mw"] = {}
    raw["storage"] = [battery(charge_efficiency=1.0, discharge_efficiency=1.0)]
    inst = validate(raw)
    assert inst.storage[0].charge_efficiency == 1.0
    assert inst.workloads == ()


def test_validate_reports_every_problem_at_once() -> None:
    raw = tiny_instance(**{"datacenters[0].pue[0]": 0.5, "grid.import_price[0]": -1.0})
    raw["storage"] = [{"id": "b"}]
    problems = problems_of(raw)
    assert any(p.startswith("datacenters[0].pue[0]") for p in problems)
    assert any(p.startswith("grid.import_price[0]") for p in problems)
    assert any(p.startswith("storage[0].charge_mw: required key is missing") for p in problems)


def test_validate_storage_energy_order() -> None:
    raw = tiny_instance()
    raw["storage"] = [
        {
            "id": "b",
            "charge_mw": 1.0,
            "discharge_mw": 1.0,
            "energy_min_mwh": 1.0,
            "energy_max_mwh": 4.0,
            "energy_initial_mwh": 2.0,
            "energy_final_min_mwh": 5.0,
            "charge_efficiency": 0.9,
            "discharge_efficiency": 0.0,
            "degradation_cost_per_mwh": 1.0,
        }
    ]
    problems = problems_of(raw)
    assert any(
        p.startswith("storage[0].energy_final_min_mwh: must lie in [energy_min_mwh")
        for p in problems
    )
    assert any(p.startswith("storage[0].discharge_efficiency: must be in (0, 1]") for p in problems)


def test_validate_duplicate_ids_and_plant_sets() -> None:
    raw = tiny_instance()
    raw["scenarios"] = [
        {"id": "a", "probability": 0.5, "renewable_mw": {"pv": [0.0, 0.0]}},
        {"id": "a", "probability": 0.5, "renewable_mw": {"wind": [0.0, 0.0]}},
    ]
    raw["datacenters"].append(dict(raw["datacenters"][0]))
    problems = problems_of(raw)
    assert any("duplicate scenario id 'a'" in p for p in problems)
    assert any("duplicate data-centre id 'dc'" in p for p in problems)
    assert any(
        p.startswith("scenarios[1].renewable_mw: must list the same plants") for p in problems
    )


def test_parse_rejects_nan_and_infinity_tokens() -> None:
    text = json.dumps(tiny_instance()).replace('"import_limit_mw": 10.0', '"import_limit_mw": NaN')
    text = text.replace('"max_mw": 1.0', '"max_mw": Infinity')
    with pytest.raises(InstanceError) as info:
        parse_instance(text, "day.json")
    problems = info.value.problems
    assert any(p.startswith("grid.import_limit_mw: must be a number, got NaN") for p in problems)
    assert any(
        p.startswith("workloads[0].max_mw: must be a number, got Infinity") for p in problems
    )
    assert str(info.value).startswith("day.json: invalid instance")


def test_parse_reports_json_syntax_position() -> None:
    with pytest.raises(InstanceError) as info:
        parse_instance('{\n  "version": 1,\n  "steps": \n}', "broken.json")
    assert info.value.problems[0].startswith("line 4, column 1: invalid JSON")


def test_parse_reports_keys_given_twice_with_their_path() -> None:
    # json.loads alone keeps the last of two equal keys; the contract's ids must be unique.
    text = json.dumps(tiny_instance())
    text = text.replace(
        '"renewable_mw": {"pv": [0.0, 0.0]}', '"renewable_mw": {"pv": [0.0, 0.0], "pv": [5.0, 5.0]}'
    )
    text = text.replace('"steps": 2,', '"steps": 2, "steps": 2,')
    with pytest.raises(InstanceError) as info:
        parse_instance(text, "twice.json")
    assert info.value.problems == [
        "(top level): key 'steps' is given more than once",
        "scenarios[0].renewable_mw: key 'pv' is given more than once",
    ]


def test_parse_reports_a_repeated_key_beside_other_broken_rules() -> None:
    raw = tiny_instance()
    raw["grid"]["import_limit_mw"] = -1.0
    text = json.dumps(raw).replace('"max_mw": 1.0', '"max_mw": 1.0, "max_mw": 2.0')
    with pytest.raises(InstanceError) as info:
        parse_instance(text)
    assert info.value.problems[0] == "workloads[0]: key 'max_mw' is given more than once"
    assert any(p.startswith("grid.import_limit_mw: must be >= 0") for p in info.value.problems)


# --- extension "placement rules" (contract section 9) -----------------------------------


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("min_mw", -0.1, "workloads[0].min_mw: must be >= 0, got -0.1"),
        ("min_mw", 1.5, "workloads[0].min_mw: must be <= max_mw=1, got 1.5"),
        ("min_mw", "0.5", "workloads[0].min_mw: must be a number, got '0.5'"),
        ("min_mw", True, "workloads[0].min_mw: must be a number, got True"),
        (
            "max_datacenters",
            3,
            "workloads[0].max_datacenters: must be a whole number in [1, 2]"
            " (the data centres it lists), got 3",
        ),
        (
            "max_datacenters",
            0,
            "workloads[0].max_datacenters: must be a whole number in [1, 2]"
            " (the data centres it lists), got 0",
        ),
        (
            "max_datacenters",
            1.5,
            "workloads[0].max_datacenters: must be a whole number in [1, 2]"
            " (the data centres it lists), got 1.5",
        ),
        (
            "max_datacenters",
            True,
            "workloads[0].max_datacenters: must be a whole number in [1, 2]"
            " (the data centres it lists), got True",
        ),
        ("migration_cost", -1, "workloads[0].migration_cost: must be >= 0, got -1"),
        ("migration_cost", "50", "workloads[0].migration_cost: must be a number, got '50'"),
        ("restart_cost", -5.0, "workloads[0].restart_cost: must be >= 0, got -5"),
        ("restart_cost", None, "workloads[0].restart_cost: must be a number, got None"),
        ("min_run_steps", 0, "workloads[0].min_run_steps: must be >= 1, got 0"),
        ("min_run_steps", 2.5, "workloads[0].min_run_steps: must be a whole number, got 2.5"),
        ("preemptible", "no", "workloads[0].preemptible: must be true or false, got 'no'"),
        ("preemptible", 0, "workloads[0].preemptible: must be true or false, got 0"),
    ],
)
def test_validate_placement_rules(key: str, value: object, expected: str) -> None:
    raw = tiny_instance()
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2"})
    raw["workloads"][0]["datacenters"] = ["dc", "dc2"]
    raw["workloads"][0][key] = value
    assert problems_of(raw) == [expected]


def test_validate_max_datacenters_without_valid_data_centres() -> None:
    raw = tiny_instance(**{"workloads[0].datacenters": [], "workloads[0].max_datacenters": 0})
    assert problems_of(raw) == [
        "workloads[0].datacenters: must name at least one data centre",
        "workloads[0].max_datacenters: must be a whole number >= 1, got 0",
    ]


def test_validate_reads_the_placement_rules_and_their_absent_meaning() -> None:
    raw = tiny_instance()
    plain = validate(raw).workloads[0]
    assert (plain.min_mw, plain.max_datacenters, plain.migration_cost) == (0.0, None, 0.0)
    assert (plain.restart_cost, plain.min_run_steps, plain.preemptible) == (0.0, None, True)
    assert not plain.has_on_off
    raw["workloads"][0].update(
        min_mw=1.0, max_datacenters=1.0, migration_cost=0, restart_cost=400,
        min_run_steps=8, preemptible=False,
    )  # fmt: skip
    ruled = validate(raw).workloads[0]
    assert (ruled.min_mw, ruled.max_datacenters, ruled.migration_cost) == (1.0, 1, 0.0)
    assert (ruled.restart_cost, ruled.min_run_steps, ruled.preemptible) == (400.0, 8, False)
    assert ruled.has_on_off
    for key, value in (("min_mw", 0.5), ("restart_cost", 1.0), ("min_run_steps", 1)):
        assert validate(tiny_instance(**{f"workloads[0].{key}": value})).workloads[0].has_on_off
    assert validate(tiny_instance(**{"workloads[0].preemptible": False})).workloads[0].has_on_off
    assert (
        not validate(tiny_instance(**{"workloads[0].migration_cost": 5.0})).workloads[0].has_on_off
    )


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("committed_steps", 0, "committed_steps: must be in [1, steps=2], got 0"),
        ("committed_steps", 3, "committed_steps: must be in [1, steps=2], got 3"),
        ("committed_steps", 1.5, "committed_steps: must be a whole number"),
        ("committed_steps", "1", "committed_steps: must be a number"),
        ("initial_state_source", "plan:yesterday", "initial_state_source: must be 'configured'"),
        ("initial_state_source", 1, "initial_state_source: must be 'configured'"),
        (
            "workloads[0].backlog_energy_mwh",
            0.5,
            "workloads[0].backlog_energy_mwh: must be >= energy_mwh=1, got 0.5",
        ),
        (
            "workloads[0].backlog_deadline",
            "2026-11-25T00:00:00",
            "workloads[0].backlog_deadline: must carry a UTC offset",
        ),
        (
            "workloads[0].backlog_deadline",
            "tomorrow",
            "workloads[0].backlog_deadline: must be an ISO 8601 time",
        ),
        # The window of tiny ends at 02:00 (2 steps of 60 minutes from 00:00).
        (
            "workloads[0].backlog_deadline",
            "2026-11-23T01:00:00+08:00",
            "workloads[0].backlog_deadline: must not be before the end of the window "
            "2026-11-23T02:00:00+08:00",
        ),
    ],
)
def test_validate_chained_days_keys(path: str, value: object, expected: str) -> None:
    problems = problems_of(with_value(path, value))
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_reads_the_chained_days_keys_and_their_absent_meaning() -> None:
    plain = validate(tiny_instance())
    assert (plain.committed_steps, plain.delivery_steps, plain.initial_state_source) == (
        None,
        2,
        None,
    )
    assert (plain.workloads[0].backlog_energy_mwh, plain.workloads[0].backlog_deadline) == (
        None,
        None,
    )
    raw = tiny_instance(
        committed_steps=1,
        initial_state_source="actual:2026-11-22",
        **{
            "workloads[0].backlog_energy_mwh": 4.0,
            "workloads[0].backlog_deadline": "2026-11-25T00:00:00+08:00",
        },
    )
    inst = validate(raw)
    assert (inst.committed_steps, inst.delivery_steps) == (1, 1)
    assert inst.initial_state_source == "actual:2026-11-22"
    assert inst.workloads[0].backlog_energy_mwh == 4.0
    assert inst.workloads[0].backlog_deadline.isoformat() == "2026-11-25T00:00:00+08:00"
