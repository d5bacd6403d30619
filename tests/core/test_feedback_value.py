"""The predictive-policing money follows where the feedback loop sends the patrols."""

from __future__ import annotations

import numpy as np
import pytest

from prototyper.assets import preset_path
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.model.scores import EmpiricalScores
from prototyper.core.preset.preset_io import PresetError, load_preset, with_values
from prototyper.core.simulation.feedback import allocation_value
from prototyper.core.simulation.simulate import simulate, simulation_problems


def policing(**values):
    return with_values(load_preset(preset_path("predictive_policing")), values)


def split(a: float, days: int = 3, reps: int = 2) -> np.ndarray:
    share = np.empty((days, reps, 2))
    share[..., 0], share[..., 1] = a, 1 - a
    return share


def test_a_fair_split_of_equal_regions_changes_nothing():
    auc = np.full((3, 2), 0.65)
    np.testing.assert_allclose(allocation_value(policing(), split(0.5), auc), 0.0, atol=1e-6)


def test_sending_more_than_a_fair_share_to_one_region_loses_value():
    # The extra patrols go to ever lower-scored beats of A; B loses its best-scored ones.
    auc = np.full((3, 2), 0.65)
    losses = [allocation_value(policing(), split(a), auc).sum(-1)[0, 0] for a in (0.6, 0.7, 0.9)]
    assert 0 > losses[0] > losses[1] > losses[2]
    # the patrols' time is the same wherever they go: only the outcomes move
    operator = allocation_value(policing(), split(0.7), auc)[..., 1]
    np.testing.assert_allclose(operator, 0.0, atol=1e-6)


def test_with_unequal_rates_the_region_with_more_incidents_is_worth_more_patrols():
    preset = policing(**{"feedback.regions[0].incident_rate": 0.4})
    auc = np.full((3, 2), 0.65)
    assert allocation_value(preset, split(4 / 7), auc).sum() > 0


def test_the_correction_changes_the_money_as_it_changes_the_split():
    runs = {
        fix: simulate(policing(**{"feedback.correction": fix}), seed=1, replications=6)
        for fix in (False, True)
    }
    added = {fix: run.samples["value_added"] for fix, run in runs.items()}
    auc = np.full((365, 6), 0.65)  # no retraining: the model stays as it is
    split_value = {
        fix: allocation_value(run.preset, run.feedback.patrol_share, auc).sum(axis=(0, 2))
        for fix, run in runs.items()
    }
    # The same seed draws the same beats: the money differs by the split's value alone.
    np.testing.assert_allclose(
        added[True] - added[False], split_value[True] - split_value[False], rtol=1e-6
    )
    # Without the correction A keeps about 70% of the patrols, and the design loses value.
    static = evaluate(policing()).added_per_population_day * 365
    assert added[False].mean() < added[True].mean()
    assert split_value[False].mean() < -0.1 * static < 0


def test_the_money_of_the_loop_needs_a_synthetic_model():
    labels = np.array([0, 1] * 50)
    scores = EmpiricalScores(labels, np.linspace(0.01, 0.99, 100))
    problems = simulation_problems(policing(), scores)
    assert [path for path, _ in problems] == ["feedback.enabled"]
    assert simulation_problems(policing()) == []
    with pytest.raises(PresetError, match="synthetic model"):
        simulate(policing(), replications=1, users=10, scores=scores)
