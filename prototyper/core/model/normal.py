"""The standard normal CDF and its inverse, with or without scipy.

Importing scipy.special costs a fraction of a second (it pulls in numpy's testing, f2py and
masked arrays), which the window's first paint and a described model's evaluation do not need.
Until something imports it, :func:`numpy_ndtr` and :func:`numpy_ndtri` compute them on numpy:
the Cephes algorithms (Stephen L. Moshier, BSD licence) that scipy.special's ``ndtr`` and
``ndtri`` use, with the same coefficients and the same order of operations, so the results are
the same to the last bit (tests/core/test_normal.py compares them). Once scipy.special is
imported its compiled ufuncs are used: numpy's array operations cost about 0.1 ms a call,
which a drag's many small calls would feel.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np

_SQRT1_2 = math.sqrt(0.5)
_MAXLOG = 7.09782712893383996843e2  # log of the largest double: exp(-x*x) underflows past it
_SQRT_2PI = 2.50662827463100050242e0
_EXP_M2 = 0.13533528323661269189  # exp(-2)

# erfc(x) = exp(-x*x) P(x)/Q(x) for 1 <= x < 8, R(x)/S(x) from 8; erf(x) = x T(x*x)/U(x*x)
# for |x| <= 1. Q, S and U have an implicit leading coefficient of 1.
_P = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
_Q = (
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)
_R = (
    5.64189583547755073984e-1,
    1.27536670759978104416e0,
    5.01905042251180477414e0,
    6.16021097993053585195e0,
    7.40974269950448939160e0,
    2.97886665372100240670e0,
)
_S = (
    2.26052863220117276590e0,
    9.39603524938001434673e0,
    1.20489539808096656605e1,
    1.70814450747565897222e1,
    9.60896809063285878198e0,
    3.36907645100081516050e0,
)
_T = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
_U = (
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)

# The inverse: w + w^3 P0(w^2)/Q0(w^2) near the middle (w = y - 1/2, |w| <= 3/8); in the
# tails z = sqrt(-2 log y) and x = z - log(z)/z - P(1/z)/(z Q(1/z)), P1/Q1 for z < 8, else
# P2/Q2. Q0, Q1 and Q2 have an implicit leading coefficient of 1.
_P0 = (
    -5.99633501014107895267e1,
    9.80010754185999661536e1,
    -5.66762857469070293439e1,
    1.39312609387279679503e1,
    -1.23916583867381258016e0,
)
_Q0 = (
    1.95448858338141759834e0,
    4.67627912898881538453e0,
    8.63602421390890590575e1,
    -2.25462687854119370527e2,
    2.00260212380060660359e2,
    -8.20372256168333339912e1,
    1.59056225126211695515e1,
    -1.18331621121330003142e0,
)
_P1 = (
    4.05544892305962419923e0,
    3.15251094599893866154e1,
    5.71628192246421288162e1,
    4.40805073893200834700e1,
    1.46849561928858024014e1,
    2.18663306850790267539e0,
    -1.40256079171354495875e-1,
    -3.50424626827848203418e-2,
    -8.57456785154685413611e-4,
)
_Q1 = (
    1.57799883256466749731e1,
    4.53907635128879210584e1,
    4.13172038254672030440e1,
    1.50425385692907503408e1,
    2.50464946208309415979e0,
    -1.42182922854787788574e-1,
    -3.80806407691578277194e-2,
    -9.33259480895457427372e-4,
)
_P2 = (
    3.23774891776946035970e0,
    6.91522889068984211695e0,
    3.93881025292474443415e0,
    1.33303460815807542389e0,
    2.01485389549179081538e-1,
    1.23716634817820021358e-2,
    3.01581553508235416007e-4,
    2.65806974686737550832e-6,
    6.23974539184983293730e-9,
)
_Q2 = (
    6.02427039364742014255e0,
    3.67983563856160859403e0,
    1.37702099489081330271e0,
    2.16236993594496635890e-1,
    1.34204006088543189037e-2,
    3.28014464682127739104e-4,
    2.89247864745380683936e-6,
    6.79019408009981274425e-9,
)


def _polevl(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Horner's rule, highest power first."""
    out = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        out *= x
        out += c
    return out


