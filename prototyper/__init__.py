"""Prototyper: evaluate ML intelligent-experience designs described by YAML presets."""

__version__ = "0.1.0"
