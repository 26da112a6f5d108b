"""The typed config tree of a run: YAML load, dotted overrides, validation with clear errors.

A run is fully described by one :class:`Config`. Its defaults are a plain conditional DCGAN
on the four seed-000 shape classes (seed 000's additive label); a recipe file states what it
changes. ``ganbench train`` with no arguments trains the default recipe, ``shapes-dcgan``,
which adds the settings against mode collapse (configs/shapes-dcgan.yaml).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ganbench.data.catalogue import (
    BUILTIN_CLASSES,
    CIFAR10_CLASSES,
    DIGIT_CLASSES,
    FASHION_CLASSES,
    SEED_CLASSES,
    SOURCES,
    ShapeClassSpec,
    folder_class_names,
)
from ganbench.errors import ConfigError
from ganbench.families.catalogue import FAMILY_NAMES

MODEL_IMAGE_SIZES = (28, 32, 64)
SYNTHETIC_SIZE = 8000
RGB = tuple[int, int, int]


class _Section(BaseModel):
    # NaN and infinity are never a meaningful setting (noise_std=inf trains on pure noise).
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class DataConfig(_Section):
    """What the discriminator sees as real. ``ganbench data list`` shows which source reads
    which setting."""

    source: Literal[
        "shapes", "ring", "grid", "curve", "digits", "stacked_digits",
        "mnist", "fashion_mnist", "cifar10", "folder",
    ] = "shapes"  # fmt: skip
    classes: list[str] | None = Field(
        None,
        min_length=1,
        description="shapes: classes to draw (default: seed 000's four); "
        "labelled sets: a subset to keep (default: all)",
    )
    image_size: int = Field(64, ge=8, le=256)
    size: int | None = Field(
        None,
        ge=1,
        description=f"items in the set; synthetic default {SYNTHETIC_SIZE}, "
        "real sets default to all (a seeded subset when set)",
    )
    proportions: list[float] | None = Field(
        None, description="relative share of each class, e.g. [9, 1]; default: as found / equal"
    )
    sampler: Literal["shuffled", "grouped"] = "shuffled"
    group_size: int = Field(10, ge=1, description="grouped sampler: consecutive items per class")
    flip: bool = Field(False, description="random horizontal flips")
    crop_margin: int = Field(0, ge=0, description="resize to image_size+margin, random-crop back")
    stream: bool = Field(False, description="synthetic sources: fresh items every step")
    workers: int = Field(0, ge=0, description="processes generating or decoding data")
    cache: bool = Field(False, description="keep generated shapes in an .npz under cache_dir")
    cache_dir: str | None = Field(None, description="default: $GANBENCH_CACHE or ~/.cache/ganbench")
    # shapes
    custom_classes: dict[str, ShapeClassSpec] = Field(default_factory=dict)
    colours: dict[str, RGB] = Field(default_factory=dict, description="base colour per class")
    colour_scheme: Literal["seed", "swapped", "intensity_matched"] = "seed"
    background: RGB = (255, 255, 255)
    monochrome: bool = False
    colour_jitter: int = Field(50, ge=0, le=255, description="± per channel, per shape")
    noise_std: float = Field(0.0, ge=0.0, description="Gaussian noise sigma on the 0..255 scale")
    antialias: bool = True
    # 2D and 1D toys
    modes: int = Field(8, ge=1, description="ring: number of Gaussians")
    radius: float = Field(2.0, gt=0)
    grid_side: int = Field(5, ge=1, description="grid: Gaussians per side")
    grid_spacing: float = Field(2.0, gt=0)
    mode_std: float | None = Field(None, gt=0, description="default: ring 0.02, grid 0.05")
    function: Literal["square", "cube", "sine", "abs"] = "square"
    x_range: float = Field(0.5, gt=0)
    # real image sets
    root: str = Field("data", description="folder holding MNIST/, FashionMNIST/, cifar-10-...")
    split: Literal["train", "test"] = "train"
    path: str | None = Field(None, description="folder source: the image folder (domain A)")
    path_b: str | None = Field(None, description="folder source: an unpaired domain B")

    @model_validator(mode="before")
    @classmethod
    def _grey_background(cls, values: Any) -> Any:
        if isinstance(values, dict) and isinstance(values.get("background"), int):
            values = {**values, "background": (values["background"],) * 3}
        return values

    @model_validator(mode="after")
    def _consistent(self) -> DataConfig:
        if any(not 0 <= c <= 255 for c in self.background):
            raise ValueError(f"data.background channels must be 0..255, got {self.background}")
        if self.source == "shapes":
            self._check_shape_classes()
        elif self.classes is not None:
            if self.kind == "points" or self.source == "folder":
                raise ValueError(
                    f"data.classes cannot be chosen for the {self.source} source; remove it"
                )
            known = self.source_class_names()
            unknown = [c for c in self.classes if c not in known]
            if unknown:
                raise ValueError(
                    f"data.classes: {unknown[0]!r} is not a class of {self.source}; "
                    f"allowed: {', '.join(known[:20])}{' ...' if len(known) > 20 else ''}"
                )
        if self.classes is not None and len(set(self.classes)) != len(self.classes):
            raise ValueError("data.classes lists a class twice")
        if self.proportions is not None:
            count = len(self.class_names)
            if len(self.proportions) != count or any(p < 0 for p in self.proportions):
                raise ValueError(
                    f"data.proportions needs {count} non-negative shares (one per class: "
                    f"{', '.join(self.class_names[:10])}), got {self.proportions}"
                )
            if sum(self.proportions) <= 0:
                raise ValueError("data.proportions must not all be zero")
        if self.stream and not SOURCES[self.source].synthetic:
            raise ValueError(f"data.stream needs a synthetic source; {self.source} is a fixed set")
        if self.source == "folder":
            for key in ("path", "path_b"):
                value = getattr(self, key)
                if key == "path" and value is None:
                    raise ValueError("data.source=folder needs data.path=FOLDER of images")
                if value is not None and not Path(value).is_dir():
                    raise ValueError(f"data.{key}={value}: no such folder")
        return self

    def _check_shape_classes(self) -> None:
        clash = [c for c in self.custom_classes if c in BUILTIN_CLASSES]
        if clash:
            raise ValueError(
                f"data.custom_classes: {clash[0]!r} is a built-in class; give it another name"
            )
        known = [*BUILTIN_CLASSES, *self.custom_classes]
        for name in self.class_names:
            if name not in known:
                raise ValueError(
                    f"unknown shape class {name!r}; allowed: {', '.join(known)} "
                    "(or define it under data.custom_classes)"
                )
        stray = [c for c in self.colours if c not in self.class_names]
        if stray:
            raise ValueError(f"data.colours: {stray[0]!r} is not one of data.classes")

    def source_class_names(self) -> list[str]:
        """Every class the source offers, before any subset is chosen."""
        if self.source == "shapes":
            return [*SEED_CLASSES]
        if self.source == "ring":
            return [f"mode{k}" for k in range(self.modes)]
        if self.source == "grid":
            return [f"mode{k}" for k in range(self.grid_side**2)]
        if self.source == "curve":
            return [self.function]
        if self.source in ("digits", "mnist"):
            return list(DIGIT_CLASSES)
        if self.source == "stacked_digits":
            return [f"{k:03d}" for k in range(1000)]
        if self.source == "fashion_mnist":
            return list(FASHION_CLASSES)
        if self.source == "cifar10":
            return list(CIFAR10_CLASSES)
        if self.path_b is not None:
            return [Path(self.path or "A").name or "A", Path(self.path_b).name or "B"]
        return folder_class_names(Path(self.path or "."))

    @property
    def class_names(self) -> list[str]:
        return list(self.classes) if self.classes is not None else self.source_class_names()

    @property
    def kind(self) -> str:
        return SOURCES[self.source].kind

    @property
    def channels(self) -> int:
        if self.source in ("digits", "mnist", "fashion_mnist"):
            return 1
        if self.source in ("stacked_digits", "cifar10"):
            return 3
        return 1 if self.monochrome else 3

    @property
    def point_dim(self) -> int:
        return 2

    @property
    def synthetic_size(self) -> int:
        return self.size or SYNTHETIC_SIZE

    def shape_spec(self, name: str) -> ShapeClassSpec:
        return self.custom_classes.get(name) or BUILTIN_CLASSES[name]


# Named layer stacks: a preset fills the model settings the user did not set.
MODEL_PRESETS: dict[str, dict[str, Any]] = {
    # Seed 000's fully convolutional stack: 256 channels throughout, LeakyReLU in both
    # networks, batch norm after the activation (also after G's last layer), no biases.
    "seed000": {
        "g_width": 256,
        "d_width": 256,
        "width_growth": "constant",
        "g_activation": "leaky_relu",
        "norm_position": "after",
        "d_first_norm": True,
        "g_final_norm": True,
        "d_final_activation": True,
        "init": "normal",
        "latent_dim": 100,
        "g_output": "tanh",
        "g_upsample": "transposed",
    },
    # Radford et al. 2015: channels halve towards the image, ReLU in G, LeakyReLU(0.2) in D,
    # batch norm before the activation and not on D's first layer, N(0, 0.02) init.
    "radford": {
        "g_width": 64,
        "d_width": 64,
        "width_growth": "double",
        "g_activation": "relu",
        "norm_position": "before",
        "d_first_norm": False,
        "g_final_norm": False,
        "d_final_activation": False,
        "init": "normal",
        "latent_dim": 100,
        "g_output": "tanh",
        "g_upsample": "transposed",
    },
}


class ModelConfig(_Section):
    """Generator and discriminator architecture."""

    arch: Literal["dcgan", "mlp"] = "dcgan"
    preset: Literal["none", "seed000", "radford"] = "none"
    image_size: int | None = Field(None, description="defaults to data.image_size")
    latent_dim: int = Field(100, ge=1)
    latent_distribution: Literal["gaussian", "uniform"] = "gaussian"
    conditioning: Literal["none", "additive", "embedding"] = "additive"
    g_conditioning: Literal["additive", "embedding", "cbn"] | None = Field(
        None,
        description="how G takes the class (default: as conditioning; none when conditioning is "
        "none); cbn: class-conditional batch norm",
    )
    d_conditioning: Literal["additive", "embedding", "projection"] | None = Field(
        None,
        description="how D takes the class (default: as conditioning; none when conditioning is "
        "none); projection: Miyato and Koyama's class embedding times D's pooled features",
    )
    embedding_dim: int = Field(16, ge=1)
    g_width: int = Field(32, ge=1)
    d_width: int = Field(32, ge=1)
    max_width: int = Field(512, ge=1)
    width_growth: Literal["double", "constant"] = "double"
    extra_layers: int = Field(0, ge=0, description="stride-1 3x3 conv layers per resolution")
    g_output: Literal["tanh", "linear", "alpha"] = Field(
        "tanh",
        description="G's output: tanh; linear starting as a blank canvas of the data's "
        "background colour (zero last layer, StyleGAN2-style linear toRGB; clamped when sampled); "
        "alpha: ink of a free colour composited over the background by a coverage channel",
    )
    g_upsample: Literal["transposed", "nearest"] = Field(
        "transposed",
        description="G's upsampling: 4x4 stride-2 transposed conv, or nearest x2 then 3x3 conv "
        "(no checkerboard, Odena et al. 2016)",
    )
    g_activation: Literal["relu", "leaky_relu"] = "leaky_relu"
    leaky_slope: float = Field(0.2, ge=0.0, lt=1.0)
    norm_position: Literal["before", "after"] = "before"
    d_first_norm: bool = False
    g_final_norm: bool = False
    d_final_activation: bool = False
    init: Literal["normal", "xavier", "kaiming", "orthogonal", "default"] = "normal"
    mlp_hidden: int = Field(128, ge=1)
    mlp_layers: int = Field(1, ge=1, description="hidden layers of the MLP networks")
    # Normalisation and stabilisation knobs; their sources are in docs/tricks.md.
    g_norm: Literal["batch", "pixel", "none"] = Field(
        "batch", description="generator normalisation: batch norm, PGGAN pixel norm, or none"
    )
    d_norm: Literal["batch", "layer", "none"] = Field(
        "batch", description="discriminator normalisation (WGAN-GP wants layer or none)"
    )
    spectral_norm: Literal["none", "d", "both"] = Field(
        "none", description="spectral normalisation (Miyato et al. 2018) of D, or of D and G"
    )
    equalised_lr: bool = Field(False, description="PGGAN's equalised learning rate (dcgan)")
    minibatch_std: bool = Field(False, description="PGGAN's minibatch stddev channel in D")
    minibatch_std_groups: Literal["mixed", "class"] = Field(
        "mixed",
        description="minibatch stddev over groups of 4 mixed samples (PGGAN), or over the "
        "samples of each class (conditional dcgan: sees one-image-per-class collapse)",
    )
    minibatch_discrimination: int = Field(
        0, ge=0, description="kernels of Salimans et al.'s minibatch discrimination (0: off)"
    )
    pack: int = Field(1, ge=1, description="PacGAN: D judges this many samples jointly")
    self_attention: int | None = Field(
        None, description="resolution of a SAGAN self-attention block in G and D (dcgan)"
    )
    d_dropout: float = Field(0.0, ge=0.0, lt=1.0, description="dropout after D's activations")

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, values: Any) -> Any:
        if isinstance(values, dict) and values.get("preset") in MODEL_PRESETS:
            return {**MODEL_PRESETS[values["preset"]], **values}
        return values

    @model_validator(mode="before")
    @classmethod
    def _unconditional_has_no_sides(cls, values: Any) -> Any:
        """``conditioning: none`` makes both networks unconditional, so a recipe's
        ``g_conditioning``/``d_conditioning`` do not apply (``model.conditioning=none`` on the
        command line is enough)."""
        if isinstance(values, dict) and values.get("conditioning") == "none":
            return {**values, "g_conditioning": None, "d_conditioning": None}
        return values

    @property
    def g_condition(self) -> str:
        """How G takes the class: none, additive, embedding or cbn."""
        return self.g_conditioning or self.conditioning

    @property
    def d_condition(self) -> str:
        """How D takes the class: none, additive, embedding or projection."""
        return self.d_conditioning or self.conditioning


LOSS_NAMES = (
    "minimax",
    "non_saturating",
    "least_squares",
    "wasserstein",
    "wgan_clip",
    "wgan_gp",
    "hinge",
)
CROSS_ENTROPY_LOSSES = ("minimax", "non_saturating")
WASSERSTEIN_LOSSES = ("wasserstein", "wgan_clip", "wgan_gp")
DIFFAUGMENT_POLICIES = ("color", "translation", "cutout")


class ObjectiveConfig(_Section):
    """The adversarial loss, its regularisers and the label tricks."""

    loss: Literal[
        "minimax", "non_saturating", "least_squares", "wasserstein", "wgan_clip", "wgan_gp", "hinge"
    ] = "non_saturating"
    ls_a: float = Field(0.0, description="least_squares: D's target for fakes")
    ls_b: float = Field(1.0, description="least_squares: D's target for reals")
    ls_c: float = Field(1.0, description="least_squares: G's target for its fakes")
    clip: float = Field(0.01, gt=0, description="wgan_clip: weights clamped to [-clip, clip]")
    gp_lambda: float = Field(10.0, ge=0, description="wgan_gp: gradient penalty weight")
    r1_gamma: float = Field(0.0, ge=0, description="R1 penalty on real data (0: off)")
    consistency: float = Field(0.0, ge=0, description="consistency regularisation weight")
    consistency_on: Literal["real", "fake", "both"] = Field(
        "real", description="images the consistency term sees (seed 004 used the fakes)"
    )
    instance_noise: float = Field(0.0, ge=0, description="std of noise added to D's inputs")
    instance_noise_steps: int | None = Field(
        None, ge=1, description="steps over which instance noise anneals to 0 (default: all)"
    )
    d_blur: float = Field(
        0.0, ge=0, description="sigma (pixels) of a Gaussian blur on D's inputs, fading to 0"
    )
    d_blur_steps: int | None = Field(
        None, ge=1, description="steps over which the D-input blur fades out (default: half)"
    )
    real_label: float = Field(1.0, description="D's label for reals (0.9: one-sided smoothing)")
    fake_label: float = Field(0.0, description="D's label for fakes (> 0: two-sided smoothing)")
    soft_labels: bool = Field(False, description="random labels: reals U(0.7,1.2), fakes U(0,0.3)")
    label_flip: float = Field(0.0, ge=0, lt=0.5, description="share of D's labels swapped")
    image_pool: int = Field(0, ge=0, description="past fakes kept for D (seed 004: 50)")
    mode_seeking: float = Field(
        0.0, ge=0, description="weight of MSGAN's mode-seeking term in G's loss (0: off)"
    )
    diffaugment: str | None = Field(
        None, description="DiffAugment policy for D's inputs, e.g. color,translation,cutout"
    )

    @model_validator(mode="after")
    def _check_policy(self) -> ObjectiveConfig:
        if self.diffaugment:
            unknown = [p for p in self.diffaugment.split(",") if p not in DIFFAUGMENT_POLICIES]
            if unknown:
                raise ValueError(
                    f"objective.diffaugment: unknown policy {unknown[0]!r}; "
                    f"allowed: {', '.join(DIFFAUGMENT_POLICIES)} (comma-separated)"
                )
        return self

    @property
    def label_tricks(self) -> bool:
        return (
            self.real_label != 1.0
            or self.fake_label != 0.0
            or self.soft_labels
            or self.label_flip > 0
        )


class OptimiserConfig(_Section):
    """Adam for both networks."""

    g_lr: float = Field(2e-4, gt=0)
    d_lr: float = Field(2e-4, gt=0)
    beta1: float = Field(0.5, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    lr_decay: Literal["none", "linear"] = Field(
        "none", description="linear: both rates fall linearly to 0 by the last step (seed 004)"
    )
    lr_decay_start: int = Field(0, ge=0, description="step at which the decay begins")


class ScheduleConfig(_Section):
    """How long and how each step runs."""

    steps: int = Field(700, ge=1, description="generator updates in the whole run")
    batch_size: int = Field(64, ge=1)
    precision: Literal["fp32", "bf16"] = "fp32"
    d_steps: int = Field(1, ge=1, description="D updates per G update (WGAN's n_critic)")
    ema: float = Field(
        0.0, ge=0, lt=1, description="decay of an EMA copy of G used for samples (0: off)"
    )
    ema_start: int = Field(0, ge=0, description="step from which the EMA averages (copy before)")
    ema_rampup: float | None = Field(
        None,
        gt=0,
        description="StyleGAN2-ADA's EMA ramp-up: the average's half-life is at most this share "
        "of the steps done, so early averages do not keep the random initial weights",
    )
    ema_batch_norm: Literal["recompute", "copy"] = Field(
        "recompute",
        description="the EMA generator's batch-norm statistics: recomputed for its averaged "
        "weights on fixed latents before it is sampled or saved, or copied from G",
    )


class SamplingConfig(_Section):
    """How samples are drawn after training (generate, evaluate)."""

    truncation: float | None = Field(
        None, gt=0, description="BigGAN truncation: latent entries beyond +-t are redrawn"
    )


class EvaluationConfig(_Section):
    """Evaluation during training (``ganbench evaluate`` scores a finished run)."""

    every: int | None = Field(
        None, ge=1, description="steps between evaluations during training (default: off)"
    )
    samples: int = Field(500, ge=10, description="generated samples per evaluation")
    metrics: list[str] | None = Field(
        None, description="default: class metrics, FD and KID in oracle space; toy metrics for 2D"
    )


class LoggingConfig(_Section):
    """What the run directory receives, and how often."""

    root: str = "runs"
    name: str | None = Field(
        None, description="run directory name (no path separators); default: recipe-time"
    )
    log_every: int = Field(10, ge=1, description="steps between metrics.jsonl lines")
    samples_every: int | None = Field(
        None, ge=1, description="steps between sample grids; default: once per epoch"
    )
    checkpoint_every: int = Field(250, ge=1)
    keep_checkpoints: int = Field(3, ge=1)
    tensorboard: bool = True
    progress: bool = True

    @model_validator(mode="after")
    def _name_is_one_folder(self) -> LoggingConfig:
        name = self.name
        if name is not None and (name in ("", ".", "..") or "/" in name or "\\" in name):
            raise ValueError(
                f"logging.name={name!r} must name one folder inside logging.root, without "
                "path separators; move the run elsewhere with logging.root"
            )
        return self


class Config(_Section):
    """One run, fully described."""

    recipe: str = "shapes-dcgan"
    family: str = Field(
        "gan",
        description="how the networks are built and updated: "
        + ", ".join(FAMILY_NAMES)
        + " (src/ganbench/families/)",
    )
    seed: int = Field(0, ge=0, lt=2**63, description="the run's seed (0 <= seed < 2^63)")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(None, ge=1, description="CPU threads; default: all cores")
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    objective: ObjectiveConfig = Field(default_factory=ObjectiveConfig)
    optimiser: OptimiserConfig = Field(default_factory=OptimiserConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)

    @field_validator("family")
    @classmethod
    def _known_family(cls, name: str) -> str:
        if name not in FAMILY_NAMES:
            raise ValueError(f"unknown family {name!r}; allowed: {', '.join(FAMILY_NAMES)}")
        return name

    @model_validator(mode="after")
    def _combinations(self) -> Config:
        size = self.model.image_size
        if size is not None and size != self.data.image_size:
            raise ValueError(
                f"model.image_size={size} does not match data.image_size="
                f"{self.data.image_size}; set them equal or leave model.image_size unset"
            )
        if self.data.kind == "points" and self.model.arch != "mlp":
            raise ValueError(
                f"data.source={self.data.source} yields 2D points, which only the mlp model "
                "can learn; set model.arch=mlp"
            )
        if (
            self.data.kind == "image"
            and self.model.arch == "dcgan"
            and self.data.image_size not in MODEL_IMAGE_SIZES
        ):
            raise ValueError(
                f"data.image_size={self.data.image_size} cannot be built by the dcgan model; "
                f"allowed: {', '.join(map(str, MODEL_IMAGE_SIZES))}"
            )
        classes = len(self.data.class_names)
        if (
            self.model.g_condition == "additive"
            and self.model.arch == "dcgan"
            and self.model.latent_dim < classes
        ):
            raise ValueError(
                f"model.latent_dim={self.model.latent_dim} is smaller than the number of "
                f"classes ({classes}); additive conditioning tiles the label "
                "over z, so raise model.latent_dim or use model.conditioning=embedding"
            )
        from ganbench.compatibility import conflicts

        problems = conflicts(self)
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    def advisories(self) -> list[str]:
        """Combinations that run but are probably not what the user wants, with the reason."""
        from ganbench.compatibility import advisories

        return advisories(self)

    @property
    def conditional(self) -> bool:
        return self.model.conditioning != "none"

    @property
    def image_size(self) -> int:
        return self.data.image_size

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def digest(self) -> str:
        """A hash of everything that shapes the trained weights (not how long or how logged)."""
        tree = self.to_dict()
        for section in ("logging", "sampling", "evaluation"):
            tree.pop(section)
        tree["schedule"].pop("steps")
        blob = json.dumps(tree, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


DEFAULT_RECIPE = "shapes-dcgan"


def recipes_dir() -> Path:
    """Ready recipes: shipped inside the package, or at the repository root when editable."""
    packaged = Path(__file__).parent / "configs"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "configs"


def available_recipes() -> list[str]:
    return sorted(p.stem for p in recipes_dir().glob("*.yaml"))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        tree = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys, not {type(tree).__name__}")
    return tree


def _resolve_source(source: str) -> tuple[dict[str, Any], str]:
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ConfigError(
                f"config file {source} not found; give a YAML file or a recipe name "
                f"({', '.join(available_recipes())})"
            )
        return _read_yaml(path), path.stem
    candidate = recipes_dir() / f"{source}.yaml"
    if candidate.is_file():
        return _read_yaml(candidate), source
    raise ConfigError(
        f"no recipe or config file named {source!r}; recipes: {', '.join(available_recipes())}"
    )


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b=value`` -> (["a", "b"], value), the value read as YAML (numbers, booleans, lists)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {text!r} must look like key=value, e.g. schedule.steps=500")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip().split("."), value


def apply_overrides(tree: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Set each dotted key in turn: a later key wins. A ``model.preset`` override replaces
    the stack settings that came before it (the recipe's ``g_width``, say), so it builds the
    preset's networks; keys given after it still change them."""
    for text in overrides:
        path, value = parse_override(text)
        if path == ["model", "preset"] and value in MODEL_PRESETS:
            model = tree.get("model")
            if isinstance(model, dict):
                for key in MODEL_PRESETS[value]:
                    model.pop(key, None)
        node = tree
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{'.'.join(path)}: {part} is a value, not a section")
            node = child
        node[path[-1]] = value
    return tree


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return list(model.model_fields)


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    key = ".".join(str(p) for p in loc) or "config"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key; allowed here: {', '.join(_allowed_keys(loc[:-1]))}"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "value_error" and not loc[1:]:
        return message
    return f"{key}={error['input']!r}: {message}"


def validate(tree: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        problems = [_describe(e) for e in exc.errors()]
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems)) from None


def load_config(source: str | None = None, overrides: list[str] | None = None) -> Config:
    """Resolve a recipe name or YAML path (None: the default recipe) plus key=value overrides."""
    tree, recipe = _resolve_source(source or DEFAULT_RECIPE)
    tree.setdefault("recipe", recipe)
    return validate(apply_overrides(tree, list(overrides or [])))


def config_differences(old: Config, new: Config) -> list[str]:
    """Dotted keys whose values differ, as 'key: old -> new'."""

    def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        flat: dict[str, Any] = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                flat.update(flatten(value, f"{prefix}{key}."))
            else:
                flat[f"{prefix}{key}"] = value
        return flat

    a, b = flatten(old.to_dict()), flatten(new.to_dict())
    return [
        f"{k}: {a.get(k)!r} -> {b.get(k)!r}"
        for k in sorted(a.keys() | b.keys())
        if a.get(k) != b.get(k)
    ]
