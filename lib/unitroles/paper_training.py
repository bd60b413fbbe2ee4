"""Train the papers' missing models: torchvision AlexNet / VGG16 / ResNet18 on ImageFolder data,
with DistributedDataParallel under ``torchrun``, checkpointed each epoch and resumable.

    python -m unitroles.train --paper instance --seed 3 --data ~/places365/train --out ckpt/
    torchrun --nproc_per_node 8 -m unitroles.train --paper gen-C --data ~/imagenet/train --out ckpt/
    torchrun --nnodes 4 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint HOST:29500 \\
        -m unitroles.train --paper gen-A --data /shared/imagenet/train --out /shared/ckpt/

Zhou et al. (2018) did not publish their five AlexNet instances nor the AlexNets with batch norm
and with conv5 channel dropout; Zhao et al. (2023) did not publish their five VGG16s. The recipes
of :data:`PAPER_RECIPES` train them (the settings the papers do not state are ours, see each
recipe). One process per GPU (NCCL), or per CPU process (gloo) when there is no GPU; without
``torchrun`` it runs as one process.

After every epoch but the last, rank 0 writes ``<out>/.<name>.resume.pth`` (weights, optimizer,
epoch) atomically (a temporary file, then ``os.replace``); a run started again with the same
arguments resumes from it, losing at most the epoch in progress. Every random choice (initial
weights, data order, augmentation, dropout) is seeded from the recipe's seed and the epoch, so a
killed and resumed run ends with the weights of an uninterrupted one on the same machines. When
the last epoch is done, ``<out>/<name>.pth`` is written: the weights under ``state_dict`` and the
network's build options under ``unitroles``, which :func:`unitroles.paper.load_model` reads, so
the paper profile loads it as it is (``instances_dir``, ``checkpoint_dir``, ...).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F

from . import data, zoo
from .paper import BUILD_KEY


@dataclass(frozen=True)
class PaperRecipe:
    """A full-size training run: network, data share, optimiser, schedule, regularisers."""

    name: str
    arch: str = "alexnet"
    file: str = "{name}.pth"  # under --out; {seed} and {name} are filled in
    batchnorm: bool = False
    channel_dropout: tuple[tuple[str, float], ...] = ()
    classifier_dropout: float = 0.5
    train_fraction: float = 1.0  # share of each class's training images used
    augment: bool = True  # random resized crop + flip; else resize and centre crop
    epochs: int = 90
    batch_size: int = 256  # global: split over the processes
    lr: float = 0.01  # SGD, momentum 0.9; divided by 10 at 1/3 and 2/3 of the epochs
    weight_decay: float = 5e-4
    description: str = ""


_ALEXNET = PaperRecipe("instance", file="alexnet-seed{seed}.pth")
_VGG = PaperRecipe("gen", arch="vgg16", batchnorm=True, lr=0.02, batch_size=256)
PAPER_RECIPES: dict[str, PaperRecipe] = {
    r.name: r
    for r in (
        dataclasses.replace(
            _ALEXNET, description="Zhou et al.: AlexNet, one instance per --seed (Table 1, Fig. 6)"
        ),
        dataclasses.replace(
            _ALEXNET,
            name="batchnorm",
            file="alexnet-batchnorm.pth",
            batchnorm=True,
            lr=0.02,
            description="Zhou et al. sec. 3.5: AlexNet with batch norm after every conv",
        ),
        dataclasses.replace(
            _ALEXNET,
            name="dropout-conv5",
            file="alexnet-dropout-conv5.pth",
            channel_dropout=(("conv5", 0.5),),
            description="Zhou et al. sec. 3.5: AlexNet with channel dropout (p=0.5) on conv5",
        ),
        dataclasses.replace(
            _ALEXNET,
            name="resnet18",
            arch="resnet18",
            file="resnet18.pth",
            lr=0.1,
            weight_decay=1e-4,
            description="Zhou et al. Fig. 7: ResNet18 (torchvision's recipe)",
        ),
        # Zhao et al. Table 1: five VGG16s from well to poorly generalised (vgg16_bn layout:
        # conv5_3 is still the post-ReLU output of the last conv). The shares, regularisers and
        # lengths are ours: the paper names the levers, not their values.
        dataclasses.replace(
            _VGG,
            name="gen-A",
            file="gen-A.pth",
            epochs=90,
            description="whole training set, augmentation, weight decay, dropout",
        ),
        dataclasses.replace(
            _VGG,
            name="gen-B",
            file="gen-B.pth",
            train_fraction=0.5,
            augment=False,
            epochs=90,
            description="half the images, no augmentation",
        ),
        dataclasses.replace(
            _VGG,
            name="gen-C",
            file="gen-C.pth",
            train_fraction=0.2,
            augment=False,
            classifier_dropout=0.2,
            weight_decay=1e-4,
            epochs=120,
            description="a fifth of the images, light regularisation",
        ),
        dataclasses.replace(
            _VGG,
            name="gen-D",
            file="gen-D.pth",
            train_fraction=0.1,
            augment=False,
            classifier_dropout=0.0,
            weight_decay=0.0,
            epochs=150,
            description="a tenth of the images, no regularisation",
        ),
        dataclasses.replace(
            _VGG,
            name="gen-E",
            file="gen-E.pth",
            train_fraction=0.02,
            augment=False,
            classifier_dropout=0.0,
            weight_decay=0.0,
            epochs=300,
            description="2% of the images, no regularisation, trained to memorise",
        ),
    )  # fmt: skip
}


def paper_recipe(name: str, **overrides) -> PaperRecipe:
    """The named recipe with fields replaced (``epochs=``, ``arch=``, ...)."""
    if name not in PAPER_RECIPES:
        raise ValueError(
            f"unknown paper recipe {name!r}; recipes are: {', '.join(PAPER_RECIPES)} "
            "(python -m unitroles.train --paper RECIPE --help describes them)"
        )
    return dataclasses.replace(PAPER_RECIPES[name], **overrides)


def lr_at(rec: PaperRecipe, epoch: int) -> float:
    """Step schedule: ``lr``, divided by 10 after a third and after two thirds of the epochs."""
    return rec.lr * 0.1 ** sum(epoch >= math.ceil(rec.epochs * f) for f in (1 / 3, 2 / 3))


def class_subset(targets, fraction: float, seed: int = 0) -> list[int]:
    """Indices of ``ceil(fraction * n_k)`` images of every class ``k`` (a seeded choice that
    does not depend on the training seed, so every instance sees the same images)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"train_fraction must be in (0, 1], got {fraction}")
    targets = torch.as_tensor(list(targets))
    gen = torch.Generator().manual_seed(seed)
    keep = []
    for k in torch.unique(targets).tolist():
        idx = torch.nonzero(targets == k).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)][: math.ceil(fraction * len(idx))]
        keep += idx.tolist()
    return sorted(keep)


