"""The real sample of an evaluation, judged once and scored against any number of other samples
(the generated one, the second real sample and the noise of the floors).

What a score needs from the real sample is small and does not depend on the generator: its
oracle features and class histogram, its PRDC radii, its SWD descriptors and its Inception
features. :meth:`RealReference.state` gives them as tensors and :meth:`RealReference.from_state`
rebuilds the reference from them, so a later evaluation of the same source (the floor cache's
key) neither renders the real sample nor passes it through the oracle again, and scores the
same numbers bit for bit.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import torch

from ganbench.config import DataConfig

INCEPTION_METRICS = ("fd_inception", "kid_inception", "is_inception")
MS_SSIM_PAIRS = 2000
MIN_CLASS_PAIRS = 100


class RealReference:
    """A real sample of ``shape`` (N, C, H, W) seen through the evaluation's feature networks."""

    def __init__(
        self,
        names: tuple[str, ...],
        data: DataConfig,
        oracle: Any,
        inception: Any,
        seed: int,
        shape: tuple[int, ...],
        labels: torch.Tensor,
        features: torch.Tensor,
        inception_features: torch.Tensor | None = None,
        images: torch.Tensor | None = None,
    ) -> None:
        self.names, self.data, self.oracle, self.seed = names, data, oracle, seed
        self.shape, self.labels, self.features, self.images = shape, labels, features, images
        self.histogram = np.bincount(labels.numpy(), minlength=len(oracle.class_names)) / len(
            labels
        )
        self.inception = inception if any(m in INCEPTION_METRICS for m in names) else None
        self.inception_features = inception_features
        self._swd_descriptors: dict[int, list[np.ndarray]] = {}
        self._prdc_radii: dict[int, torch.Tensor] | None = None

    @classmethod
    def from_images(
        cls,
        names: tuple[str, ...],
        data: DataConfig,
        oracle: Any,
        inception: Any,
        seed: int,
        images: torch.Tensor,
        labels: torch.Tensor,
    ) -> RealReference:
        features, _ = oracle.features_and_probabilities(images)
        wants_inception = inception is not None and any(m in INCEPTION_METRICS for m in names)
        inception_features = inception.features(rgb(images)) if wants_inception else None
        shape = tuple(images.shape)
        return cls(
            names, data, oracle, inception, seed, shape, labels, features, inception_features,
            images,
        )  # fmt: skip

    # -- what is kept on disk -------------------------------------------------------------

    def state(self) -> dict[str, torch.Tensor]:
        """Every tensor a score needs, including the PRDC radii and SWD descriptors computed
        so far (score a sample first to have them)."""
        out = {
            "shape": torch.tensor(self.shape, dtype=torch.int64),
            "labels": self.labels.to(torch.int64).contiguous(),
            "features": self.features.contiguous(),
        }
        if self.inception_features is not None:
            out["inception_features"] = self.inception_features.contiguous()
        prdc = self.__dict__.get("prdc")  # only when computed
        if prdc is not None:
            for k, radii in prdc.radii.items():
                out[f"prdc_radii.{k}"] = radii.cpu().contiguous()
        swd = self.__dict__.get("swd")
        if swd is not None:
            for count, levels in swd.descriptors.items():
                for level, descriptors in enumerate(levels):
                    out[f"swd.{count}.{level}"] = torch.from_numpy(descriptors)
        return out

    @classmethod
    def from_state(
        cls,
        names: tuple[str, ...],
        data: DataConfig,
        oracle: Any,
        inception: Any,
        seed: int,
        state: dict[str, torch.Tensor],
    ) -> RealReference:
        """The reference :meth:`state` describes; KeyError or ValueError when it is incomplete
        or does not fit the oracle (callers fall back to the real images)."""
        shape = tuple(int(v) for v in state["shape"].tolist())
        labels, features = state["labels"], state["features"]
        if len(shape) != 4 or labels.shape != (shape[0],) or features.shape[0] != shape[0]:
            raise ValueError("the stored reference's shapes disagree")
        width = getattr(oracle, "feature_dim", features.shape[1])
        if features.ndim != 2 or features.shape[1] != width or labels.dtype != torch.int64:
            raise ValueError("the stored features or labels do not fit the oracle")
        reference = cls(
            names, data, oracle, inception, seed, shape, labels, features,
            state.get("inception_features"),
        )  # fmt: skip
        if reference.inception is not None and reference.inception_features is None:
            raise ValueError("the stored reference has no Inception features")
        radii = {int(k.split(".")[1]): v for k, v in state.items() if k.startswith("prdc_radii.")}
        reference._prdc_radii = radii or None
        swd: dict[int, dict[int, np.ndarray]] = {}
        for key, value in state.items():
            if key.startswith("swd."):
                _, count, level = key.split(".")
                swd.setdefault(int(count), {})[int(level)] = value.numpy()
        reference._swd_descriptors = {
            count: [levels[i] for i in range(len(levels))] for count, levels in swd.items()
        }
        if "prdc" in names:
            reference.prdc  # noqa: B018  (checks the stored radii now, not while scoring)
        if "swd" in names and shape[-1] >= 16:
            swd_reference = reference.swd
            levels = swd_reference.descriptors.get(swd_reference.count_for(shape[0]))
            if levels is None or len(levels) != len(swd_reference.sizes):
                raise ValueError("the stored reference has no SWD descriptors for its size")
        return reference

    # -- the references of each metric ----------------------------------------------------

    @cached_property
    def prdc(self) -> Any:
        """The real features' k-NN radii, computed once for every sample scored."""
        from ganbench.metrics.prdc import PrdcReference

        return PrdcReference(self.features, radii=self._prdc_radii)

    @cached_property
    def swd(self) -> Any:
        """The real images' SWD descriptors, cut once for every sample scored."""
        from ganbench.metrics.swd import SwdReference

        if self.images is not None:
            return SwdReference(self.images, seed=self.seed)
        return SwdReference.from_descriptors(self.shape, self._swd_descriptors, seed=self.seed)

    # -- scoring --------------------------------------------------------------------------

    def score(self, images: torch.Tensor, labels: torch.Tensor | None) -> dict[str, Any]:
        """Every requested metric of ``images`` (with their intended labels, if any)."""
        names, out = self.names, {}
        features, probabilities = self.oracle.features_and_probabilities(images)
        if "classes" in names:
            from ganbench.metrics.classes import class_metrics

            out["classes"] = jsonable(class_metrics(probabilities, self.histogram))
            if self.data.source == "stacked_digits" and len(self.histogram) == 1000:
                from ganbench.metrics.classes import stacked_channel_breakdown

                histogram = out["classes"]["histogram"]
                out["classes"]["channels"] = stacked_channel_breakdown(histogram, self.histogram)
            if labels is not None:
                hits = probabilities.argmax(1) == labels.cpu()
                out["conditional_accuracy"] = float(hits.float().mean())
        if "validity" in names:
            from ganbench.metrics.validity import shape_validity

            judged = labels if labels is not None else probabilities.argmax(1)
            out["validity"] = jsonable(shape_validity(images, judged, self.data))
        out.update(self._distances(images, features))
        if self.inception is not None:
            out.update(self._inception_scores(images))
        if "ms_ssim" in names:
            from ganbench.metrics.msssim import ms_ssim_diversity

            n = len(images)
            pairs = min(MS_SSIM_PAIRS, n * (n - 1) // 2)
            out["ms_ssim"] = ms_ssim_diversity(images, pairs=pairs, seed=self.seed)["ms_ssim"]
            judged = labels.cpu() if labels is not None else probabilities.argmax(1)
            out.update(self._ms_ssim_within_classes(images, judged))
        return out

    def _distances(self, images: torch.Tensor, features: torch.Tensor) -> dict[str, Any]:
        from ganbench.metrics.frechet import frechet_distance
        from ganbench.metrics.kid import kernel_distance

        names, out = self.names, {}
        if "fd" in names:
            out["fd_oracle"] = frechet_distance(self.features, features)
        if "kid" in names:
            out["kid_oracle"] = kernel_distance(self.features, features, seed=self.seed)
        if "prdc" in names:
            out["prdc_oracle"] = self.prdc.score(features)
        if "swd" in names and self.shape[-1] >= 16:
            out["swd"] = self.swd.score(images)["mean"]
        return out

    def _ms_ssim_within_classes(self, images: torch.Tensor, labels: torch.Tensor) -> dict:
        """MS-SSIM among images of one class (the intended class, or the oracle's), averaged
        over the classes with at least two images: the diversity that a mixture of classes
        hides (a generator drawing one image per class scores high here, low overall).
        The pairs are shared among the classes, so this costs about what the overall
        MS-SSIM does (at least ``MIN_CLASS_PAIRS`` per class)."""
        from ganbench.metrics.msssim import ms_ssim_diversity

        counts = torch.bincount(labels, minlength=len(self.oracle.class_names))
        present = int((counts >= 2).sum())
        budget = max(MIN_CLASS_PAIRS, MS_SSIM_PAIRS // max(present, 1))
        per_class: dict[str, float] = {}
        for k, name in enumerate(self.oracle.class_names):
            m = int(counts[k])
            if m >= 2:
                members = torch.nonzero(labels == k).flatten()
                pairs = min(budget, m * (m - 1) // 2)
                result = ms_ssim_diversity(images, pairs=pairs, seed=self.seed, among=members)
                per_class[name] = result["ms_ssim"]
        mean = float(np.mean(list(per_class.values()))) if per_class else float("nan")
        return {"ms_ssim_within_class": mean, "ms_ssim_per_class": per_class}

    def _inception_scores(self, images: torch.Tensor) -> dict[str, Any]:
        """FD/KID in Inception pool space ("FD-inception": torchvision's network, so not the
        TF-FID numbers of papers) and the Inception score with its classifier."""
        from ganbench.metrics.classes import inception_score
        from ganbench.metrics.frechet import frechet_distance
        from ganbench.metrics.kid import kernel_distance

        names, inception = self.names, self.inception
        out: dict[str, Any] = {
            "inception_network": {"name": inception.name, "checksum": inception.checksum}
        }
        features = inception.features(rgb(images))
        if "fd_inception" in names:
            out["fd_inception"] = frechet_distance(self.inception_features, features)
        if "kid_inception" in names:
            out["kid_inception"] = kernel_distance(
                self.inception_features, features, seed=self.seed
            )
        if "is_inception" in names:
            out["is_inception"] = inception_score(inception.probabilities(rgb(images)))[0]
        return out


def rgb(images: torch.Tensor) -> torch.Tensor:
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray | torch.Tensor):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value
