"""How much the dissection line decides (claim W3): rotated bases dissected as the rotated
activations, counts re-read at other lines, Fig. 9's check over the grid, and the checks."""

import numpy as np
import pandas as pd
import pytest
import torch
from test_dissection_rule import Q, Strided, scaled, write_partial_broden

from unitroles import dissection as D
from unitroles import dissection_sensitivity as S
from unitroles import engine


def _dissection(iou, concepts=("cup", "car", "hall"), categories=("object", "object", "scene")):
    iou = np.asarray(iou, float)
    return D.Dissection(iou, tuple(concepts), tuple(categories), np.zeros(len(iou)))


def test_a_rotated_basis_outputs_the_rotated_activations():
    model = Strided().eval()
    x = torch.rand(5, 3, 12, 12)
    model(x)
    rot = S.rotated(model, "relu", seed=3, example=x)
    act = engine.Engine(model, "relu", device="cpu").activations(x)
    q = engine.random_rotation(4, 3).float()
    expected = torch.stack([sum(q[v, u] * act[:, u] for u in range(4)) for v in range(4)], 1)
    torch.testing.assert_close(rot(x), expected, atol=1e-5, rtol=1e-5)


def test_dissecting_a_rotation_equals_dissecting_its_activations(tmp_path):
    ds = write_partial_broden(tmp_path / "b")
    model = Strided().eval()
    model(torch.zeros(1, 3, 12, 12))
    example = scaled(torch.zeros(1, 3, 12, 12))
    plain = D.dissect(model, "relu", ds, scaled, quantile=Q, device="cpu")
    identity = S.Rotated(engine.split_at(model, "relu").prefix, torch.eye(4))
    same = D.dissect(identity, S.ROTATED_LAYER, ds, scaled, quantile=Q, device="cpu")
    np.testing.assert_allclose(same.iou, plain.iou, atol=1e-12)
    rotated = S.rotated(model, "relu", seed=1, example=example)
    turned = D.dissect(rotated, S.ROTATED_LAYER, ds, scaled, quantile=Q, device="cpu")
    assert turned.iou.shape == plain.iou.shape and not np.allclose(turned.iou, plain.iou)


def test_best_at_the_book_line_is_the_dissections_own_best():
    d = _dissection([[0.03, 0.05, 0.2], [0.01, 0.02, 0.03], [0.045, 0.0, 0.0]])
    pd.testing.assert_frame_equal(S.best_at(d, 0.04, scenes=True), d.best())
    plain = S.best_at(d, 0.04, scenes=False)
    assert plain["concept"].tolist() == ["car", "car", "cup"]
    assert plain["interpretable"].tolist() == [True, False, True]
    assert S.best_at(d, 0.02, scenes=False)["interpretable"].tolist() == [True, False, True]
    assert S.best_at(d, 0.019, scenes=False)["interpretable"].tolist() == [True, True, True]


def test_counts_match_a_plain_count_at_every_line():
    rng = np.random.default_rng(0)
    dissections = {("r", 0, "units", 0.005): _dissection(rng.random((8, 3)) * 0.1)}
    frame = S.counts(dissections, [0.02, 0.05])
    iou = dissections["r", 0, "units", 0.005].iou
    for _, row in frame.iterrows():
        best = iou.max(1) if row["scenes"] else iou[:, :2].max(1)
        assert row["interpretable"] == int((best > row["iou"]).sum())
    assert len(frame) == 4


def _grid(base_counts, drop_counts, quantiles=(0.005, 0.01)):
    """Dissections whose units have one object concept each, ``count`` of them over 0.04."""

    def d(n):
        iou = np.zeros((10, 3))
        iou[:n, 0] = 0.05
        return _dissection(iou)

    out = {}
    for q in quantiles:
        for s, (b, x) in enumerate(zip(base_counts, drop_counts)):
            out["base", s, "units", q] = d(b)
            out["drop", s, "units", q] = d(x)
    return out


