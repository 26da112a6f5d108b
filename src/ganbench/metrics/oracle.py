"""Oracles: a classifier per data source, trained by ganbench on real samples of it.

An oracle is the feature network for Fréchet distance, KID and precision/recall on data
where no downloaded network is wanted (name those metrics "FD-<oracle>", never "FID"), and
the class judge that says which class a generated image shows. It is trained in seconds,
with a fixed seed, on real images the GAN never saw (synthetic sources: a fresh set drawn
from a seed derived from the oracle seed; labelled sets: the training split, judged on the
test split or a held-out part), and it refuses to serve when its held-out accuracy is below
the source's gate (:data:`GATES`): a weak judge would make every class metric meaningless.

Trained weights are cached as safetensors plus a JSON record (accuracy, class names,
settings, sha256 of the weights) under ``<cache>/oracles``; the checksum is verified on
every load and a damaged or mismatching file is retrained, never unpickled.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from ganbench.atomic import atomic_path
from ganbench.config import DataConfig
from ganbench.data import cache
from ganbench.data.build import build_dataset
from ganbench.data.catalogue import SOURCES, is_image_file
from ganbench.data.dataset import DataSet, to_float
from ganbench.digests import file_sha256, json_digest, sha256_hex
from ganbench.errors import EvaluationError
from ganbench.metrics.oracle_net import (
    OracleNet,
    OracleTraining,
    epochs_for,
    net_accuracy,
    train_net,
)
from ganbench.seeding import derive_seed, torch_generator

# Bump when the network, the training or the data drawn for it changes.
ORACLE_VERSION = 1

# Minimum held-out accuracy per source, and why that level.
GATES: dict[str, tuple[float, str]] = {
    "shapes": (0.98, "the classes differ in primitive kind, count or fill and a small CNN on "
               "fresh renders reaches ~1.0; less means the configured classes are (nearly) "
               "indistinguishable, so class metrics would be noise"),
    "digits": (0.95, "a small CNN reaches ~0.98 on the 300 held-out bundled digits; the "
               "Stacked-MNIST protocol needs a near-perfect digit judge"),
    "stacked_digits": (0.85, "all three channels must be right: about the digit accuracy "
                       "cubed (0.95^3 = 0.86)"),
    "mnist": (0.98, "a seconds-scale CNN reaches ~0.99 on the MNIST test split"),
    "fashion_mnist": (0.85, "a seconds-scale CNN reaches ~0.88-0.90; shirts, pullovers and "
                      "coats are confused even by large networks"),
    "cifar10": (0.5, "a CNN trained for a minute on CPU reaches only ~0.55-0.65 on natural "
                "images: its features still rank generators, but they are far weaker than "
                "Inception's, so prefer --inception-weights for CIFAR-10"),
    "folder": (0.8, "unknown content: below this the folder's classes are not separable "
               "enough for the class judge to mean anything"),
}  # fmt: skip

# Training per source (None sizes: the whole split).
DEFAULT_TRAINING: dict[str, OracleTraining] = {
    "shapes": OracleTraining(train_size=3000, test_size=1000, epochs=3, width=16),
    "digits": OracleTraining(epochs=15, width=16),
    "mnist": OracleTraining(train_size=12000, test_size=2000, epochs=3, width=16),
    "fashion_mnist": OracleTraining(train_size=12000, test_size=2000, epochs=4, width=16),
    "cifar10": OracleTraining(train_size=20000, test_size=2000, epochs=6, width=32, shift=2),
    "folder": OracleTraining(epochs=10, width=16, shift=2, min_steps=150),
}

STACKED_TEST_SIZE = 1000
ORACLE_BATCH = 128  # images per forward pass: larger batches fall out of the CPU's caches
FOLDER_HELD_OUT = 0.2
# Settings that never change what an oracle is trained on: how a set is visited, its size
# and shares (the oracle draws its own balanced sets) and the split (it uses both).
_NOT_CONTENT = {
    "sampler", "group_size", "flip", "crop_margin", "stream", "workers", "cache", "cache_dir",
    "size", "proportions", "split", "translation",
}  # fmt: skip


class Oracle:
    """A trained oracle: features and class probabilities of images.

    ``images`` are float tensors in [-1, 1] of shape (N, C, H, W), as generators output
    them, or uint8 tensors (0..255). Results come back on the CPU as float32.
    """

    def __init__(self, net: OracleNet, meta: dict[str, Any], checksum: str, trained: bool) -> None:
        self.net = net.eval()
        self.meta = meta
        self.class_names: list[str] = list(meta["class_names"])
        self.accuracy: float = float(meta["accuracy"])
        self.checksum = checksum
        self.trained = trained  # True when this load trained it, False when read from cache
        self.name = f"oracle-{meta['source']}-{meta['key'][:12]}"
        self.channels: int = meta["arch"]["channels"]
        self.image_size: int = meta["arch"]["image_size"]

    @property
    def feature_dim(self) -> int:
        return self.net.feature_dim

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def to(self, device: str | torch.device) -> Oracle:
        self.net.to(device)
        return self

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.name}, classes={len(self.class_names)}, "
            f"accuracy={self.accuracy:.4f})"
        )

    def _check(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4:
            raise EvaluationError(
                f"{self.name}: expected images (N, C, H, W), got {tuple(images.shape)}"
            )
        c, h, w = images.shape[1:]
        if (c, h, w) != (self.channels, self.image_size, self.image_size):
            raise EvaluationError(
                f"{self.name} judges {self.channels}x{self.image_size}x{self.image_size} "
                f"images, got {c}x{h}x{w}; evaluate at the data's channels and image_size"
            )
        if images.dtype != torch.uint8 and not images.is_floating_point():
            raise EvaluationError(f"{self.name}: images must be uint8 or float, got {images.dtype}")
        return images

    def _prepare(self, chunk: torch.Tensor) -> torch.Tensor:
        chunk = chunk.to(self.device)
        chunk = to_float(chunk) if chunk.dtype == torch.uint8 else chunk.float()
        # channels-last batches of ORACLE_BATCH run the small convolutions 2-4x faster on CPU
        return chunk.contiguous(memory_format=torch.channels_last)

    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Features and class probabilities of one prepared float batch."""
        features, logits = self.net.forward_both(x)
        return features, logits.softmax(1)

    @torch.no_grad()
    def features_and_probabilities(
        self, images: torch.Tensor, batch_size: int = ORACLE_BATCH
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Features (N, feature_dim) and class probabilities (N, K) from one pass."""
        images = self._check(images)
        was_training = self.net.training
        self.net.eval()
        try:
            pairs = [self._forward(self._prepare(chunk)) for chunk in images.split(batch_size)]
        finally:
            self.net.train(was_training)
        if not pairs:
            return torch.empty(0, self._width(0)), torch.empty(0, self._width(1))
        features, probabilities = zip(*pairs, strict=True)
        return torch.cat(features).float().cpu(), torch.cat(probabilities).float().cpu()

    def _map(self, images: torch.Tensor, batch_size: int, pick: int) -> torch.Tensor:
        return self.features_and_probabilities(images, batch_size)[pick]

    def _width(self, pick: int) -> int:
        return self.feature_dim if pick == 0 else len(self.class_names)

    def features(self, images: torch.Tensor, batch_size: int = ORACLE_BATCH) -> torch.Tensor:
        """Penultimate-layer activations, (N, feature_dim)."""
        return self._map(images, batch_size, 0)

    def probabilities(self, images: torch.Tensor, batch_size: int = ORACLE_BATCH) -> torch.Tensor:
        """Class probabilities over ``class_names``, (N, K)."""
        return self._map(images, batch_size, 1)

    def predict(self, images: torch.Tensor, batch_size: int = ORACLE_BATCH) -> torch.Tensor:
        """The most probable class index of each image, (N,) int64."""
        return self.probabilities(images, batch_size).argmax(1)


class StackedDigitsOracle(Oracle):
    """The digits oracle applied to each channel of a stacked-digits image.

    Features are the three channels' features side by side (3 x the digit feature size);
    the probability of a triple is the product of its digits' probabilities. The 1000
    columns of :meth:`probabilities` cost 4 KB per image, so for large sample counts use
    :meth:`channel_probabilities` (N, 3, 10) or :meth:`triple_labels` (N,) instead.
    """

    def __init__(self, digits: Oracle, class_names: Sequence[str], accuracy: float) -> None:
        meta = {
            **digits.meta,
            "source": "stacked_digits",
            "class_names": list(class_names),
            "accuracy": accuracy,
            "channel_accuracy": digits.accuracy,
        }
        super().__init__(digits.net, meta, digits.checksum, digits.trained)
        self.digits = digits
        self.channel_accuracy = digits.accuracy
        self.channels = 3
        self._columns = torch.tensor([int(name) for name in class_names])
        self._subset = len(class_names) != 1000

    @property
    def feature_dim(self) -> int:
        return 3 * self.net.feature_dim

    def _per_channel(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, _, h, w = x.shape
        features, logits = self.net.forward_both(x.reshape(n * 3, 1, h, w))
        return features.reshape(n, -1), logits.softmax(1).reshape(n, 3, 10)

    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features, p = self._per_channel(x)
        joint = torch.einsum("na,nb,nc->nabc", p[:, 0], p[:, 1], p[:, 2]).reshape(len(x), 1000)
        if self._subset:
            joint = joint[:, self._columns.to(joint.device)]
            joint = joint / joint.sum(1, keepdim=True).clamp_min(1e-30)
        return features, joint

    @torch.no_grad()
    def channel_probabilities(
        self, images: torch.Tensor, batch_size: int = ORACLE_BATCH
    ) -> torch.Tensor:
        """Digit probabilities of the R, G and B channels, (N, 3, 10)."""
        images = self._check(images)
        self.net.eval()
        out = [self._per_channel(self._prepare(c))[1].cpu() for c in images.split(batch_size)]
        return torch.cat(out) if out else torch.empty(0, 3, 10)

    def triple_labels(self, images: torch.Tensor, batch_size: int = ORACLE_BATCH) -> torch.Tensor:
        """The most probable triple as a mode index 100*r + 10*g + b in 0..999, (N,).

        This is the argmax of the product distribution, found per channel.
        """
        digits = self.channel_probabilities(images, batch_size).argmax(2)
        return digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]

    def predict(self, images: torch.Tensor, batch_size: int = ORACLE_BATCH) -> torch.Tensor:
        if not self._subset:
            return self.triple_labels(images, batch_size)
        return super().predict(images, batch_size)


def oracle_root(cache_dir: Path | str | None = None) -> Path:
    """Where oracles are cached: ``cache_dir``, $GANBENCH_CACHE or ~/.cache/ganbench, /oracles."""
    return cache.cache_root(None if cache_dir is None else str(cache_dir)) / "oracles"


def content_settings(cfg: DataConfig) -> dict[str, Any]:
    """The data settings that decide what an oracle for ``cfg`` is trained on."""
    dumped = cfg.model_dump(mode="json")
    keep = [k for k in SOURCES[cfg.source].settings if k not in _NOT_CONTENT]
    settings: dict[str, Any] = {"source": cfg.source, "class_names": cfg.class_names}
    settings.update({k: dumped[k] for k in keep if k != "classes"})
    if cfg.source == "shapes":
        settings["render_version"] = cache.RENDER_VERSION
    for key in ("root", "path", "path_b"):
        if settings.get(key) is not None:
            settings[key] = str(Path(settings[key]).resolve())
    if cfg.source == "folder":
        settings["files"] = _folder_digest([cfg.path, cfg.path_b])
    return settings


def _folder_digest(paths: Sequence[str | None]) -> str:
    """Names, sizes and modification times of the folders' images: retrain when they change."""
    lines = []
    for path in paths:
        if path is None:
            continue
        root = Path(path)
        for p in sorted(q for q in root.rglob("*") if is_image_file(q)):
            stat = p.stat()
            lines.append(f"{p.relative_to(root)}\t{stat.st_size}\t{stat.st_mtime_ns}")
    return sha256_hex("\n".join(lines))


def _digest(value: Any) -> str:
    return json_digest(value)


def load_oracle(
    data_cfg: DataConfig,
    seed: int = 0,
    cache_dir: Path | None = None,
    progress: bool = False,
    *,
    training: OracleTraining | None = None,
) -> Oracle:
    """The oracle for ``data_cfg``'s source: read from the cache, or trained and cached.

    ``seed`` seeds the oracle's own data and training (derived, so it never equals a run's
    data seed). ``training`` overrides the source's default training (tests use small sets).
    Raises :class:`EvaluationError` for sources without classes to judge, and when the
    held-out accuracy is below the source's gate.
    """
    _check_source(data_cfg)
    if data_cfg.source == "stacked_digits":
        return _stacked(data_cfg, seed, cache_dir, progress, training)
    settings = content_settings(data_cfg)
    training = training or DEFAULT_TRAINING[data_cfg.source]
    key = _digest(
        {"version": ORACLE_VERSION, "data": settings, "seed": seed, "training": asdict(training)}
    )[:24]
    root = oracle_root(cache_dir)
    weights = root / f"{data_cfg.source}-{key}.safetensors"
    record = weights.with_suffix(".json")
    loaded = _read(weights, record, key)
    if loaded is not None:
        oracle = Oracle(*loaded, trained=False)
    else:
        oracle = _train(data_cfg, settings, seed, training, key, progress)
        if oracle.accuracy >= _gate(data_cfg.source):
            oracle.checksum = _write(oracle.net, oracle.meta, weights, record)
    _enforce_gate(oracle, data_cfg.source)
    return oracle


def _check_source(cfg: DataConfig) -> None:
    if cfg.kind == "points":
        raise EvaluationError(
            f"data.source={cfg.source} yields 2D points, not images, so there is no oracle "
            "classifier for it: the 2D toys are measured by the toy metrics (modes covered, "
            "high-quality share, mode KL) directly on the coordinates"
        )
    if len(cfg.class_names) < 2:
        raise EvaluationError(
            f"data.source={cfg.source} has a single class ({cfg.class_names[0]}); an oracle is "
            "a classifier and needs at least 2 classes, and evaluate scores images with it: "
            "train and evaluate on two or more classes"
        )


def _gate(source: str) -> float:
    return GATES[source][0]


def _enforce_gate(oracle: Oracle, source: str) -> None:
    gate, reason = GATES[source]
    if oracle.accuracy < gate:
        raise EvaluationError(
            f"the {source} oracle reaches only {oracle.accuracy:.4f} held-out accuracy, below "
            f"its gate of {gate} ({reason}); it is not trusted as a feature network or class "
            "judge"
        )


def _train(
    cfg: DataConfig,
    settings: dict[str, Any],
    seed: int,
    training: OracleTraining,
    key: str,
    progress: bool,
) -> Oracle:
    train_set, test_set = _oracle_data(cfg, seed, training)
    names = list(train_set.class_names)
    report = None
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=epochs_for(len(train_set), training), desc=f"oracle {cfg.source}", unit="epoch"
        )

        def report(epoch: int, loss: float) -> None:
            bar.set_postfix(loss=f"{loss:.4f}")
            bar.update(1)

    try:
        net = train_net(train_set.images, train_set.labels, len(names), training, seed, report)
    finally:
        if bar is not None:
            bar.close()
    accuracy = net_accuracy(net, test_set.images, test_set.labels)
    meta = {
        "version": ORACLE_VERSION,
        "key": key,
        "source": cfg.source,
        "class_names": names,
        "accuracy": accuracy,
        "gate": _gate(cfg.source),
        "data_digest": _digest(settings),
        "data_settings": settings,
        "seed": seed,
        "training": asdict(training),
        "train_size": len(train_set),
        "test_size": len(test_set),
        "arch": {
            "channels": train_set.channels,
            "image_size": cfg.image_size,
            "classes": len(names),
            "width": training.width,
        },
        "torch": torch.__version__,
    }
    return Oracle(net, meta, checksum="", trained=True)


