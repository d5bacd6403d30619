"""The versions of installed distributions, read without importlib.metadata, are the ones
importlib.metadata gives."""

from __future__ import annotations

import sys
from importlib import metadata

import pytest

from prototyper.core.model import installed


@pytest.fixture(autouse=True)
def fresh_answers():
    installed.version.cache_clear()
    yield
    installed.version.cache_clear()


def dist_info(folder, name, text):
    (folder / name).mkdir(parents=True)
    (folder / name / "METADATA").write_text(text, encoding="utf-8")


def test_every_installed_distribution_has_the_version_importlib_gives():
    names = {d.metadata["Name"] for d in metadata.distributions()}
    assert {"numpy", "scikit-learn", "skops", "scipy"} <= names
    for name in sorted(names):
        assert installed.version(name) == metadata.version(name), name
    assert installed.version("no-such-distribution-here") is None


def test_names_match_as_importlib_normalises_them(tmp_path, monkeypatch):
    dist_info(
        tmp_path, "Foo_Bar-1.0.dist-info", "Metadata-Version: 2.1\nName: Foo-Bar\nVersion: 1.0 \n\n"
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    for name in ("foo-bar", "Foo.Bar", "foo__bar"):
        installed.version.cache_clear()
        assert installed.version(name) == metadata.version(name) == "1.0 "  # spaces kept


def test_the_first_folder_on_the_path_wins(tmp_path, monkeypatch):
    dist_info(tmp_path / "a", "thing-2.0.dist-info", "Name: thing\nVersion: 2.0\n\n")
    dist_info(tmp_path / "b", "thing-1.0.dist-info", "Name: thing\nVersion: 1.0\n\n")
    monkeypatch.setattr(
        sys, "path", [str(tmp_path / "missing"), str(tmp_path / "a"), str(tmp_path / "b")]
    )
    assert installed.version("thing") == metadata.version("thing") == "2.0"


@pytest.mark.parametrize(
    "layout",
    [
        # two copies in one folder: importlib.metadata's choice depends on the listing
        {
            "thing-1.0.dist-info": "Name: thing\nVersion: 1.0\n\n",
            "thing-2.0.dist-info": "Name: thing\nVersion: 2.0\n\n",
        },
        # a folded header
        {"thing-3.0.dist-info": "Name: thing\nVersion: 3.0\n  .1\n\n"},
        # an egg's metadata
        {"thing-4.0.egg-info": "Name: thing\nVersion: 4.0\n\n"},
        # no Version header
        {"thing-5.0.dist-info": "Name: thing\n\n"},
    ],
)
def test_unusual_layouts_are_read_by_importlib_metadata(tmp_path, monkeypatch, layout):
    for folder, text in layout.items():
        (tmp_path / folder).mkdir()
        (
            tmp_path / folder / ("PKG-INFO" if folder.endswith(".egg-info") else "METADATA")
        ).write_text(text)
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    try:
        expected = metadata.version("thing")
    except (metadata.PackageNotFoundError, KeyError):  # KeyError: a finder of importlib_metadata
        expected = None
    assert installed.version("thing") == expected
