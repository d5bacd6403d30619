"""Long sensitivity analyses in chunks: in this process, on local cores (joblib's loky) or
on a dask cluster.

The draws are made once, in the caller (sensitivity.psa_quantiles), and only the evaluation
is split: chunk k evaluates draws [start, stop) wherever it runs, so a run gives the same
numbers in one process, on several cores or on a cluster. A PSA over time simulates each
draw (core/simulation), seeded by the run's seed and the draw's index, the same for every
design (common random numbers again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .evaluation.draws import with_arrays
from .evaluation.sensitivity import design_values
from .model.scores import ScoreModel
from .preset.schema import Preset
from .preset.uncertainty import uncertain_inputs
from .simulation.results import Cancelled

__all__ = ["Cancelled", "OverTime", "Runner", "chunk_values"]

Evaluator = Callable[[Preset, ScoreModel | None, Sequence[str], np.ndarray], np.ndarray]


@dataclass(frozen=True)
class OverTime:
    """Each draw is a short simulation: ``users`` users over the horizon, ``replications``
    replications; its value is value added per day averaged over the horizon."""

    users: int = 300
    replications: int = 1
    seed: int = 1


def chunk_values(
    preset: Preset,
    scores: ScoreModel | None,
    paths: Sequence[str],
    quantiles: np.ndarray,
    start: int = 0,
    over_time: OverTime | None = None,
) -> np.ndarray:
    """Value added per day of one design at draws ``start`` to ``start + n`` (their uniform
    quantiles [input, draw]); statically, or each draw simulated."""
    if over_time is None:
        return design_values(preset, scores, paths, quantiles)
    from .simulation.simulate import simulate

    own = {i.path: i for i in uncertain_inputs(preset)}
    out = np.empty(quantiles.shape[1])
    for j in range(quantiles.shape[1]):
        values = {
            p: float(own[p].distribution.ppf(quantiles[k, j]))
            for k, p in enumerate(paths)
            if p in own
        }
        drawn = with_arrays(preset, values)
        sim = simulate(
            drawn,
            seed=over_time.seed + start + j,
            replications=over_time.replications,
            users=min(over_time.users, drawn.scenario.users),
            scores=scores,
        )
        out[j] = sim.summary["value_added"].mean / drawn.scenario.horizon_days
    return out


@dataclass(frozen=True)
class Runner:
    """Where a PSA's draws are evaluated. ``jobs`` 1 is this process; more uses that many
    local processes (joblib's loky; -1 for every core). ``scheduler`` is the address of a
    dask scheduler (``tcp://host:8786``), whose workers then evaluate the chunks."""

    jobs: int = 1
    chunk: int = 2_500
    scheduler: str | None = None
    over_time: OverTime | None = None

    def evaluator(
        self,
        progress: Callable[[float], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        designs: int = 1,
    ) -> Evaluator:
        """A ``psa(evaluate_chunks=...)`` that reports the fraction done over ``designs``
        designs and raises Cancelled between chunks once ``cancelled()`` is true."""
        done = [0]

        def run(
            preset: Preset, scores: ScoreModel | None, paths: Sequence[str], q: np.ndarray
        ) -> np.ndarray:
            n = q.shape[1]
            size = max(1, min(self.chunk, n))
            starts = list(range(0, n, size))
            tasks = [(preset, scores, paths, q[:, s : s + size], s, self.over_time) for s in starts]
            out = []
            for k, values in enumerate(self._map(tasks)):
                out.append(values)
                if progress is not None:
                    progress((done[0] + (k + 1) / len(starts)) / designs)
                if cancelled is not None and cancelled():
                    raise Cancelled("the sensitivity analysis was cancelled")
            done[0] += 1
            return np.concatenate(out)

        return run

    def _map(self, tasks: list[tuple]) -> Iterator[np.ndarray]:
        if self.jobs == 1 and self.scheduler is None:
            return (chunk_values(*t) for t in tasks)
        return self._parallel(tasks)

    def _parallel(self, tasks: list[tuple]) -> Iterator[np.ndarray]:
        from joblib import Parallel, delayed, parallel_config

        with self._backend() as backend:
            # on a cluster, as many at once as its workers take
            jobs = -1 if backend == "dask" else self.jobs
            with parallel_config(backend=backend, n_jobs=jobs):
                # A generator: results arrive in order as chunks finish, and leaving the
                # loop early (cancel) aborts the chunks not yet started.
                yield from Parallel(return_as="generator")(delayed(chunk_values)(*t) for t in tasks)

    @contextmanager
    def _backend(self) -> Iterator[str]:
        if self.scheduler is None:
            yield "loky"
            return
        from distributed import Client  # the optional extra: prototyper[dask]

        with Client(self.scheduler, set_as_default=True):
            yield "dask"


def connectable(address: str) -> bool:
    """Whether ``address`` looks like a scheduler address (``tcp://host:port`` etc.)."""
    scheme, sep, rest = address.partition("://")
    return bool(sep and rest and scheme in ("tcp", "tls", "inproc", "ws", "wss", "ucx"))