def _oracle_data(cfg: DataConfig, seed: int, training: OracleTraining) -> tuple[DataSet, DataSet]:
    """Balanced training and held-out sets at the data's image size, never the run's data."""
    base = cfg.model_copy(
        update={
            "size": None,
            "proportions": None,
            "crop_margin": 0,
            "stream": False,
            "cache": False,
            "flip": False,
        }
    )
    train_seed, test_seed = derive_seed(seed, "oracle-train"), derive_seed(seed, "oracle-test")
    if cfg.source == "shapes":
        train = build_dataset(base, train_seed, size=training.train_size)
        test = build_dataset(base, test_seed, size=training.test_size)
    elif cfg.source == "folder":
        train, test = _folder_split(build_dataset(base, seed), seed)
    else:
        train = build_dataset(
            base.model_copy(update={"split": "train"}), train_seed, size=training.train_size
        )
        test = build_dataset(
            base.model_copy(update={"split": "test"}), test_seed, size=training.test_size
        )
    assert isinstance(train, DataSet) and isinstance(test, DataSet)
    return train, test


def _folder_split(full: DataSet, seed: int) -> tuple[DataSet, DataSet]:
    """A seeded, stratified hold-out of ``FOLDER_HELD_OUT`` of each class's images."""
    generator = torch_generator(seed, "oracle-folder-split")
    train_index, test_index = [], []
    for k in range(len(full.class_names)):
        members = torch.nonzero(full.labels == k).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        held = round(len(members) * FOLDER_HELD_OUT) if len(members) >= 2 else 0
        held = max(held, 1) if len(members) >= 2 else 0
        test_index.append(members[:held])
        train_index.append(members[held:])
    if sum(len(t) for t in test_index) == 0:
        raise EvaluationError("the folder has too few images to hold any out for the oracle")

    def subset(parts: list[torch.Tensor]) -> DataSet:
        index = torch.cat(parts).sort().values
        return DataSet(full.images[index], full.labels[index], full.class_names)

    return subset(train_index), subset(test_index)