def test_fig9s_check_over_the_grid_is_the_pages_own_check():
    z10 = S.z10_outcomes(_grid([6, 7, 6], [2, 3, 2]), "base", "drop", [0, 1, 2], [0.04, 0.06])
    assert len(z10) == 2 * 2 * 2
    at_04 = z10[z10["iou"] == 0.04]
    assert at_04["holds"].all() and (at_04["difference"] == -4).all()
    assert not z10[z10["iou"] == 0.06]["holds"].any()  # no unit over 0.06: 0 against 0
    flips = S.flips(z10)
    assert set(flips["iou"]) == {0.06}
    grid = S.outcome_grid(z10, scenes=False)
    assert grid.loc["top 0.5%", "IoU > 0.04"] == "✓ -4.0 ★"
    assert grid.loc["top 1%", "IoU > 0.06"] == "✗ +0.0"


def test_units_against_rotations_pair_the_seeds():
    rows = [
        {"recipe": "base", "seed": s, "basis": basis, "quantile": 0.005, "iou": 0.04,
         "scenes": False, "interpretable": n, "concepts": 1}
        for s, (u, r) in enumerate([(10, 2), (12, 3), (11, 1)])
        for basis, n in (("units", u), ("rotation", r))
    ]  # fmt: skip
    axis = S.units_vs_rotations(pd.DataFrame(rows), "base")
    assert len(axis) == 1 and axis["above"].iloc[0]
    assert axis["difference"].iloc[0] == pytest.approx(9)
    one = S.units_vs_rotations(pd.DataFrame([r for r in rows if r["seed"] == 0]), "base")
    assert one["text"].iloc[0] == "one seed, +8 units"


def test_checks_name_the_core_and_count_the_grid():
    axis = pd.DataFrame(
        {"quantile": [0.005, 0.01, 0.005, 0.01], "iou": [0.04, 0.04, 0.04, 0.04],
         "scenes": [False, False, True, True], "difference": [5, -1, 3, 2],
         "above": [True, False, True, True], "text": ["t1", "t2", "t3", "t4"]}
    )  # fmt: skip
    z10 = pd.DataFrame(
        {"quantile": [0.005, 0.01, 0.005, 0.01], "iou": [0.04] * 4,
         "scenes": [False, False, True, True], "difference": [-2, -1, 0, 0],
         "holds": [True, True, False, False]}
    )  # fmt: skip
    checks, core = S.checks(axis, z10)
    assert len(core) == 2 and all(name in checks for name in core)
    outcomes = {name.split(":")[0]: ok for name, ok in checks.items()}
    assert outcomes[S.AXIS_CHECK] is True
    assert outcomes[S.GRID_CHECK] is False  # 1 of 2
    assert outcomes[S.Z10_CHECK] is True  # 2 of 2


def test_a_set_kept_in_memory_dissects_and_keys_as_the_folder(tmp_path):
    ds = write_partial_broden(tmp_path / "b")
    kept = S.in_memory(ds)
    assert isinstance(kept, S.InMemory)
    assert D.dataset_fingerprint(kept) == D.dataset_fingerprint(ds)
    torch.testing.assert_close(kept.image(4), ds.image(4))
    model = Strided().eval()
    model(torch.zeros(1, 3, 12, 12))
    for _ in range(2):  # the second pass reads the kept items
        d = D.dissect(model, "relu", kept, scaled, quantile=Q, device="cpu")
        np.testing.assert_array_equal(d.iou, D.dissect(model, "relu", ds, scaled, quantile=Q,
                                                       device="cpu").iou)  # fmt: skip
    assert len(kept.items) == len(ds)


def test_dissect_gives_the_units_and_the_rotation_at_every_quantile(tmp_path, store):
    ds = write_partial_broden(tmp_path / "b")
    model = Strided().eval()
    model(torch.zeros(1, 3, 12, 12))
    example = scaled(torch.zeros(1, 3, 12, 12))
    found = S.dissect(model, "relu", ds, scaled, [Q], rotation=1, example=example, store=store,
                      device="cpu")  # fmt: skip
    assert list(found) == [("units", Q), ("rotation", Q)]
    plain = D.dissect(model, "relu", ds, scaled, quantile=Q, device="cpu")
    np.testing.assert_allclose(found["units", Q].iou, plain.iou)
    only = S.dissect(model, "relu", ds, scaled, [Q], store=store, device="cpu")
    assert list(only) == [("units", Q)]