def _train_dataset(root: Path, rec: PaperRecipe, image_size: int):
    """The training split as :func:`unitroles.data.image_folder` reads a split (hidden folders
    are no class, link loops are not followed, 16-bit images keep their brightness), with the
    recipe's transform."""
    from torchvision import transforms

    norm = transforms.Normalize(data.IMAGENET_MEAN, data.IMAGENET_STD)
    if rec.augment:
        steps = [transforms.RandomResizedCrop(image_size), transforms.RandomHorizontalFlip()]
    else:
        resize = round(image_size * 256 / 224)
        steps = [transforms.Resize(resize), transforms.CenterCrop(image_size)]
    return data.ImageFolder(
        str(root),
        transform=transforms.Compose([*steps, transforms.ToTensor(), norm]),
        loader=data.read_image,
    )


def _save(obj: dict, path: Path) -> None:
    """``torch.save`` to a temporary file beside ``path``, flushed to disk, then renamed."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _setup_process() -> tuple[int, int, torch.device]:
    """Join the process group when started by torchrun (NCCL on GPUs, gloo on CPUs)."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return 0, 1, torch.device("cuda" if torch.cuda.is_available() else "cpu")
    cuda = torch.cuda.is_available()
    local = int(os.environ.get("LOCAL_RANK", 0))
    if cuda:
        torch.cuda.set_device(local)
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    return dist.get_rank(), dist.get_world_size(), torch.device(f"cuda:{local}" if cuda else "cpu")


