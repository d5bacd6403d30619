from __future__ import annotations

from prototyper.core.model.model_sections import (
    described,
    preset_relative,
    score_file_model,
    sklearn_model,
)
from prototyper.core.model.scores import BinormalScores
from prototyper.core.preset.schema import ScoreFileModel, SklearnModel, SyntheticModel


def test_paths_are_written_relative_to_the_presets_folder(tmp_path):
    csv = tmp_path / "scores.csv"
    assert preset_relative(csv, None) == str(csv.resolve())  # no file yet: absolute
    assert preset_relative(csv, tmp_path / "a" / "b") == "../../scores.csv"
    assert preset_relative(csv, tmp_path) == "scores.csv"


def test_a_score_files_columns_are_found_by_name_whatever_their_case(tmp_path):
    (tmp_path / "s.csv").write_text("Outcome,Probability,SAMPLE_WEIGHT,group,x\n1,0.5,1,a,3\n")
    assert score_file_model(tmp_path / "s.csv", tmp_path) == ScoreFileModel(
        path="s.csv",
        label_column="Outcome",
        score_column="Probability",
        weight_column="SAMPLE_WEIGHT",
        group_column="group",
    )
    # Unknown names fall back to the defaults; a missing file has no header to read.
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    for name in ("t.csv", "missing.csv"):
        section = score_file_model(tmp_path / name, tmp_path)
        assert (section.label_column, section.score_column) == ("label", "score")
        assert section.weight_column is None and section.group_column is None


def test_an_estimators_section_names_its_data_and_label(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "eval.csv").write_text("f1,target,weight\n1,0,2\n")
    section = sklearn_model(tmp_path / "m.skops", tmp_path / "data" / "eval.csv", tmp_path)
    assert isinstance(section, SklearnModel)
    assert (section.model, section.data) == ("m.skops", "data/eval.csv")
    assert (section.label_column, section.weight_column) == ("target", "weight")


def test_describing_a_model_keeps_its_auc_inside_the_sliders_range():
    assert described(BinormalScores(auc=0.87654, base_rate=0.1)) == SyntheticModel(auc=0.8765)
    assert described(BinormalScores(auc=0.999999, base_rate=0.1)).auc == 0.9999
    assert described(object()) == SyntheticModel()  # nothing measured: the default


def test_another_model_drops_the_distribution_of_the_synthetic_auc(tmp_path):
    from prototyper import assets
    from prototyper.core.model.model_sections import replace_model
    from prototyper.core.preset.preset_io import load_preset

    preset = load_preset(assets.preset_path("fall_detection"))
    assert "model.auc" in preset.uncertainty
    (tmp_path / "s.csv").write_text("label,score\n1,0.9\n0,0.1\n")
    switched = replace_model(preset, score_file_model(tmp_path / "s.csv", tmp_path))
    assert "model.auc" not in switched.uncertainty
    assert set(switched.uncertainty) == set(preset.uncertainty) - {"model.auc"}
