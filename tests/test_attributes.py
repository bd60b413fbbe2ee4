"""Unit attributes and network dissection against hand-computed values, brute force, and data
whose answer is known by construction."""

import csv

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from unitroles import attributes as A
from unitroles import broden, broden_export, scenes, zoo
from unitroles import dissection as D
from unitroles.store import Store

# --------------------------------------------------------------------------------------------------
# Weight L1


def test_layer_conv_finds_the_conv_that_makes_the_units():
    alex = zoo.build_model("alexnet-mini", 5)
    assert A.layer_conv(alex, "conv5")[0] == "features.10"
    assert A.layer_conv(alex, "conv1")[0] == "features.0"
    res = zoo.build_model("resnet18-mini", 5)
    assert A.layer_conv(res, "layer4")[0] == "layer4.1.conv2"
    assert A.layer_conv(res, "conv1")[0] == "conv1"


def test_weight_l1_by_hand():
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.ReLU())
    with torch.no_grad():
        w = torch.tensor([[1.0, -2.0], [0.0, 0.0], [-0.5, 0.25]])
        model[0].weight.copy_(w.view(3, 2, 1, 1))
        model[0].bias.fill_(100.0)  # the bias is not part of the norm
    np.testing.assert_allclose(A.weight_l1(model, "1"), [3.0, 0.0, 0.75])


def test_weight_l1_sums_every_tap():
    model = zoo.build_model("alexnet-mini", 5)
    w = model.features[10].weight.detach().double()
    np.testing.assert_allclose(A.weight_l1(model, "conv5"), w.abs().sum((1, 2, 3)).numpy())


# --------------------------------------------------------------------------------------------------
# Class selectivity


LABELS = np.array([0, 0, 1, 1, 2, 2])


def test_selectivity_by_hand():
    means = np.array(
        [
            # dead, class-0 only, everywhere equal, graded 2/1/0 by class
            [0, 1, 5, 2],
            [0, 1, 5, 2],
            [0, 0, 5, 1],
            [0, 0, 5, 1],
            [0, 0, 5, 0],
            [0, 0, 5, 0],
        ],
        float,
    )
    sel = A.class_selectivity(means, LABELS, 3)
    np.testing.assert_allclose(sel[0], [0, 0, 0])  # dead unit: 0, not nan
    np.testing.assert_allclose(sel[1], [1, -1, -1])  # mu = (1, 0, 0): (1-0)/1, (0-.5)/.5
    np.testing.assert_allclose(sel[2], [0, 0, 0])  # active everywhere alike
    # mu = (2, 1, 0): (2 - .5)/2.5, (1 - 1)/2, (0 - 1.5)/1.5
    np.testing.assert_allclose(sel[3], [0.6, 0.0, -1.0])
    assert sel.max(1).tolist() == [0, 1, 0, 0.6]


def test_selectivity_uses_class_means_not_image_means():
    # class 0 has 3 images, class 1 one: mu_not0 is the mean of the other classes' means
    means = np.array([[1.0], [1.0], [1.0], [3.0]])
    sel = A.class_selectivity(means, np.array([0, 0, 0, 1]), 2)
    np.testing.assert_allclose(sel[0], [(1 - 3) / 4, (3 - 1) / 4])


def test_selectivity_errors():
    with pytest.raises(ValueError, match="post-ReLU"):
        A.class_selectivity(np.array([[-1.0], [1.0]]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match=r"classes \[2\] have no images"):
        A.class_selectivity(np.ones((2, 1)), np.array([0, 1]), 3)
    with pytest.raises(ValueError, match="labels must lie"):
        A.class_selectivity(np.ones((2, 1)), np.array([0, 3]), 3)


# --------------------------------------------------------------------------------------------------
# Class correlation


def test_correlation_by_hand():
    x = np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 2.0], [3.0, 0.0, 3.0]])  # unit 1 dead
    p = np.array([[1.0, 3.0, 0.2], [3.0, 2.0, 0.2], [2.0, 1.0, 0.2]])  # class 2 constant
    corr = A.class_correlation(x, p)
    # x=(1,2,3), p=(1,3,2): cov 1/3, var 2/3 each -> 0.5; p=(3,2,1) -> -1
    np.testing.assert_allclose(corr[0], [0.5, -1.0, 0.0])
    np.testing.assert_allclose(corr[1], [0.0, 0.0, 0.0])  # dead unit: 0, not nan
    np.testing.assert_allclose(corr[2], corr[0])