def _p1evl(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Horner's rule with a leading coefficient of 1 left implicit."""
    out = x + coefficients[0]
    for c in coefficients[1:]:
        out *= x
        out += c
    return out


def ndtr(a: float | np.ndarray) -> np.ndarray:
    """P(Z <= a) for a standard normal Z, elementwise."""
    compiled = _compiled()
    return compiled[0](a) if compiled else numpy_ndtr(a)


def ndtri(p: float | np.ndarray) -> np.ndarray:
    """The a with P(Z <= a) = p, elementwise: -inf at 0, inf at 1, nan outside [0, 1]."""
    compiled = _compiled()
    return compiled[1](p) if compiled else numpy_ndtri(p)


def load_compiled() -> None:
    """Import scipy.special (a fraction of a second): its compiled ufuncs, the same to the
    bit and about ten times faster on a sweep's arrays, are used from then on. The window
    calls this after its first paint, before any drag."""
    from scipy import special  # noqa: F401 - found in sys.modules by _compiled


_COMPILED: tuple[Callable, Callable] | None = None


def _compiled() -> tuple[Callable, Callable] | None:
    """scipy.special's ndtr and ndtri once it is imported (by load_compiled, or by anything
    else that needs scipy.special), else None."""
    global _COMPILED
    if _COMPILED is None:
        special = sys.modules.get("scipy.special")
        ndtr_, ndtri_ = getattr(special, "ndtr", None), getattr(special, "ndtri", None)
        if ndtr_ is None or ndtri_ is None:
            return None
        _COMPILED = (ndtr_, ndtri_)
    return _COMPILED


def numpy_ndtr(a: float | np.ndarray) -> np.ndarray:
    """:func:`ndtr` on numpy alone (a 0-d array for a number).

    Every branch is computed for every element and the right one picked (a sweep's few
    hundred points cost less so than sorted into pieces): 1/2 + erf(x)/2 for |x| < 1/sqrt 2,
    x = a/sqrt 2, else erfc(|x|)/2 mirrored for x > 0, erfc(z) being 1 - erf(z) below 1."""
    x = np.asarray(a, dtype=float) * _SQRT1_2
    z = np.abs(x)
    w = np.minimum(z, 1.0)
    w2 = w * w
    erf = w * _polevl(w2, _T) / _p1evl(w2, _U)  # erf(|x|) for |x| <= 1
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        near = np.clip(z, 1.0, 8.0)
        far = np.maximum(z, 8.0)
        exp = np.exp(-z * z)
        erfc = np.where(
            z < 8.0,
            exp * _polevl(near, _P) / _p1evl(near, _Q),
            exp * _polevl(far, _R) / _p1evl(far, _S),
        )
    erfc = np.where(-z * z < -_MAXLOG, 0.0, erfc)  # underflow: 0, as exp would not quite
    inner = 0.5 + 0.5 * np.where(x < 0, -erf, erf)
    y = 0.5 * np.where(z < 1.0, 1.0 - erf, erfc)
    out = np.where(z < _SQRT1_2, inner, np.where(x > 0, 1.0 - y, y))
    return np.where(np.isnan(x), x, out)


def numpy_ndtri(p: float | np.ndarray) -> np.ndarray:
    """:func:`ndtri` on numpy alone (a 0-d array for a number)."""
    p = np.asarray(p, dtype=float)
    flat = p.ravel()
    out = np.full_like(flat, np.nan)
    out[flat == 0.0] = -np.inf
    out[flat == 1.0] = np.inf
    inside = (flat > 0.0) & (flat < 1.0)
    y = flat[inside]
    upper = y > 1.0 - _EXP_M2  # computed from 1 - y, then negated back
    y = np.where(upper, 1.0 - y, y)
    result = np.empty_like(y)
    central = y > _EXP_M2
    w = y[central] - 0.5
    w2 = w * w
    result[central] = (w + w * (w2 * _polevl(w2, _P0) / _p1evl(w2, _Q0))) * _SQRT_2PI
    x = np.sqrt(-2.0 * np.log(y[~central]))
    x0 = x - np.log(x) / x
    z = 1.0 / x
    near = x < 8.0
    x1 = np.empty_like(x)
    x1[near] = z[near] * _polevl(z[near], _P1) / _p1evl(z[near], _Q1)
    x1[~near] = z[~near] * _polevl(z[~near], _P2) / _p1evl(z[~near], _Q2)
    tail = x0 - x1
    result[~central] = np.where(upper[~central], tail, -tail)
    out[inside] = result
    return out.reshape(p.shape)
