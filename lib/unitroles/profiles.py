"""What a page runs on: its checked parameters as a :class:`Profile`, which gives it its models.

A page's parameters cell names a profile (``smoke``, ``book`` or ``paper``) and the settings that
go with it; the next cell checks them and gets the profile back::

    from unitroles import params, profiles

    run = profiles.check(globals(), {**params.COMMON, **params.ZHOU_PAPER, ...})
    seeds = run.seeds(seeds)              # paper: one checkpoint; smoke: two seeds
    models = run.models(seeds)            # any profile: a Setup per seed
    study = run.unit_study(seeds[0], layer="conv5")

The profile owns what used to be decided on every page:

* **the world settings** (``data_scale``, ``epoch_scale``, ``world_seed``, ``image_size``): no
  page forwards them by hand;
* **seed trimming**: ``smoke`` runs the code path in seconds on two seeds, ``paper`` has one
  checkpoint a recipe (one "seed"); ``book`` keeps the page's seeds;
* **whether the images are synthetic** (``book``, ``smoke``: the world, with its ground-truth
  masks) or the user's (``paper``);
* **how a model is obtained**: a published, cached or trained recipe of the world, or the
  user's checkpoint, found from the page's parameters (``checkpoint``, ``batchnorm_checkpoint``,
  ``dropout_checkpoint``, ``instances_dir``: see :func:`Profile.model`).

It sits above the model, data and measure modules and below the pages; :func:`check` wraps
:func:`unitroles.params.check` (which stays a low module that knows types and ranges only).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from functools import cached_property
from typing import Any

from . import evaluation, generalization, paper, params, recipes, setups, study, train
from .scenes import SceneWorld

__all__ = ["PROFILES", "SMOKE_SEEDS", "Profile", "check"]

PROFILES = ("smoke", "book", "paper")
SMOKE_SEEDS = 2  # seconds, not minutes: the code path on two seeds, not the science

# The world settings every page declares (params.COMMON), with the book's values.
WORLD_DEFAULTS = {"data_scale": 1.0, "epoch_scale": 1.0, "world_seed": 0, "image_size": 48}


class Profile:
    """A page's profile and its checked parameters (read them as ``run["val_root"]``).

    Build it with :func:`check`, or from a mapping of parameters (``Profile({"profile":
    "book"})``; missing world settings take the book's values).
    """

    def __init__(self, parameters: Mapping[str, Any]):
        name = parameters.get("profile", "book")
        if name not in PROFILES:
            raise ValueError(f"unknown profile {name!r}; profiles are {', '.join(PROFILES)}")
        self.parameters = {**WORLD_DEFAULTS, **parameters, "profile": name}
        self.name: str = name

    def __getitem__(self, name: str) -> Any:
        return self.parameters[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The parameter ``name``, or ``default`` when the page does not declare it."""
        return self.parameters.get(name, default)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        world = ", ".join(f"{k}={self.parameters[k]!r}" for k in WORLD_DEFAULTS)
        return f"Profile({self.name!r}, {world})"

    # ----------------------------------------------------------------------------------------
    # What the profile is

    @property
    def synthetic(self) -> bool:
        """Whether the images are the synthetic world's (``book``, ``smoke``), with ground truth
        (concept masks, the classes' recipes) that the user's data (``paper``) lacks."""
        return self.name != "paper"

    @property
    def smoke(self) -> bool:
        """Whether this run checks the code path only: its verdicts are not evidence."""
        return self.name == "smoke"

    def seeds(self, seeds: Sequence[int], *, smoke: int = SMOKE_SEEDS) -> list[int]:
        """The seeds this profile runs of ``seeds``: all on ``book``, the first ``smoke`` on
        ``smoke``, the first on ``paper`` (one checkpoint a recipe or network)."""
        seeds = list(seeds)
        if self.name == "paper":
            return seeds[:1]
        if self.name == "smoke":
            return seeds[:smoke]
        return seeds

    def arch(self, mini: str, full: str) -> str:
        """The architecture's name as a caption says it: ``full`` (e.g. "VGG16") on the paper
        profile, the book's ``mini`` (e.g. "vgg16-mini") otherwise."""
        return mini if self.synthetic else full

    @property
    def world_settings(self) -> dict[str, Any]:
        """``data_scale``, ``epoch_scale``, ``world_seed``, ``image_size``."""
        return {k: self.parameters[k] for k in WORLD_DEFAULTS}

    @cached_property
    def world(self) -> SceneWorld | None:
        """The synthetic world of Zhou et al.'s pages (the 48 scenes in minimal pairs) on this run
        (None on the paper profile). Zhao et al.'s pages: :meth:`world_of`."""
        return self.world_of("baseline")

    def world_of(self, recipe: str) -> SceneWorld | None:
        """The synthetic world the models of ``recipe`` are trained and evaluated on (its scene
        catalogue, this run's size and seed); None on the paper profile."""
        if not self.synthetic:
            return None
        base = SceneWorld(size=self["image_size"], seed=self["world_seed"])
        return train.world_of(train.recipe(recipe), base)

    # ----------------------------------------------------------------------------------------
    # Models and data

    def checkpoint(self, recipe: str = "baseline", seed: int = 0) -> tuple[Any, str]:
        """Paper profile: the checkpoint for ``recipe`` / ``seed`` and the parameter it came from.

        From ``instances_dir`` (one AlexNet a seed: Zhou et al. Table 1, Fig. 6) when the page
        declares it, else from the recipe's parameter (``checkpoint``, ``batchnorm_checkpoint``,
        ``dropout_checkpoint``; :data:`unitroles.paper.RECIPE_PARAMETER`). A missing one is
        reported when the model is loaded, naming the parameter and its environment variable.
        """
        if "instances_dir" in self.parameters:
            files = paper.instance_checkpoints(self["instances_dir"], [seed])
            return files[int(seed)], "instances_dir"
        if recipe not in paper.RECIPE_PARAMETER:
            raise ValueError(
                f"no paper-profile checkpoint parameter for recipe {recipe!r}; the paper profile "
                f"compares {', '.join(paper.RECIPE_PARAMETER)} (give the checkpoint explicitly: "
                "Profile.model(recipe, checkpoint=PATH, parameter=NAME))"
            )
        parameter = paper.RECIPE_PARAMETER[recipe]
        return self.get(parameter), parameter

    def model(
        self,
        recipe: str = "baseline",
        *,
        seed: int = 0,
        arch: str = "alexnet",
        checkpoint: Any = None,
        parameter: str | None = None,
    ) -> evaluation.Setup:
        """The model and its evaluation images, for any profile.

        ``book`` / ``smoke``: ``recipe`` with ``seed`` on the world (published, cached or
        trained: :func:`unitroles.train.train`). ``paper``: ``arch`` built as ``recipe``
        prescribes, with ``checkpoint`` (a path, or None for ``$UNITROLES_…``; ``parameter`` names
        the page parameter it came from, for the error when there is none) or, when neither is
        given, the checkpoint :meth:`checkpoint` finds; ``eval_per_class`` images a class of
        ``val_root``. The synthetic profiles ignore ``arch`` and ``checkpoint`` (the recipe
        names the architecture).
        """
        if self.synthetic:
            return setups.model_setup(self.name, recipe=recipe, seed=seed, **self.world_settings)
        if checkpoint is None and parameter is None:
            checkpoint, parameter = self.checkpoint(recipe, seed)
        parameter = parameter or "checkpoint"
        return paper.checkpoint_setup(
            checkpoint, self.get("val_root"), arch=arch, recipe=recipe,
            per_class=self.get("eval_per_class", 10), image_size=self["image_size"],
            skip_unreadable=self.get("skip_unreadable", False), parameter=parameter,
            env=paper.INPUTS.get(parameter, "UNITROLES_CHECKPOINT"),
        )  # fmt: skip

    def trained(self, recipe: str, seed: int = 0) -> train.Trained:
        """The world's model of ``recipe`` / ``seed`` with its recipe and accuracies (published,
        cached or trained: :func:`unitroles.train.train`); the synthetic profiles only."""
        if not self.synthetic:
            raise ValueError(
                "the paper profile has no synthetic world to train on: use Profile.model, which "
                "loads your checkpoint"
            )
        rec = train.recipe(recipe, seed=seed).scaled(self["data_scale"], self["epoch_scale"])
        return train.train(rec, self.world_of(recipe))

    def book_models(self, *, progress: bool = False) -> list[train.Trained]:
        """Every model the book's pages use (:func:`unitroles.recipes.book_recipes`), on this
        run's world: published, cached or trained, as :func:`unitroles.train.train_many` finds
        them. The synthetic profiles only."""
        if not self.synthetic:
            raise ValueError("the paper profile has no book models: it reads your checkpoints")
        recipes = train.book_recipes(self["data_scale"], self["epoch_scale"])
        base = SceneWorld(size=self["image_size"], seed=self["world_seed"])
        return train.train_many(recipes, base, progress=progress)

    def models(
        self, seeds: Sequence[int], recipe: str = "baseline", **kwargs
    ) -> list[evaluation.Setup]:
        """:meth:`model` for each of ``seeds`` (already trimmed with :meth:`seeds`)."""
        return [self.model(recipe, seed=s, **kwargs) for s in seeds]

    @property
    def dissect_per_class(self) -> int:
        """Dissection images a class: the page's ``dissect_per_class`` times ``data_scale``
        (at least 2)."""
        return max(2, round(self.get("dissect_per_class", 50) * self["data_scale"]))

    def dissection_data(self):
        """The dissection set and its input transform: ``(BrodenDataset, transform)`` (the
        world's ``dissect`` split in Broden's format, or the Broden folder at ``broden_root``)."""
        return setups.dissection_data(
            self.name, world_seed=self["world_seed"], image_size=self["image_size"],
            per_class=self.dissect_per_class, broden_root=self.get("broden_root"),
        )  # fmt: skip

    def unit_study(
        self, seed: int = 0, *, layer: str = "conv5", recipe: str = "baseline", progress=True
    ) -> study.UnitStudy:
        """Every unit of ``layer`` in the model of ``recipe`` / ``seed``, ablated and measured
        (:func:`unitroles.study.unit_study`, cached)."""
        checkpoint = None if self.synthetic else self.checkpoint(recipe, seed)[0]
        return study.unit_study(
            self.name, layer=layer, recipe=recipe, seed=seed, **self.world_settings,
            dissect_per_class=self.get("dissect_per_class", 50), checkpoint=checkpoint,
            val_root=self.get("val_root"), broden_root=self.get("broden_root"),
            eval_per_class=self.get("eval_per_class", 10), progress=progress,
        )  # fmt: skip

    def unit_studies(self, seeds: Sequence[int], **kwargs) -> list[study.UnitStudy]:
        """:meth:`unit_study` for each of ``seeds``."""
        return [self.unit_study(s, **kwargs) for s in seeds]

    def generalization_roles(self, *, layer: str, rank_by: str = "activation", seed: int = 0):
        """The role taxonomy of ``layer`` in Zhao et al.'s five models A to E of ``seed``
        (:func:`unitroles.generalization.generalization_roles`)."""
        return generalization.generalization_roles(
            self.name, **self.world_settings, layer=layer, rank_by=rank_by,
            checkpoint_dir=self.get("checkpoint_dir"), train_root=self.get("train_root"),
            val_root=self.get("val_root"), per_class=self.get("eval_per_class", 50),
            skip_unreadable=self.get("skip_unreadable", False), seed=seed,
        )  # fmt: skip

    @property
    def ladder_seeds(self) -> list[int]:
        """The seeds of Zhao et al.'s ladder this run reads: :data:`recipes.LADDER_SEEDS` on
        ``book``, one on ``smoke`` (seconds) and ``paper`` (one checkpoint a model)."""
        return self.seeds(recipes.LADDER_SEEDS, smoke=1)

    def ladder(self, *, layer: str, rank_by: str = "activation") -> dict[int, dict]:
        """:meth:`generalization_roles` of every seed of :attr:`ladder_seeds`, by seed."""
        return {
            s: self.generalization_roles(layer=layer, rank_by=rank_by, seed=s)
            for s in self.ladder_seeds
        }


def check(namespace: MutableMapping[str, Any], spec: Mapping[str, Any]) -> Profile:
    """Check a page's parameters (:func:`unitroles.params.check`: types, ranges, paths made
    absolute and written back into ``namespace``) and return them as a :class:`Profile`."""
    return Profile(params.check(namespace, spec))
