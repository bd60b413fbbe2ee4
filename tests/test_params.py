"""Checked notebook parameters: a wrong type, range or name stops the page with a clear message."""

import nbformat
import pytest

from unitroles import execute, params

SPEC = {
    **params.COMMON,
    "eval_per_class": params.Int(min=1),
    "layers": params.List(params.Str(), min_len=1),
    "val_root": params.Path("dir", env="UNITROLES_VAL_ROOT"),
    "class_name": params.Str(optional=True),
}


def good(**changes):
    values = {
        "profile": "book", "data_scale": 1, "epoch_scale": 1.0, "world_seed": 0,
        "image_size": 48, "eval_per_class": 10, "layers": ["conv5"], "val_root": None,
        "class_name": None,
    }  # fmt: skip
    return {**values, **changes}


def test_accepted_parameters_pass_and_numbers_are_converted():
    namespace = good()
    assert params.check(namespace, SPEC)["data_scale"] == 1.0
    assert isinstance(namespace["data_scale"], float)


@pytest.mark.parametrize(
    "name, value, accepts",
    [
        ("eval_per_class", -1, "an integer >= 1"),
        ("eval_per_class", 0, "an integer >= 1"),
        ("eval_per_class", "5", "an integer >= 1"),
        ("eval_per_class", True, "an integer >= 1"),
        ("layers", [], "a list of at least 1 item"),
        ("profile", "fast", "one of 'smoke', 'book', 'paper'"),
        ("data_scale", 0, "a number > 0"),
        ("image_size", 48.5, "an integer from 32 to 1024"),
    ],
)
def test_wrong_type_or_range_names_the_parameter_and_what_it_accepts(name, value, accepts):
    with pytest.raises(params.ParameterError) as err:
        params.check(good(**{name: value}), SPEC)
    message = str(err.value)
    assert f"`{name}` = {value!r}" in message and accepts in message


def test_unknown_name_is_refused_with_the_close_match_and_the_accepted_names():
    namespace = good(eval_per_clas=5)
    with pytest.raises(params.ParameterError, match=r"`eval_per_clas` \(did you mean "):
        params.check(namespace, SPEC)
    with pytest.raises(params.ParameterError, match="it accepts: class_name, data_scale"):
        params.check(namespace, SPEC)


def test_every_problem_is_reported_at_once():
    with pytest.raises(params.ParameterError) as err:
        params.check(good(eval_per_class=-1, layers=[]), SPEC)
    assert "`eval_per_class`" in str(err.value) and "`layers`" in str(err.value)


def test_relative_path_is_resolved_from_where_the_command_ran(tmp_path, monkeypatch):
    (tmp_path / "val").mkdir()
    monkeypatch.chdir(tmp_path.parent)  # where the kernel runs: elsewhere
    monkeypatch.setenv("UNITROLES_CALLER_CWD", str(tmp_path))
    namespace = good(val_root="val")
    params.check(namespace, SPEC)
    assert namespace["val_root"] == str(tmp_path / "val")
    with pytest.raises(params.ParameterError, match=f"nothing at {tmp_path / 'nope'} "):
        params.check(good(val_root="nope"), SPEC)


PAGE = """# %% [markdown]
# # A page

# %% tags=["parameters"]
eval_per_class = 10

# %%
from unitroles import params

params.check(globals(), {"eval_per_class": params.Int(min=1)})
"""


def test_execute_refuses_an_unknown_parameter_before_running(tmp_path, capsys):
    source = tmp_path / "page.py"
    source.write_text(PAGE)
    profile = tmp_path / "p.yml"
    profile.write_text("eval_per_class: 3\nprofile: book\n")  # a profile serves every page
    argv = [str(source), "--profile", str(profile), "--out", str(tmp_path / "out")]
    assert execute.main([*argv, "-p", "eval_per_clas", "5"]) == 2
    error = capsys.readouterr().err
    assert "unknown parameter `eval_per_clas` (did you mean `eval_per_class`?)" in error
    assert "it accepts: eval_per_class" in error
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_page_stops_on_a_bad_value_and_papermills_unknown_names(tmp_path):
    """In the kernel: a bad value through unitroles.execute, and an unknown name passed by plain
    papermill (which only warns), both stop the page at its check."""
    import papermill

    source = tmp_path / "page.py"
    source.write_text(PAGE)
    with pytest.raises(papermill.PapermillExecutionError, match=r"`eval_per_class` = -1"):
        execute.execute_notebook(source, tmp_path / "out", parameters={"eval_per_class": -1})
    assert not list((tmp_path / "out").glob("*.ipynb"))

    import jupytext

    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nbformat.write(notebook, tmp_path / "page.ipynb")
    with pytest.raises(
        papermill.PapermillExecutionError, match="unknown parameter `eval_per_clas`"
    ):
        papermill.execute_notebook(
            str(tmp_path / "page.ipynb"), str(tmp_path / "ran.ipynb"),
            parameters={"eval_per_clas": 5}, kernel_name="python3", progress_bar=False,
        )  # fmt: skip
