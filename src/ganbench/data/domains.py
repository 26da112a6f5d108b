"""Two unpaired synthetic domains with a known mapping between them (``data.translation``).

Domain A is the shapes data as configured. Domain B is drawn by the same code from the same
kind of random parameters, with one thing mapped:

- ``colour``: every class takes the next class's base colour (as the ``swapped`` scheme);
  jitter, geometry and the strokes' random turns are those A would draw;
- ``geometry``: every circle becomes a square on the same centre whose side is the circle's
  diameter, in the same colour and stroke (circle classes only).

The training sets of A and B come from independent seeds, so no B image is the counterpart
of an A image: the data is unpaired. For held-out A images the true B counterparts are drawn
from the same parameters (:func:`counterparts`): the exact truth to score a translation by.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from ganbench.config import DataConfig
from ganbench.data.build import shape_style, shapes_drawer
from ganbench.data.dataset import DataSet
from ganbench.data.folder import UnpairedImages
from ganbench.data.shapes import ImageTruth, ShapeClass
from ganbench.data.synthetic import ShapesDrawer
from ganbench.seeding import derive_seed


def _colour_mapped(drawer: ShapesDrawer) -> ShapesDrawer:
    """The same classes, each with the next class's base colour."""
    colours = [c.colour for c in drawer.classes]
    rotated = colours[1:] + colours[:1]
    classes = tuple(
        ShapeClass(c.name, c.spec, colour)
        for c, colour in zip(drawer.classes, rotated, strict=True)
    )
    return ShapesDrawer(classes, drawer.style, drawer.proportions)


def colour_domain_b(cfg: DataConfig) -> DataConfig:
    """Domain B of the colour mapping as plain shapes data (each class drawn in the next
    class's base colour): what an oracle for B's images is trained on."""
    drawer = _colour_mapped(shapes_drawer(cfg))
    colours = {c.name: c.colour for c in drawer.classes}
    return cfg.model_copy(
        update={"colours": colours, "colour_scheme": "seed", "translation": "none"}
    )


def _squares(truths: list[ImageTruth], cfg: DataConfig) -> np.ndarray:
    """Domain B of the geometry mapping: each recorded circle drawn as a square."""
    style = shape_style(cfg)
    s = style.image_size
    out = np.empty((len(truths), style.channels, s, s), np.uint8)
    line_type = cv2.LINE_AA if style.antialias else cv2.LINE_8
    for row, truth in enumerate(truths):
        if style.monochrome:
            img = np.full((s, s, 1), style.background_grey, np.uint8)
        else:
            img = np.empty((s, s, 3), np.uint8)
            img[:] = style.background
        width = max(1, round(cfg.shape_spec(truth.label).line_width * s / 64))
        for shape in truth.shapes:
            x, y = shape.position
            r = shape.size
            colour = (style.ink,) if style.monochrome else shape.colour
            thickness = -1 if shape.filled else width
            cv2.rectangle(img, (x - r, y - r), (x + r, y + r), colour, thickness, line_type)
        out[row] = img.transpose(2, 0, 1)
    return out


def _domain_b(cfg: DataConfig, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A images, their B counterparts, labels), all drawn from ``seed``."""
    drawer = shapes_drawer(cfg)
    images_a, labels, truths = drawer.fixed_set(n, seed, cfg.workers)
    if cfg.translation == "colour":
        images_b, _, _ = _colour_mapped(drawer).fixed_set(n, seed, cfg.workers)
    else:
        images_b = _squares(truths, cfg)
    return images_a, images_b, labels


def counterparts(cfg: DataConfig, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` A images and their true B counterparts, uint8 (N, C, H, W), drawn from ``seed``
    (:func:`held_out_seed` draws images the training sets do not hold)."""
    images_a, images_b, _ = labelled_counterparts(cfg, n, seed)
    return images_a, images_b


def labelled_counterparts(
    cfg: DataConfig, n: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`counterparts` with the class label of each pair."""
    images_a, images_b, labels = _domain_b(cfg, n, seed)
    return torch.from_numpy(images_a), torch.from_numpy(images_b), torch.as_tensor(labels)


def held_out_seed(seed: int) -> int:
    return derive_seed(seed, "translation-held-out")


def build_shape_domains(cfg: DataConfig, seed: int) -> UnpairedImages:
    """The unpaired training sets: A from one seed, B (mapped) from an independent one."""
    n = cfg.synthetic_size
    drawer = shapes_drawer(cfg)
    images_a, labels_a, _ = drawer.fixed_set(n, derive_seed(seed, "domain-a"), cfg.workers)
    _, images_b, labels_b = _domain_b(cfg, n, derive_seed(seed, "domain-b"))
    names = drawer.class_names
    a = DataSet(torch.from_numpy(images_a), torch.from_numpy(labels_a), names, flip=cfg.flip)
    b = DataSet(torch.from_numpy(images_b), torch.from_numpy(labels_b), names, flip=cfg.flip)
    return UnpairedImages(a, b)
