"""Benchmark of the ROF curves (Zhao et al. 2023): the engine's prefix sums against the plain loop
of masked full forward passes.

:func:`bench_rof` computes the ROF curves of every class at vgg16-mini's conv5_3, all ``N + 1``
points, both ways, on :func:`rof_workload` (model A of the role-taxonomy pages and its test
images); the curves of the classes the reference ran are checked to equal the engine's. It prints
its table (unless ``verbose=False``) and returns its row in a list, as the engine benches
(:mod:`unitroles.bench_engine`) do.
"""

from __future__ import annotations

import statistics

import numpy as np

from . import engine, scenes, train
from .bench_engine import Workload
from .store import Store
from .timing import side_by_side


def rof_workload(
    per_class: int = 100,
    *,
    weights: str = "store",
    world: scenes.SceneWorld | None = None,
) -> Workload:
    """vgg16-mini ``gen-A`` (model A of the role-taxonomy pages) and the first ``per_class`` test
    images of each class. ``weights``: ``"store"`` loads the trained model if the store holds it,
    else random weights; ``"random"`` never loads."""
    if weights not in ("store", "random"):
        raise ValueError(f"weights must be 'store' or 'random', got {weights!r}")
    rec = train.recipe("gen-A")
    world = train.world_of(rec, world)
    store = Store()
    if weights == "store" and train.available(rec, world, store):
        trained = train.train(rec, world, store=store, progress=False)
        model, description = trained.model, f"trained gen-A (test accuracy {trained.test_acc:.3f})"
    else:
        model = train.build(rec, world.num_classes)
        why = "" if weights == "random" else f"; no trained gen-A in store {store.root}"
        description = f"random weights (seed {rec.seed}{why})"
    images, labels, _ = world.render_split("test", per_class)
    return Workload(model.eval(), description, scenes.normalize(images), labels, world.num_classes)


def bench_rof(
    workload: Workload | None = None,
    *,
    per_class: int = 100,
    weights: str = "store",
    layer: str = "conv5_3",
    repeats: int = 3,
    ref_repeats: int = 1,
    ref_classes: int = 2,
    verbose: bool = True,
) -> list[dict]:
    """ROF curves of every class at ``layer`` (all ``N + 1`` points), CPU: the engine's prefix
    sum (:func:`unitroles.roles.rof_curves`) against the plain loop of masked full forward passes
    (:func:`unitroles.roles.reference_rof_curves`, ``K (N + 1)`` passes).

    Units are ranked per class by activation L1 on the workload's own images (the bench times the
    curves, not the ranking). The reference runs on the first ``ref_classes`` classes and its time
    is scaled to all ``K`` classes (the classes have equally many images); its curves must equal
    the engine's rows for those classes: accuracies identical, losses within 1e-4 relative.
    """
    from . import roles

    workload = workload or rof_workload(per_class, weights=weights)
    model, x, y, k = workload.model, workload.images, workload.labels, workload.num_classes
    order = roles.unit_ranking(model, layer, x, y, k, device="cpu")
    ref_classes = min(ref_classes, k)
    mine = y < ref_classes
    roles.rof_curves(model, layer, x[mine], y[mine], order[:ref_classes], device="cpu")  # warm-up
    timed = side_by_side(
        {
            "engine": (lambda: roles.rof_curves(model, layer, x, y, order, device="cpu"), repeats),
            "reference": (
                lambda: roles.reference_rof_curves(
                    model, layer, x[mine], y[mine], order[:ref_classes]
                ),
                ref_repeats,
            ),
        }
    )
    (eng_times, fast), (ref_times, ref) = timed["engine"], timed["reference"]
    engine_s = statistics.median(eng_times)
    reference_full_s = statistics.median(ref_times) * k / ref_classes
    rel = np.abs(fast.loss[:ref_classes] - ref.loss) / np.maximum(np.abs(ref.loss), 1e-12)
    units = order.shape[1]
    row = {
        "layer": layer,
        "units": units,
        "classes": k,
        "images": len(y),
        "ref_classes": ref_classes,
        "points": k * (units + 1),
        "engine_s": engine_s,
        "reference_s": reference_full_s,
        "ratio": reference_full_s / engine_s,
        "identical": bool(np.array_equal(fast.accuracy[:ref_classes], ref.accuracy)),
        "loss_rel_diff": float(rel.max()),
        "engine_runs": len(eng_times),
        "reference_runs": len(ref_times),
        "prefix_sum": engine.Engine(model, layer, device="cpu").head(units) is not None,
        "weights": workload.weights,
        "model": "vgg16-mini",
    }
    if verbose:
        print(
            f"\n## ROF curves, CPU: vgg16-mini {layer}, {k} classes x {units + 1} points, "
            f"{len(y)} images\n{workload.weights}\n"
            f"engine ({'prefix sum' if row['prefix_sum'] else 'masked suffix passes'}): all "
            f"classes, median of {len(eng_times)}; reference (masked full passes): "
            f"{ref_classes} classes, median of {len(ref_times)}, scaled to {k} classes"
        )
        print(f"{'':>10} {'seconds':>9}")
        print(f"{'engine':>10} {engine_s:>9.2f}")
        print(f"{'reference':>10} {reference_full_s:>9.2f}")
        print(f"ratio {row['ratio']:.1f}x")
    assert row["identical"], f"ROF accuracies differ between engine and reference: {row}"
    assert row["loss_rel_diff"] < 1e-4, f"ROF losses differ by {row['loss_rel_diff']:.2e}"
    if verbose:
        print(
            f"curves of the {ref_classes} reference classes: accuracies identical to the engine's, "
            f"losses within {row['loss_rel_diff']:.1e} relative"
        )
    return [row]