def test_correlation_matches_numpy_corrcoef():
    rng = np.random.default_rng(0)
    x, p = rng.random((50, 4)), rng.random((50, 3))
    ref = np.corrcoef(x.T, p.T)[:4, 4:]
    np.testing.assert_allclose(A.class_correlation(x, p), ref, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 7, 50])
def test_streaming_statistics_equal_all_at_once(chunk):
    rng = np.random.default_rng(1)
    # a large common offset: naive sums of squares would lose most digits
    x = 1e6 + rng.random((50, 4))
    x[:, 1] = 0.0  # a dead unit
    p = rng.dirichlet(np.ones(3), 50)
    y = np.arange(50) % 3
    stats = A.ClassStatistics(4, 3)
    for s in range(0, 50, chunk):
        stats.update(x[s : s + chunk], p[s : s + chunk], y[s : s + chunk])
    with np.errstate(invalid="ignore"):  # the dead unit's row is nan in numpy
        ref = np.corrcoef(x.T, p.T)[:4, 4:]
    ref[1] = 0.0
    np.testing.assert_allclose(stats.correlation(), ref, atol=1e-7)
    np.testing.assert_allclose(stats.selectivity(), A.class_selectivity(x, y, 3), atol=1e-12)


def test_class_statistics_stream_a_model():
    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", 4).eval().double()
    images, labels = torch.randn(20, 3, 32, 32, dtype=torch.float64), torch.arange(20) % 4
    stats = A.class_statistics(model, "conv4", images, labels, 4, batch_size=6, device="cpu")
    feats = {}
    handle = zoo.get_layer(model, "conv4").register_forward_hook(
        lambda m, i, o: feats.__setitem__("a", o)
    )
    with torch.no_grad():
        probs = model(images).softmax(-1)
    handle.remove()
    means = feats["a"].double().mean((2, 3)).numpy()
    np.testing.assert_allclose(stats.selectivity(), A.class_selectivity(means, labels, 4))
    np.testing.assert_allclose(stats.correlation(), A.class_correlation(means, probs), atol=1e-12)


# --------------------------------------------------------------------------------------------------
# Thresholds


def test_top_count():
    assert D.TopValues.count(1000) == 5
    assert D.TopValues.count(1001) == 6
    assert D.TopValues.count(10) == 1


def test_streaming_thresholds_equal_sorting_everything():
    torch.manual_seed(0)
    act = torch.relu(torch.randn(40, 5, 6, 6))
    act[:, 1] = 0  # dead
    act[:, 2] = 3.0  # constant everywhere: ties
    act[:, 3] = torch.randint(0, 3, (40, 6, 6)).float()  # heavy ties
    top = D.TopValues(5, D.TopValues.count(act[:, 0].numel()))
    for s in range(0, 40, 7):
        top.update(act[s : s + 7])
    ref = D.top_quantile_thresholds(act)
    assert torch.equal(top.threshold, ref)
    k = D.TopValues.count(40 * 36)
    for u in range(5):
        assert ref[u] == act[:, u].flatten().kthvalue(act[:, u].numel() - k + 1).values
    assert ref[1] == 0 and ref[2] == 3.0 and ref[3] == 2.0


