"""Publishing the book's models, checking that they are current, and replicating them.

Three commands (``python -m unitroles.replication …``; the Makefile wraps each):

* ``publish`` (``make publish-models``) trains every model of a profile from scratch into the
  cache, ignoring the published set (``UNITROLES_MODELS=retrained``), and rewrites ``models/``:
  one safetensors file a model and ``manifest.json`` (:mod:`unitroles.published`). New files get
  content-addressed names and the manifest is replaced last, in one rename, so an interrupted
  publish leaves the old set whole.
* ``check`` lists what makes the published set stale: a model the book uses that is not
  published, a recipe whose fields changed, another world, or training code
  (:func:`unitroles.train.code_key`) that moved. The test suite runs it, so no change that makes
  the published models stale can land without republishing them.
* ``record`` (the last step of ``make retrain``) compares the models retrained on this machine
  with the published ones (digests and accuracies) and the verdicts of the pages executed on each,
  and writes a small JSON record to ``models/replications/``; the Replication page shows them.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import platform
import re
import sys
from pathlib import Path

import torch

from . import fit, published, timing, train
from .store import content_key, file_digest

REPLICATIONS = "replications"  # records, in the published folder


@contextlib.contextmanager
def retrained():
    """Within the block, models come from the cache (trained here), not the published set; the
    variable is inherited by training worker processes."""
    previous = os.environ.get("UNITROLES_MODELS")
    os.environ["UNITROLES_MODELS"] = "retrained"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("UNITROLES_MODELS", None)
        else:
            os.environ["UNITROLES_MODELS"] = previous


def _entry(t: train.Trained, file: str, sha256: str) -> dict:
    meta = t.meta
    versions = meta.get("versions", {})
    return {
        "name": t.recipe.name,
        "seed": t.recipe.seed,
        "key": meta["key"],
        "file": file,
        "sha256": sha256,
        "weights_digest": meta["weights_digest"],
        "recipe": train.recipe_fields(t.recipe),
        "world": meta["world"],
        "code_key": meta.get("code_key", train.code_key()),
        "train_acc": meta["train_acc"],
        "val_acc": meta["val_acc"],
        "test_acc": meta["test_acc"],
        "train_seconds": meta["train_seconds"],
        "epochs_run": meta["epochs_run"],
        "loss_per_epoch": meta["loss_per_epoch"],
        "cpu": versions.get("cpu", timing.cpu_name()),
        "torch": versions.get("torch", torch.__version__),
        "threads": versions.get("threads", fit.TRAIN_THREADS),
    }


def publish(
    profile: str | os.PathLike, *, jobs: int = 1, where: Path | None = None, keep: bool = False
) -> Path:
    """Train every model of ``profile`` afresh (into the cache) and publish the set in ``where``
    (default :func:`unitroles.published.folder`). Returns the manifest's path.

    ``keep``: a published model whose entry is still current (same cache key: recipe, world and
    training code) is kept as it is, file and entry (with the machine and time it was trained
    on); only the models that are new or stale train. The manifest's top-level ``cpu`` and
    ``torch`` then describe this publish, and each entry its own training.
    """
    where = Path(where) if where is not None else published.folder()
    if where is None:
        raise RuntimeError("no published folder: set UNITROLES_PUBLISHED or run from a checkout")
    found = train.profile_models(profile)
    if found is None:
        raise ValueError(f"{profile}: the paper profile's models are checkpoints, not published")
    world, recs = found
    kept: dict[tuple[str, int], dict] = {}
    if keep:
        old = published.manifest(where)
        current = {(e["name"], e["seed"]): e for e in (old or {}).get("models", [])}
        for rec in recs:
            entry = current.get((rec.name, rec.seed))
            if entry is not None and entry["key"] == train.cache_key(rec, world):
                kept[(rec.name, rec.seed)] = entry
        print(f"keeping {len(kept)} current published models; training {len(recs) - len(kept)}")
    with retrained():
        runs = train.train_many([r for r in recs if (r.name, r.seed) not in kept], world, jobs=jobs)
    where.mkdir(parents=True, exist_ok=True)
    entries = []
    for rec in recs:
        if (rec.name, rec.seed) in kept:
            entries.append(kept[(rec.name, rec.seed)])
            continue
        t = runs[(rec.name, rec.seed)]
        tmp = where / f".{rec.name}-seed{rec.seed}.tmp{os.getpid()}"
        published.save(t.model, tmp)
        sha = file_digest(tmp)
        file = f"{rec.name}-seed{rec.seed}-{sha[:12]}.safetensors"
        os.replace(tmp, where / file)
        entries.append(_entry(t, file, sha))
    data = {
        "about": "The book profile's trained models (unitroles.published); written by "
        "`make publish-models`. Do not edit: every file is checked against its sha256.",
        "published": _dt.date.today().isoformat(),
        "profile": Path(profile).stem,
        "world": world_record(world, recs),
        "code_key": train.code_key(),
        "cpu": timing.cpu_name(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": fit.TRAIN_THREADS,
        "models": entries,
    }
    tmp = where / f".{published.MANIFEST}.tmp{os.getpid()}"
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, where / published.MANIFEST)
    keep_files = {e["file"] for e in entries}
    for old_file in where.glob("*.safetensors"):
        if old_file.name not in keep_files:
            old_file.unlink()
    return where / published.MANIFEST


def world_record(world, recs) -> dict:
    """The manifest's ``world``: the size and seed of the world every model was trained on, and
    the fingerprint of each scene catalogue its recipes name (:attr:`Recipe.world`)."""
    catalogues = sorted({train.world_of(r, world).catalogue for r in recs})
    return {
        "size": world.size,
        "seed": world.seed,
        "fingerprints": {c: world.with_catalogue(c).fingerprint() for c in catalogues},
    }


def stale(profile: str | os.PathLike, where: Path | None = None) -> list[str]:
    """What no longer matches between ``profile``'s models and the published manifest (empty when
    the published set is current). Each line names the model and what changed."""
    data = published.manifest(where)
    if data is None:
        return [f"no published manifest in {where or published.folder()}"]
    world, recs = train.profile_models(profile)
    problems = []
    published_worlds = data["world"].get("fingerprints", {})
    for name, now in world_record(world, recs)["fingerprints"].items():
        if published_worlds.get(name) != now:
            problems.append(
                f"the world changed: {name} (size {world.size}, seed {world.seed}) published "
                f"fingerprint {published_worlds.get(name)}, now {now}"
            )
    code = train.code_key()
    if data["code_key"] != code:
        modules = ", ".join(f"{m.__name__.rsplit('.', 1)[-1]}.py" for m in train.KEYED_MODULES)
        problems.append(
            f"the code that determines weights ({modules}) changed: published code key "
            f"{data['code_key']}, now {code}"
        )
    by_model = {(e["name"], e["seed"]): e for e in data["models"]}
    shared_ok = not problems  # with the world and code unchanged, a key moves only with its recipe
    for rec in recs:
        entry = by_model.pop((rec.name, rec.seed), None)
        if entry is None:
            problems.append(f"{rec.name} seed {rec.seed} is used by the book but not published")
            continue
        fields = json.loads(json.dumps(train.recipe_fields(rec)))  # as the manifest stores them
        changed = [
            f"{k} {entry['recipe'].get(k)!r} -> {v!r}"
            for k, v in fields.items()
            if entry["recipe"].get(k) != v
        ]
        if changed:
            problems.append(f"recipe {rec.name} seed {rec.seed} changed: {', '.join(changed)}")
        elif shared_ok and entry["key"] != train.cache_key(rec, world):
            problems.append(f"{rec.name} seed {rec.seed}: its cache key moved")
    for name, seed in by_model:
        problems.append(f"{name} seed {seed} is published but no page uses it")
    return problems


# --- replication -----------------------------------------------------------------------------


def compare_models(profile: str | os.PathLike, where: Path | None = None) -> list[dict]:
    """Per model of ``profile``: the published entry beside the model in this machine's cache
    (trained with ``UNITROLES_MODELS=retrained``; trains it if missing)."""
    data = published.manifest(where) or {"models": []}
    world, recs = train.profile_models(profile)
    by_model = {(e["name"], e["seed"]): e for e in data["models"]}
    with retrained():
        rows = []
        for rec in recs:
            ours = train.train(rec, world, progress=False).meta
            theirs = by_model.get((rec.name, rec.seed), {})
            rows.append(
                {
                    "model": rec.name,
                    "seed": rec.seed,
                    "identical": ours["weights_digest"] == theirs.get("weights_digest"),
                    **{
                        f"{split}_acc": [theirs.get(f"{split}_acc"), ours[f"{split}_acc"]]
                        for split in ("train", "val", "test")
                    },
                    "train_seconds": ours["train_seconds"],
                }
            )
    return rows


def compare_verdicts(published_exec: Path, retrained_exec: Path) -> list[dict]:
    """Per claim: verdict and check count on the published models and on the retrained ones."""
    from . import report

    ours = {c.id: c for c in report.claims_in(retrained_exec)}
    rows = []
    for claim in report.claims_in(published_exec):
        other = ours.get(claim.id)
        rows.append(
            {
                "claim": claim.id,
                "kind": claim.kind,
                "published": [claim.verdict, claim.count()],
                "retrained": [other.verdict, other.count()] if other else None,
                "same": other is not None
                and other.verdict == claim.verdict
                and _outcomes(other) == _outcomes(claim),
            }
        )
    return rows


def _outcomes(claim) -> list:
    return [check.get("passed") for check in claim.checks]


def record(
    profile: str | os.PathLike,
    published_exec: Path | None,
    retrained_exec: Path | None,
    *,
    where: Path | None = None,
) -> Path:
    """Write this machine's replication record to ``<published>/replications/``; return it."""
    where = Path(where) if where is not None else published.folder()
    data = published.manifest(where)
    models = compare_models(profile, where)
    verdicts = (
        compare_verdicts(Path(published_exec), Path(retrained_exec))
        if published_exec and retrained_exec
        else []
    )
    rec = {
        "date": _dt.date.today().isoformat(),
        "cpu": timing.cpu_name(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": fit.TRAIN_THREADS,
        "published": {
            "cpu": data.get("cpu"),
            "torch": data.get("torch"),
            "date": data.get("published"),
            "manifest": file_digest(where / published.MANIFEST)[:16],
        },
        "models_identical": sum(r["identical"] for r in models),
        "models": models,
        "verdicts_same": sum(r["same"] for r in verdicts),
        "verdicts": verdicts,
    }
    folder = where / REPLICATIONS
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", rec["cpu"].lower()).strip("-")[:40]
    stamp = content_key(rec["models"], rec["verdicts"], length=8)
    path = folder / f"{rec['date']}-{slug}-torch{torch.__version__.split('+')[0]}-{stamp}.json"
    path.write_text(json.dumps(rec, indent=1) + "\n")
    return path


def records(where: Path | None = None) -> list[dict]:
    """Every replication record in the published folder, oldest first (with its file name)."""
    where = Path(where) if where is not None else published.folder()
    out = []
    for path in sorted((where / REPLICATIONS).glob("*.json")) if where else []:
        out.append({"file": path.name, **json.loads(path.read_text())})
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m unitroles.replication {publish,check,record} --profile YML [...]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("publish", "check", "record"):
        p = sub.add_parser(name)
        p.add_argument("--profile", default="notebooks/profiles/book.yml")
        if name == "publish":
            p.add_argument("--jobs", type=int, default=1, help="models trained at once")
            p.add_argument(
                "--keep",
                action="store_true",
                help="keep the published models that are still current; train only the rest",
            )
        if name == "record":
            p.add_argument("--published-exec", help="pages executed on the published models")
            p.add_argument("--retrained-exec", help="pages executed on the retrained models")
    args = parser.parse_args(argv)
    if args.command == "publish":
        path = publish(args.profile, jobs=args.jobs, keep=args.keep)
        size = sum(p.stat().st_size for p in path.parent.glob("*.safetensors"))
        print(f"published {path} ({size / 2**20:.1f} MiB of weights)")
    elif args.command == "check":
        problems = stale(args.profile)
        for line in problems:
            print(f"stale: {line}", file=sys.stderr)
        if problems:
            print("republish with `make publish-models`", file=sys.stderr)
            return 1
        print(f"published models are current ({published.folder()})")
    else:
        path = record(args.profile, args.published_exec, args.retrained_exec)
        rec = json.loads(path.read_text())
        print(
            f"wrote {path}: {rec['models_identical']}/{len(rec['models'])} models identical, "
            f"{rec['verdicts_same']}/{len(rec['verdicts'])} claims with the same verdict and checks"
        )
    return 0


__all__ = [
    "compare_models", "compare_verdicts", "main", "publish", "record", "records", "stale",
    "world_record",
]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