def _read(weights: Path, record: Path, key: str) -> tuple[OracleNet, dict[str, Any], str] | None:
    """The cached net, its record and checksum; None (with a warning if damaged) to retrain."""
    if not weights.is_file() or not record.is_file():
        return None
    try:
        meta = json.loads(record.read_text())
        if meta.get("version") != ORACLE_VERSION or meta.get("key") != key:
            return None
        checksum = file_sha256(weights)
        if checksum != meta.get("checksum"):
            warnings.warn(
                f"cached oracle {weights} does not match the sha256 in {record.name}; "
                "retraining it",
                RuntimeWarning,
                stacklevel=3,
            )
            return None
        net = OracleNet(**meta["arch"])
        net.load_state_dict(load_file(weights), strict=True)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        warnings.warn(
            f"cached oracle {weights} is unreadable ({exc}); retraining it",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return net.eval(), meta, checksum


def _write(net: OracleNet, meta: dict[str, Any], weights: Path, record: Path) -> str:
    """Weights then record, each via a temporary file and a rename; returns the sha256."""
    weights.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp{os.getpid()}"
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    with atomic_path(weights, suffix) as tmp_weights:
        save_file(state, tmp_weights, metadata={"oracle": meta["key"]})
        checksum = file_sha256(tmp_weights)
    with atomic_path(record, suffix) as tmp_record:
        tmp_record.write_text(json.dumps({**meta, "checksum": checksum}, indent=2))
    return checksum


def _stacked(
    cfg: DataConfig,
    seed: int,
    cache_dir: Path | None,
    progress: bool,
    training: OracleTraining | None,
) -> StackedDigitsOracle:
    """The digits oracle at the same image size, judged on held-out stacked triples."""
    digits_cfg = DataConfig(source="digits", image_size=cfg.image_size)
    digits = load_oracle(digits_cfg, seed, cache_dir, progress, training=training)
    test = build_dataset(
        cfg.model_copy(
            update={
                "split": "test",
                "classes": None,
                "proportions": None,
                "crop_margin": 0,
                "flip": False,
            }
        ),
        derive_seed(seed, "oracle-test"),
        size=STACKED_TEST_SIZE,
    )
    full = StackedDigitsOracle(digits, [f"{k:03d}" for k in range(1000)], 0.0)
    accuracy = float((full.triple_labels(test.images) == test.labels).float().mean())
    oracle = StackedDigitsOracle(digits, cfg.class_names, accuracy)
    oracle.meta["test_size"] = len(test)
    _enforce_gate(oracle, "stacked_digits")
    return oracle


def train_settings(source: str, **changes: Any) -> OracleTraining:
    """The default training of ``source`` with ``changes`` applied (e.g. smaller sets)."""
    base = DEFAULT_TRAINING["digits" if source == "stacked_digits" else source]
    return replace(base, **changes)


__all__ = [
    "DEFAULT_TRAINING",
    "GATES",
    "ORACLE_VERSION",
    "Oracle",
    "OracleTraining",
    "StackedDigitsOracle",
    "content_settings",
    "load_oracle",
    "oracle_root",
    "train_settings",
]
