from __future__ import annotations

import numpy as np
import pytest

from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.sweep import sweep
from prototyper.core.model.scores import EmpiricalScores
from prototyper.core.preset.preset_io import PresetError, with_values


def test_threshold_sweep_matches_evaluating_each_point(small):
    result = sweep(small, "experience.bands[1].threshold")
    assert result.values.min() > 0.0 and result.values.max() < 0.5  # between its neighbours
    assert len(result.values) > 100
    for i in (0, len(result.values) // 3, len(result.values) - 1):
        v = float(result.values[i])
        one = evaluate(with_values(small, {"experience.bands[1].threshold": v}))
        assert result.net_per_event[i] == pytest.approx(one.net_per_event, abs=1e-12)
    assert result.net_per_event[result.best_index] == np.nanmax(result.net_per_event)
    assert result.current == 0.2


def test_empirical_threshold_sweep_uses_every_distinct_score(small):
    rng = np.random.default_rng(0)
    labels = rng.random(2000) < 0.3
    scores = np.round(np.clip(rng.normal(labels * 0.3 + 0.3, 0.15), 0, 1), 3)
    emp = EmpiricalScores(labels, scores)
    result = sweep(small, "experience.bands[0].threshold", scores=emp)
    distinct = np.unique(scores)
    np.testing.assert_array_equal(result.values, distinct[(distinct > 0.2) & (distinct < 1.0)])
    for i in (0, 17, len(result.values) - 1):
        v = float(result.values[i])
        one = evaluate(with_values(small, {"experience.bands[0].threshold": v}), emp)
        assert result.net_per_event[i] == pytest.approx(one.net_per_event, abs=1e-12)


def test_generic_sweep_over_the_schema_range(small):
    result = sweep(small, "experience.modes.prompt.forcefulness")
    assert result.values[0] == 0.0 and result.values[-1] == 1.0
    mid = int(np.argmin(abs(result.values - 0.5)))
    one = evaluate(with_values(small, {"experience.modes.prompt.forcefulness": 0.5}))
    assert result.net_per_event[mid] == pytest.approx(one.net_per_event, abs=1e-12)


def test_sweep_of_a_cap_uses_whole_numbers(small):
    result = sweep(small, "experience.modes.prompt.daily_cap", values=np.array([0, 1, 2, 5]))
    assert np.all(np.isfinite(result.net_per_event))
    none = evaluate(with_values(small, {"experience.modes.prompt.daily_cap": 0}))
    assert result.net_per_event[0] == pytest.approx(none.net_per_event)


def test_invalid_points_are_left_out(small):
    result = sweep(small, "model.auc", values=np.array([0.4, 0.7, 0.9]))
    assert np.isnan(result.net_per_event[0])
    assert np.isfinite(result.net_per_event[1:]).all()


@pytest.mark.parametrize(
    "param, message",
    [
        ("experience.bands[2].threshold", "lowest band always starts at 0"),
        ("scenario.name", "not a numeric field"),
        ("scenario.nope", "no such field"),
    ],
)
def test_bad_sweep_parameters_say_why(small, param, message):
    with pytest.raises(PresetError, match=message):
        sweep(small, param)