def test_active_regions_dead_and_constant_units_have_none():
    act = torch.zeros(2, 3, 4, 4)
    act[:, 1] = 2.0
    act[0, 2, 1, 1] = 5.0
    thr = D.top_quantile_thresholds(act)
    regions = D.active_regions(act, thr, (4, 4))  # same size: no interpolation
    assert not regions[:, 0].any() and not regions[:, 1].any()
    assert regions[:, 2].sum() == 0  # one value: it *is* the threshold, nothing above it
    regions = D.active_regions(act, torch.tensor([0.0, 0.0, 1.0]), (4, 4))
    assert regions[0, 2].sum() == 1 and regions[0, 2, 1, 1]


def test_active_regions_upsample_bilinearly():
    act = torch.tensor([[[[0.0, 4.0], [0.0, 4.0]]]])
    up = D.active_regions(act, torch.tensor([1.9]), (4, 4))[0, 0]
    # align_corners=False: the columns sample x = -.25, .25, .75, 1.25 -> 0, 1, 3, 4
    assert up.tolist() == [[False, False, True, True]] * 4


# --------------------------------------------------------------------------------------------------
# Network dissection


def write_broden(root, images, masks, labels, scenes_of=None):
    """A Broden folder: ``images`` uint8 (n, H, W, 3); ``masks`` {category: (n, H, W) global
    numbers}; ``labels`` [(number, name, category)]; ``scenes_of`` image-level scene numbers."""
    (root / "images").mkdir(parents=True)
    cats = list(masks) + (["scene"] if scenes_of is not None else [])
    rows = []
    for i, img in enumerate(images):
        Image.fromarray(img).save(root / "images" / f"{i}.png")
        row = {"image": f"{i}.png", "split": "t", "ih": img.shape[0], "iw": img.shape[1]}
        for cat, m in masks.items():
            rgb = np.zeros(m[i].shape + (3,), np.uint8)
            rgb[..., 0], rgb[..., 1] = m[i] % 256, m[i] // 256
            Image.fromarray(rgb).save(root / "images" / f"{i}_{cat}.png")
            row[cat] = f"{i}_{cat}.png"
        if scenes_of is not None:
            row["scene"] = str(scenes_of[i])
        rows.append(row)
    with open(root / "index.csv", "w", newline="") as f:
        w = csv.DictWriter(f, ["image", "split", "ih", "iw", *cats])
        w.writeheader()
        w.writerows(rows)
    with open(root / "label.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["number", "name", "category"])
        w.writerow([0, "-", ""])
        for number, name, cat in labels:
            w.writerow([number, name, f"{cat}(1)"])
    with open(root / "category.csv", "w", newline="") as f:
        csv.writer(f).writerows([["name"], *[[c] for c in cats]])
    return broden.BrodenDataset(root)


class Channels(nn.Module):
    """A 'network' whose units are the image's channels (identity conv + ReLU)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1, bias=False)
        with torch.no_grad():
            self.conv.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
        self.relu = nn.ReLU()
        self.head = nn.Sequential(nn.Flatten(), nn.LazyLinear(2))

    def forward(self, x):
        return self.head(self.relu(self.conv(x)))


def float_image(x):
    return x.float()


def test_iou_known_by_construction(tmp_path):
    """4 images 10x10. Concept `square` is a 2x2 block in each (16 px of 400). Unit 0 is bright
    (200+) exactly on the square and dim (< 100) elsewhere; unit 1 is bright on half of each
    square and 0 elsewhere; unit 2 is dead. With k = 17 of 400 values the threshold of unit 0 is
    its largest dim value, so its region is the square: IoU 1. Unit 1's region is half the square:
    IoU 8/16. Image 0 alone carries a scene label, `hall` (image-level, so all 100 px): unions
    count only images where the category is annotated, and unit 0 is active on 4 px of image 0,
    so IoU = 4 / (4 + 100 - 4)."""
    rng = np.random.default_rng(0)
    n, size = 4, 10
    images = np.zeros((n, size, size, 3), np.uint8)
    obj = np.zeros((n, size, size), np.int64)
    for i in range(n):
        images[i, ..., 0] = rng.permutation(100).reshape(size, size)  # distinct dim values
        r, c = 2 * i, 3 + i
        obj[i, r : r + 2, c : c + 2] = 1
        images[i, r : r + 2, c : c + 2, 0] = 200 + np.arange(4).reshape(2, 2) + 4 * i
        images[i, r : r + 2, c, 1] = 250  # unit 1: the left column of the square
    obj[obj == 0] = 2  # everything else is labelled `floor`
    ds = write_broden(
        tmp_path / "b", images, {"object": obj},
        [(1, "square", "object"), (2, "floor", "object"), (3, "hall", "scene")],
        scenes_of=[3, "", "", ""],
    )  # fmt: skip
    model = Channels()
    model(torch.zeros(1, 3, size, size))
    d = D.dissect(model, "relu", ds, float_image, quantile=17 / 400, batch_size=3, device="cpu")
    iou = d.frame()
    assert d.concepts == ("square", "floor", "hall")
    assert iou.loc[0, "square"] == 1.0 and iou.loc[0, "floor"] == 0.0
    assert iou.loc[1, "square"] == 0.5 and iou.loc[1, "floor"] == 0.0
    assert iou.loc[0, "hall"] == pytest.approx(4 / 100)
    assert (iou.loc[2] == 0).all() and d.thresholds[2] == 0  # dead unit
    best = d.best()
    assert best.loc[0, "concept"] == "square" and bool(best.loc[0, "interpretable"])
    assert d.best(["scene"]).loc[0, "concept"] == "hall"


def brute_force_iou(model, layer, ds, transform):
    """All activations at once, full label indicator matrices, a loop over concepts."""
    items = [ds[i] for i in range(len(ds))]
    from unitroles import engine

    act = engine.Engine(model, layer, device="cpu").activations(
        transform(torch.stack([it["image"] for it in items]))
    )
    thr = D.top_quantile_thresholds(act)
    size = items[0]["masks"]["object"][0].shape
    region = D.active_regions(act, thr, size).numpy()  # (n, U, H, W)
    numbers, names, cats = D.broden_concepts(ds)
    iou = np.zeros((act.shape[1], len(numbers)))
    for j, (number, cat) in enumerate(zip(numbers, cats)):
        if cat == "scene":
            mask = np.stack([np.full(size, number in it["labels"]["scene"]) for it in items])
        else:
            mask = np.stack([it["masks"][cat][0].numpy() == number for it in items])
        inter = (region & mask[:, None]).sum((0, 2, 3))
        union = (region | mask[:, None]).sum((0, 2, 3))
        iou[:, j] = np.where(union > 0, inter / np.maximum(union, 1), 0)
    return iou, thr.numpy()


def test_streaming_dissection_equals_brute_force_on_the_world(tmp_path):
    world = scenes.SceneWorld(size=32, seed=3)
    root = broden_export.write_broden_folder(world, tmp_path / "broden", n_per_class=2)
    ds = broden.BrodenDataset(root)
    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", world.num_classes).eval()
    ref, thr = brute_force_iou(model, "conv4", ds, scenes.normalize)
    for batch_size, keep in ((5, 1 << 30), (48, 0)):  # kept activations and recomputed ones
        D.KEEP_BYTES = keep
        try:
            d = D.dissect(model, "conv4", ds, scenes.normalize, batch_size=batch_size, device="cpu")
        finally:
            D.KEEP_BYTES = 1 << 30
        np.testing.assert_array_equal(d.thresholds, thr)
        np.testing.assert_allclose(d.iou, ref, atol=1e-12)
    assert set(d.categories) == {"color", "object", "texture", "scene"}


def test_dissection_errors(tmp_path):
    ds = write_broden(
        tmp_path / "b", np.zeros((1, 4, 4, 3), np.uint8), {"object": np.full((1, 4, 4), 7)},
        [(1, "a", "object")],
    )  # fmt: skip
    model = Channels()
    model(torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="label.csv does not list"):
        D.dissect(model, "relu", ds, float_image, device="cpu")
    with pytest.raises(ValueError, match="no concepts"):
        D.dissect(model, "relu", ds, float_image, categories=["texture"], device="cpu")


def entries(folder):
    """Published cache entries (not lock files or other dot files)."""
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


def test_cached_dissection_hits_and_misses(tmp_path):
    world = scenes.SceneWorld(size=32, seed=3)
    ds = broden.BrodenDataset(
        broden_export.write_broden_folder(world, tmp_path / "broden", n_per_class=1)
    )
    store = Store(tmp_path / "cache")
    torch.manual_seed(0)
    model = zoo.build_model("alexnet-mini", world.num_classes).eval()
    a = D.cached_dissection(model, "conv5", ds, scenes.normalize, store=store, device="cpu")
    assert len(entries(tmp_path / "cache" / "dissection")) == 1
    b = D.cached_dissection(model, "conv5", ds, scenes.normalize, store=store, device="cpu")
    np.testing.assert_array_equal(a.iou, b.iou)
    assert a.concepts == b.concepts and a.categories == b.categories
    with torch.no_grad():
        model.features[10].weight.mul_(2)
    D.cached_dissection(model, "conv5", ds, scenes.normalize, store=store, device="cpu")
    D.cached_dissection(model, "conv5", ds, scenes.normalize, store=store, quantile=0.01)
    assert len(entries(tmp_path / "cache" / "dissection")) == 3


def test_broden_image_reads_the_same_pixels(tmp_path):
    world = scenes.SceneWorld(size=32, seed=3)
    ds = broden.BrodenDataset(
        broden_export.write_broden_folder(world, tmp_path / "broden", n_per_class=1)
    )
    assert torch.equal(ds.image(5), ds[5]["image"])


# --------------------------------------------------------------------------------------------------
# Top images


def test_top_images_rank_by_peak_and_mark_the_region():
    model = Channels()
    images = torch.zeros(5, 3, 8, 8)
    for i, peak in enumerate([3.0, 9.0, 1.0, 7.0, 5.0]):
        images[i, 0, i, i] = peak
    model(images[:1])
    top = D.top_images(model, "relu", images, [0], k=3, thresholds=[2.0], device="cpu")[0]
    assert top.indices.tolist() == [1, 3, 4]
    assert top.peaks.tolist() == [9.0, 7.0, 5.0]
    assert top.regions.shape == (3, 8, 8)
    assert top.regions[0].sum() == 1 and top.regions[0, 1, 1]
    default = D.top_images(model, "relu", images, [0], k=2, device="cpu")[0]
    # 320 values, k = 2: the threshold is the second largest (7), only the 9 is above it
    assert default.threshold == 7.0 and default.regions[0].sum() == 1


def test_a_full_size_dissection_says_its_plan_and_its_bars_know_their_length(tmp_path, capsys):
    """The paper profile's dissection (inputs of cost.FULL_SIZE px and up) is a long run: it says
    what it will do before pass 1, and both bars know their total, so they show the time left.
    A book-sized one says nothing."""
    for size, planned in ((128, True), (16, False)):
        n = 3
        rng = np.random.default_rng(size)
        ds = write_broden(
            tmp_path / f"b{size}", rng.integers(0, 255, (n, size, size, 3), dtype=np.uint8),
            {"object": np.ones((n, size, size), np.int64)}, [(1, "square", "object")],
        )  # fmt: skip
        model = Channels()
        model(torch.zeros(1, 3, size, size))
        D.dissect(model, "relu", ds, float_image, batch_size=2, device="cpu", progress=True)
        out, err = capsys.readouterr()
        plan = "planned: dissect relu on 3 Broden images (2 batches of 2) on cpu, in two passes"
        assert (plan in out) is planned and out.count("planned") == int(planned)
        assert "thresholds relu" in err and "2/2" in err and "IoU" in err