def train_paper(
    rec: PaperRecipe,
    train_root,
    out,
    *,
    seed: int = 0,
    image_size: int = 224,
    workers: int = 4,
    steps_per_epoch: int | None = None,
    log=print,
) -> Path:
    """Train ``rec`` on the ImageFolder at ``train_root`` (see the module docstring); returns the
    final checkpoint's path. Resumes from ``<out>/.<name>.resume.pth`` when it is there."""
    root = data.require_path(
        train_root, parameter="--data", env="UNITROLES_TRAIN_ROOT",
        what="the training split (ImageFolder: root/<class>/<image>)",
    )  # fmt: skip
    out = Path(out)
    name = Path(rec.file.format(seed=seed, name=rec.name)).stem
    final, resume = out / f"{name}.pth", out / f".{name}.resume.pth"
    rank, world, device = _setup_process()
    try:
        if rec.batch_size % world:
            raise ValueError(
                f"batch size {rec.batch_size} does not split over {world} processes; pass "
                f"--batch-size with a multiple of {world}"
            )
        if final.exists():
            log(f"{final} exists: nothing to train (remove it to train again)")
            return final
        dataset = _train_dataset(root, rec, image_size)
        subset = torch.utils.data.Subset(dataset, class_subset(dataset.targets, rec.train_fraction))
        torch.manual_seed(seed)
        model = zoo.build_model(
            rec.arch, len(dataset.classes), batchnorm=rec.batchnorm,
            channel_dropout=dict(rec.channel_dropout) or None,
            classifier_dropout=rec.classifier_dropout,
        ).to(device)  # fmt: skip
        opt = torch.optim.SGD(
            model.parameters(), lr=rec.lr, momentum=0.9, weight_decay=rec.weight_decay
        )
        start = 0
        if resume.exists():
            state = torch.load(resume, map_location="cpu", weights_only=True)
            if state["recipe"] != _recipe_record(rec, seed):
                raise ValueError(
                    f"{resume} was written by another run ({state['recipe']}); remove it or pass "
                    "the same arguments"
                )
            _same_classes(resume, state.get("classes"), list(dataset.classes), root)
            model.load_state_dict(state["state_dict"])
            opt.load_state_dict(state["optimizer"])
            start = state["epoch"]
            log(f"resuming {name} after epoch {start} of {rec.epochs}")
        ddp = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
        sampler = torch.utils.data.DistributedSampler(
            subset, num_replicas=world, rank=rank, shuffle=True, seed=seed
        )
        loader = torch.utils.data.DataLoader(
            subset, batch_size=rec.batch_size // world, sampler=sampler, num_workers=workers,
            pin_memory=device.type == "cuda", drop_last=False,
        )  # fmt: skip
        kill_at = os.environ.get("UNITROLES_TEST_KILL_AT")  # "epoch:step", tests only
        for epoch in range(start, rec.epochs):
            torch.manual_seed(seed * 100_003 + epoch * 1_009 + rank)  # dropout, workers' seeds
            sampler.set_epoch(epoch)
            for group in opt.param_groups:
                group["lr"] = lr_at(rec, epoch)
            ddp.train()
            began, totals = time.perf_counter(), torch.zeros(3, dtype=torch.float64)
            for step, (x, y) in enumerate(loader):
                if steps_per_epoch is not None and step >= steps_per_epoch:
                    break
                if kill_at == f"{epoch}:{step}" and rank == 0:
                    os.kill(os.getpid(), 9)  # a hard kill mid-epoch, as a preempted job
                x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                logits = ddp(x)
                loss = F.cross_entropy(logits, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                totals += torch.tensor(
                    [loss.item() * len(y), (logits.argmax(1) == y).sum().item(), len(y)],
                    dtype=torch.float64,
                )
            if world > 1:
                dist.all_reduce(totals)
            if rank == 0:
                out.mkdir(parents=True, exist_ok=True)
                if epoch + 1 < rec.epochs:  # the last epoch's checkpoint is the final file
                    _save(_record(model, rec, seed, dataset.classes, epoch + 1, opt), resume)
                loss, acc = totals[0] / max(totals[2], 1), totals[1] / max(totals[2], 1)
                log(
                    json.dumps(
                        {
                            "model": name,
                            "epoch": epoch + 1,
                            "epochs": rec.epochs,
                            "lr": lr_at(rec, epoch),
                            "train_loss": round(float(loss), 4),
                            "train_acc": round(float(acc), 4),
                            "images": int(totals[2]),
                            "seconds": round(time.perf_counter() - began, 1),
                        }
                    )  # fmt: skip
                )
            if world > 1:
                dist.barrier()
        if rank == 0:
            _save(_record(model, rec, seed, dataset.classes, rec.epochs), final)
            resume.unlink(missing_ok=True)
            log(f"wrote {final}")
        if world > 1:
            dist.barrier()
        return final
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def _same_classes(resume: Path, recorded, classes: list[str], root: Path) -> None:
    """A resumed run must see the class folders it was trained on: a label is a folder's
    position, so other folders would go on training every image as another class."""
    if recorded is None or list(recorded) == classes:
        return
    only_resume = [c for c in recorded if c not in classes]
    only_data = [c for c in classes if c not in recorded]
    what = [f"only in it: {', '.join(only_resume[:10])}"] if only_resume else []
    what += [f"only in {root}: {', '.join(only_data[:10])}"] if only_data else []
    raise ValueError(
        f"{resume} was trained on other class folders than those of {root} ("
        + ("; ".join(what) or "the same names in another order")
        + "); pass the --data it was trained on, or remove it to start afresh"
    )


def _recipe_record(rec: PaperRecipe, seed: int) -> dict:
    fields = dataclasses.asdict(rec)
    fields["channel_dropout"] = [list(p) for p in rec.channel_dropout]
    return {**fields, "seed": seed}


def _record(model, rec: PaperRecipe, seed: int, classes, epoch: int, opt=None) -> dict:
    """A checkpoint: weights, the build options the paper profile reads, and for resuming the
    optimizer and the epochs done."""
    obj = {
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        BUILD_KEY: {
            "arch": rec.arch,
            "batchnorm": rec.batchnorm,
            "channel_dropout": dict(rec.channel_dropout),
            "recipe": rec.name,
            "seed": seed,
            "epoch": epoch,
            "epochs": rec.epochs,
        },  # fmt: skip
        "classes": list(classes),
        "recipe": _recipe_record(rec, seed),
        "epoch": epoch,
    }
    if opt is not None:
        obj["optimizer"] = opt.state_dict()
    return obj


def main(argv: list[str]) -> None:
    """``python -m unitroles.train --paper RECIPE --data ROOT [--out DIR] [--seed N] ...``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m unitroles.train --paper",
        description="Train a full-size model of the papers on ImageFolder data (DDP under "
        "torchrun; resumable). Recipes: "
        + "; ".join(f"{r.name}: {r.description}" for r in PAPER_RECIPES.values()),
    )
    parser.add_argument("--paper", required=True, metavar="RECIPE", help="a paper recipe")
    parser.add_argument("--data", required=True, help="training split, ImageFolder layout")
    parser.add_argument("--out", default="checkpoints", help="folder for the checkpoints")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--workers", type=int, default=4, help="data-loading processes per rank")
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs")
    parser.add_argument("--batch-size", type=int, help="global batch size (all processes)")
    parser.add_argument("--lr", type=float, help="override the recipe's peak learning rate")
    parser.add_argument("--arch", choices=zoo.ARCHITECTURES, help="override the architecture")
    parser.add_argument(
        "--steps-per-epoch", type=int, help="stop each epoch after this many steps (rehearsals)"
    )
    args = parser.parse_args(argv)
    overrides = {
        k: v
        for k, v in {
            "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
            "arch": args.arch,
        }.items()
        if v is not None
    }  # fmt: skip
    try:
        rec = paper_recipe(args.paper, **overrides)
    except ValueError as err:
        parser.error(str(err))
    for name, value in (("--epochs", rec.epochs), ("--batch-size", rec.batch_size)):
        if value < 1:
            parser.error(f"{name} must be at least 1, got {value}")
    rank = int(os.environ.get("RANK", 0))
    train_paper(
        rec, args.data, args.out, seed=args.seed, image_size=args.image_size,
        workers=args.workers, steps_per_epoch=args.steps_per_epoch,
        log=(lambda *a: print(*a, flush=True)) if rank == 0 else (lambda *a: None),
    )  # fmt: skip
