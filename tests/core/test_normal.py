"""The normal CDF and its inverse computed without scipy are scipy.special's to the bit, and
the compiled ones are used once scipy.special is imported."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from prototyper.core.model import normal


def same_bits(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Elementwise: equal including the sign of zero, or both nan."""
    equal = (expected == actual) & (np.signbit(expected) == np.signbit(actual))
    return equal | (np.isnan(expected) & np.isnan(actual))


def test_ndtr_is_scipys_to_the_bit():
    rng = np.random.default_rng(1)
    x = np.concatenate(
        [
            rng.normal(0, 3, 200_000),
            rng.uniform(-40, 40, 50_000),
            np.linspace(-12, 12, 100_001),
            # the branch points: |x| = 1 and 1/sqrt 2 after scaling, 8 in erfc, underflow
            np.sqrt(2) * np.array([1, -1, 0.5**0.5, -(0.5**0.5), 8, -8, 26.6, -26.7]),
            [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-300, -1e-300, 38.0, -38.5],
        ]
    )
    expected, actual = special.ndtr(x), normal.numpy_ndtr(x)
    wrong = ~same_bits(expected, actual)
    assert not wrong.any(), (x[wrong][:5], expected[wrong][:5], actual[wrong][:5])


def test_ndtri_is_scipys_to_the_bit():
    rng = np.random.default_rng(2)
    p = np.concatenate(
        [
            rng.uniform(0, 1, 200_000),
            10.0 ** rng.uniform(-307, 0, 50_000),  # the far lower tail (z beyond 8)
            1 - 10.0 ** rng.uniform(-16, 0, 50_000),  # the upper tail
            [0.0, 1.0, -0.1, 1.1, np.nan, 0.5, np.exp(-2), 1 - np.exp(-2), 5e-324, 1e-308],
        ]
    )
    expected, actual = special.ndtri(p), normal.numpy_ndtri(p)
    wrong = ~same_bits(expected, actual)
    assert not wrong.any(), (p[wrong][:5], expected[wrong][:5], actual[wrong][:5])


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_shapes_are_kept(shape):
    x = np.full(shape, 0.3)
    assert normal.numpy_ndtr(x).shape == shape and normal.numpy_ndtri(x).shape == shape
    assert float(normal.numpy_ndtri(normal.numpy_ndtr(0.3))) == pytest.approx(0.3, abs=1e-15)


def test_scipys_compiled_functions_are_used_once_it_is_imported():
    normal.load_compiled()  # (this module has imported scipy.special already)
    x = np.linspace(-9, 9, 7)
    assert normal.ndtr(x).tobytes() == special.ndtr(x).tobytes()
    assert normal.ndtri(0.25) == special.ndtri(0.25)
