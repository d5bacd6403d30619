"""Extreme numbers in every numeric field of every bundled preset, through the CLI: each
command exits 0 or 2 (never 1), prints no warning and no traceback.

By default a fixed-seed sample of the cases runs, plus the ones that once broke; the full
cross product is marked ``slow`` (``pytest -m slow tests/cli/test_fuzz.py``)."""

from __future__ import annotations

import random
import sys
import warnings

import pytest

from prototyper import assets
from prototyper.core.model import model_sources
from prototyper.core.preset.preset_io import load_preset
from prototyper.core.preset.schema import Preset
from prototyper.core.preset.structure import field_spec, get_path, leaf_paths

from .running import run

EXTREMES = (1e308, 1e-308, 5e-324, 1e15, 1 - 1e-16)
# Cases that once failed: an overflow in the report, 0/0 in the simulation, overflows.
ALWAYS = {
    ("scenario.users", 1e308),
    ("scenario.events_per_user_per_day", 1e6),
    ("scenario.events_per_user_per_day", 1e-308),
    ("response.modes.prompt.habituation", 1e-308),
    ("scenario.base_rate", 5e-324),
}
SAMPLE_PER_PRESET = 30
PRESETS = {p.stem: p for p in assets.bundled_presets()}


def numeric_leaves(preset: Preset) -> list[str]:
    """Dotted paths of every number in the preset, optional ones (a cap left empty) too."""
    out = []
    for path in leaf_paths(preset):
        value = get_path(preset, path)
        if isinstance(value, bool):
            continue
        _, tp = field_spec(Preset, path)
        kinds = getattr(tp, "__args__", ()) or (tp,)
        if int in kinds or float in kinds:
            out.append(path)
    return out


def values_for(path: str) -> tuple[float, ...]:
    """The extremes (negated too where the field allows negatives) and the field's own
    closed bounds, the largest values validation lets through."""
    md, _ = field_spec(Preset, path)
    low = md.get("minimum", md.get("exclusive_minimum"))
    negatives = tuple(-v for v in EXTREMES) if low is None or low < 0 else ()
    bounds = tuple(md[k] for k in ("minimum", "maximum") if k in md)
    return EXTREMES + negatives + tuple(b for b in bounds if b not in EXTREMES)


def cases(stem: str) -> list[tuple[str, float]]:
    preset = load_preset(PRESETS[stem])
    return [(path, v) for path in numeric_leaves(preset) for v in values_for(path)]


def sampled(stem: str) -> list[tuple[str, float]]:
    every = cases(stem)
    chosen = random.Random(f"fuzz {stem}").sample(every, min(SAMPLE_PER_PRESET, len(every)))
    return chosen + [c for c in every if c in ALWAYS and c not in chosen]


def commands(stem: str, path: str, value: float) -> list[list[str]]:
    assignment = f"{path}={value!r}"
    out = [
        ["evaluate", stem, "--set", assignment],
        ["sweep", stem, "--set", assignment]
        + ["--param", "experience.bands[0].threshold", "--values", "0.3,0.9"],
        ["sweep", stem, "--param", path, f"--values={value!r},0.5"],
    ]
    if not stem.endswith("_model"):  # a real model's simulation is slow; evaluate covers it
        out.append(
            ["simulate", stem, "--users", "20", "--replications", "1"]
            + ["--set", "scenario.horizon_days=3", "--set", assignment]
        )
    return out


@pytest.fixture(autouse=True)
def _warnings_are_errors(monkeypatch):
    """As under ``python -W error``: the CLI leaves warnings alone, so one raised anywhere
    fails the command (exit 1) instead of being hidden by the CLI's last net."""
    monkeypatch.setattr(sys, "warnoptions", ["error"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
    model_sources.clear_cache()


def check(capsys, stem: str, chosen: list[tuple[str, float]]) -> None:
    broken = []
    for path, value in chosen:
        for argv in commands(stem, path, value):
            code, out, err = run(capsys, *argv)
            ok = code in (0, 2) and "Warning" not in err and "Traceback" not in err
            if code == 2:
                ok = ok and out == "" and err.strip() != ""
            if not ok:
                last = (err.strip().splitlines() or [""])[-1]
                broken.append(f"{' '.join(argv)} -> exit {code}: {last}")
    assert not broken, "\n".join(broken)


def test_the_sample_covers_every_preset_and_the_known_cases():
    assert {"safe_browsing", "fall_detection_model", "predictive_policing"} <= set(PRESETS)
    for stem in PRESETS:
        chosen = sampled(stem)
        assert len(chosen) >= SAMPLE_PER_PRESET
        assert {c for c in cases(stem) if c in ALWAYS} <= set(chosen)
    assert ("scenario.users", 1e308) in sampled("safe_browsing")


@pytest.mark.parametrize("stem", sorted(PRESETS))
def test_extreme_values_exit_0_or_2_without_warnings(capsys, stem):
    check(capsys, stem, sampled(stem))


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(PRESETS))
def test_extreme_values_everywhere(capsys, stem):
    check(capsys, stem, cases(stem))
