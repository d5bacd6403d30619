"""`prototyper schema`: the JSON Schema shipped beside the bundled presets, which name it."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from prototyper import assets
from prototyper.core.preset.json_schema import FILE_NAME, MODELINE

from ..core.small_preset import SMALL
from .running import run


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((assets.asset_dir("presets") / FILE_NAME).read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_shipped_schema_is_what_the_command_prints(capsys):
    code, out, err = run(capsys, "schema")
    assert (code, err) == (0, "")
    assert out == (assets.asset_dir("presets") / FILE_NAME).read_text("utf-8")
    assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", assets.bundled_presets(), ids=lambda p: p.stem)
def test_every_bundled_preset_names_the_schema_and_follows_it(path, validator):
    text = path.read_text("utf-8")
    assert text.splitlines()[0] == MODELINE
    assert list(validator.iter_errors(yaml.safe_load(text))) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("auc: 0.8", "auc: 1.4"), "auc"),  # out of range
        (("auc: 0.8", "auk: 0.8"), "auk"),  # an unknown key
        (("users: 1000", "users: many"), "many"),  # not a number
        (("mode: prompt", "mode: shout"), "shout"),  # not a mode
    ],
)
def test_the_schema_refuses_what_the_loader_refuses(validator, change, where):
    assert list(validator.iter_errors(yaml.safe_load(SMALL))) == []
    bad = yaml.safe_load(SMALL.replace(*change))
    errors = list(validator.iter_errors(bad))
    assert errors
    assert any(where in e.message or where in json.dumps(list(e.path)) for e in errors)


def test_a_model_section_is_told_apart_by_its_source(validator):
    data = yaml.safe_load(SMALL)
    data["model"] = {"source": "score_file", "path": "scores.csv"}
    assert list(validator.iter_errors(data)) == []
    data["model"] = {"path": "scores.csv"}  # without its source it is a described model
    assert list(validator.iter_errors(data))
    data["model"] = {"source": "sklearn", "model": "m.skops"}  # no evaluation data
    assert list(validator.iter_errors(data))