def _page_grid() -> S.Grid:
    dissections = _grid([6, 7, 6], [2, 3, 2], quantiles=(0.005, 0.025))
    for s, n in enumerate([1, 2, 1]):  # rotations of the base models: fewer directions
        for q in (0.005, 0.025):
            iou = np.zeros((10, 3))
            iou[:n, 0] = 0.05
            dissections["base", s, "rotation", q] = _dissection(iou)
    frame = S.counts(dissections, [0.02, 0.04])
    z10 = S.z10_outcomes(dissections, "base", "drop", [0, 1, 2], [0.02, 0.04])
    return S.Grid(frame, z10, S.units_vs_rotations(frame, "base"), "base", "drop", "conv5")


def test_the_grid_reads_the_book_line_for_the_page():
    grid = _page_grid()
    assert len(S.at_book(grid.frame)) == 9 and len(S.at_book(grid.z10)) == 1
    assert grid.spread("base") == "6–7" and grid.spread("base", "rotation") == "1–2"
    assert grid.holds and grid.axis_share() == (4, 4)
    glued = grid.glue_values(["base", "drop"], [0.005, 0.025], [0.02, 0.04], 3, 3)
    assert glued["book_z10"] == "holds" and glued["book_rot"] == "1–2"
    assert glued["quantiles_text"] == "0.5%, 2.5%" and glued["axis_share"] == "4 of 4"
    assert glued["n_flips"] == 0 and glued["flip_text"] == "none" and glued["n_plain"] == 4
    assert "base 6–7 interpretable units of 10" in grid.claim_text(10, 3)
    assert "the units win at 4 of 4 settings" in grid.takeaway_text(3)
    assert S.setting_text(S.at_book(grid.z10).iloc[0]) == "top 0.5%, IoU > 0.04, no scene labels"
    ex = grid.exercise_glue([0.02, 0.04], [0.005, 0.025])
    assert ex["ex1_book"] == "6.3" and ex["ex1_quantile"] == "2.5%" and ex["ex1_iou_line"] == "0.02"
    table = S.mean_counts(grid.frame, "base")
    assert list(table.columns) == ["base", "base, rotated", "drop"]
    assert ("no", "0.5%", "0.04 ★") in table.index


def test_judge_gives_claim_w3_the_grids_checks_card_takeaway_and_glue():
    grid = _page_grid()
    args = (["base", "drop"], [0.005, 0.025], [0.02, 0.04])
    w3 = S.judge(grid, *args, [0, 1, 2], [0, 1, 2], 10)
    assert (w3.checks, w3.core) == S.checks(grid.axis, grid.z10) and len(w3.core) == 2
    assert w3.ours == grid.claim_text(10, 3) and w3.takeaway == grid.takeaway_text(3)
    assert w3.glue == grid.glue_values(*args, 3, 3)
    assert w3.changes == {} and w3.unmeasured is None


def test_dissect_models_rotates_the_named_recipes_seeds_only(tmp_path, store, capsys):
    from types import SimpleNamespace

    ds = write_partial_broden(tmp_path / "b")
    model = Strided().eval()
    model(torch.zeros(1, 3, 12, 12))

    class Run:
        def model(self, recipe, seed):
            return SimpleNamespace(model=model, images=scaled(torch.zeros(1, 3, 12, 12)),
                                   description=f"{recipe} {seed}")  # fmt: skip

    found = S.dissect_models(Run(), ["a", "b"], [0, 1], "relu", ds, scaled, [Q], rotate="a",
                             rotated_seeds=[1], store=store, device="cpu")  # fmt: skip
    assert list(found) == [("a", 0, "units", Q), ("a", 1, "units", Q), ("a", 1, "rotation", Q),
                           ("b", 0, "units", Q), ("b", 1, "units", Q)]  # fmt: skip
    assert capsys.readouterr().out.split("\n")[:4] == ["a 0", "a 1", "b 0", "b 1"]
