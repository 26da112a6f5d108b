"""What a BiGAN's encoder learned, measured against the data's truth.

- 2D mixtures: the share of held-out points x whose reconstruction G(E(x)) lands nearest
  the same mode centre as x (chance: one over the number of modes).
- Images: linear probes on E(x) of held-out images, fitted on one half and scored on the
  other: the class (accuracy) and, for shapes, where the shapes are (R^2 of a 4x4 grid of
  shape counts). The same probes on a randomly initialised encoder of the same architecture
  are reported beside them: random convolutional features are a strong baseline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ganbench.config import Config
from ganbench.data.build import build_dataset, points_drawer
from ganbench.data.catalogue import SOURCES
from ganbench.data.dataset import DataSet, to_float
from ganbench.errors import EvaluationError
from ganbench.seeding import derive_seed

if TYPE_CHECKING:
    from ganbench.families.bigan import BiGANFamily

PROBE_IMAGES = 2000
AGREEMENT_POINTS = 2000
OCCUPANCY_SIDE = 4


def held_set(cfg: Config, count: int) -> DataSet:
    """Images the run did not train on: the test split where the source has one, fresh
    renders of a synthetic source (``count`` of them), the training images otherwise."""
    info = SOURCES[cfg.data.source]
    data_cfg = cfg.data.model_copy(update={"stream": False})
    if "split" in info.settings:
        data = build_dataset(data_cfg.model_copy(update={"split": "test"}), cfg.seed)
    elif info.synthetic:
        data = build_dataset(data_cfg, derive_seed(cfg.seed, "held-out"), size=count)
    else:
        data = build_dataset(data_cfg, cfg.seed)
    assert isinstance(data, DataSet)
    return data


def mode_agreement(family: BiGANFamily, cfg: Config) -> dict[str, Any]:
    drawer = points_drawer(cfg.data)
    if drawer.centres is None:
        raise EvaluationError(
            f"bigan's reconstruction check needs a mixture with modes (ring, grid), not "
            f"data.source={cfg.data.source}"
        )
    points, _ = drawer.fixed_set(AGREEMENT_POINTS, derive_seed(cfg.seed, "held-out"))
    x = torch.from_numpy(points).float()
    rebuilt = family.reconstruct(x)
    centres = torch.from_numpy(drawer.centres).float()
    own = torch.cdist(x, centres).argmin(1)
    back = torch.cdist(rebuilt, centres).argmin(1)
    # stricter: the reconstruction is a high-quality sample of x's own mode (3 sigma)
    inside = (rebuilt - centres[own]).norm(dim=1) <= 3 * drawer.std
    return {
        "mode_agreement": float((own == back).float().mean()),
        "within_own_mode": float(inside.float().mean()),
        "chance": 1 / len(centres),
        "median_distance": float((rebuilt - x).norm(dim=1).median()),
        "points": AGREEMENT_POINTS,
    }


def occupancy(truth: list[Any], size: int) -> np.ndarray:
    """Per image, how many shapes are anchored in each cell of a 4x4 grid over it."""
    grid = np.zeros((len(truth), OCCUPANCY_SIDE * OCCUPANCY_SIDE))
    for i, image in enumerate(truth):
        for shape in image.shapes:
            col, row = (
                min(OCCUPANCY_SIDE - 1, max(0, int(OCCUPANCY_SIDE * p / size)))
                for p in shape.position
            )
            grid[i, row * OCCUPANCY_SIDE + col] += 1
    return grid


def linear_probes(features: np.ndarray, labels: np.ndarray, where: np.ndarray | None) -> dict:
    """Fitted on the first half, scored on the second."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import r2_score
    from sklearn.preprocessing import StandardScaler

    half = len(features) // 2
    scaler = StandardScaler().fit(features[:half])
    train, test = scaler.transform(features[:half]), scaler.transform(features[half:])
    out: dict[str, float] = {}
    if len(np.unique(labels[:half])) > 1:
        classifier = LogisticRegression(max_iter=2000).fit(train, labels[:half])
        out["class_accuracy"] = float(classifier.score(test, labels[half:]))
    if where is not None:
        ridge = Ridge(alpha=1.0).fit(train, where[:half])
        predicted = ridge.predict(test)
        out["position_r2"] = float(
            r2_score(where[half:], predicted, multioutput="variance_weighted")
        )
    return out


@torch.no_grad()
def _codes(encoder: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    encoder.eval()
    return torch.cat([encoder.mean(x[i : i + 256]) for i in range(0, len(x), 256)]).numpy()


def encoder_probes(family: BiGANFamily, cfg: Config) -> dict[str, Any]:
    from ganbench.families.bigan import build_encoder_pair

    data = held_set(cfg, PROBE_IMAGES)
    x = to_float(data.data[:PROBE_IMAGES])
    labels = data.labels[:PROBE_IMAGES].numpy()
    truth = data.truth[:PROBE_IMAGES] if data.truth is not None else None
    shaped = truth is not None and all(hasattr(t, "shapes") for t in truth)
    where = occupancy(truth, cfg.image_size) if shaped else None
    untrained, _ = build_encoder_pair(
        cfg.model_copy(update={"seed": derive_seed(cfg.seed, "random-encoder") % 2**31})
    )
    trained_codes = family.encode(x).numpy()
    return {
        "trained": linear_probes(trained_codes, labels, where),
        "random_encoder": linear_probes(_codes(untrained, x), labels, where),
        "images": len(x),
    }


def evaluate_bigan(family: BiGANFamily, cfg: Config) -> dict[str, Any]:
    if cfg.data.kind == "points":
        return mode_agreement(family, cfg)
    return encoder_probes(family, cfg)
