"""The engine of the prototyper, with no user interface: the preset schema and its YAML
files, score models and real model sources, the evaluation, sweeps, bundles and the simulation
over time.

Both the window (``prototyper.qt``) and the command line (``prototyper.cli``) are built on it,
never the other way round: core never imports Qt (PySide6, shiboken6, pyqtgraph, superqt), the
window or the CLI, not even inside a function. ``lint-imports`` checks this (the contracts are
in pyproject.toml), and core's modules import each other without cycles.
"""
