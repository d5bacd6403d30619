"""The plots' logistic of a threshold line's position is scipy's, without scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit as scipy_expit

from prototyper.qt.plots.common import expit


@pytest.mark.parametrize("x", [-800.0, -40.0, -3.5, -1e-9, 0.0, 1e-9, 0.25, 6.0, 36.0, 800.0])
def test_expit_is_scipys(x):
    assert math.isclose(expit(x), float(scipy_expit(x)), rel_tol=1e-15, abs_tol=0.0)


def test_expit_never_overflows_and_stays_in_range():
    values = [expit(x) for x in np.linspace(-1000, 1000, 2001)]
    assert values[0] == 0.0 and values[-1] == 1.0
    assert all(0.0 <= v <= 1.0 for v in values) and values == sorted(values)
