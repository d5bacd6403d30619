"""A preset: the table of modes and their traits, the schema (field metadata and dataclasses),
its structure (paths, hints, conversion to plain data), YAML reading and writing, bundles and
crash recovery of unsaved presets."""
