"""The model section: generator and discriminator architecture, and the named presets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ganbench.config.base import _Section

MODEL_IMAGE_SIZES = (28, 32, 64)
CONV_ARCHITECTURES = ("dcgan", "resnet")  # image networks that double from 4x4 (or 7x7)
# image networks that build only the sizes of MODEL_IMAGE_SIZES
# strokes: its D is the dcgan one, so the image sizes are the dcgan ones
SIZED_ARCHITECTURES = (*CONV_ARCHITECTURES, "dense_conv", "strokes")

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

    arch: Literal["dcgan", "resnet", "dense_conv", "mlp", "strokes"] = Field(
        "dcgan",
        description="dcgan: fully convolutional; resnet: residual blocks; dense_conv: seed "
        "000's convolutional GAN with dense ends; mlp: dense layers only; strokes: G draws "
        "polylines through a differentiable rasteriser, D is the dcgan one",
    )
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
    d_conditioning: Literal["additive", "embedding", "projection", "acgan", "tacgan"] | None = (
        Field(
            None,
            description="how D takes the class (default: as conditioning; none when "
            "conditioning is none); projection: Miyato and Koyama's class embedding times D's "
            "pooled features; acgan: a class head on D's features (Odena et al.); tacgan: AC-GAN "
            "with TAC-GAN's twin classifier on generated images (Gong et al.)",
        )
    )
    embedding_dim: int = Field(16, ge=1)
    g_width: int = Field(32, ge=1)
    strokes: int = Field(5, ge=1, description="arch=strokes: the most strokes G draws")
    stroke_points: int = Field(16, ge=2, description="arch=strokes: points per polyline")
    stroke_presence: Literal["soft", "hard"] = Field(
        "soft",
        description="arch=strokes: a stroke's presence scales its ink (soft) or is rounded to "
        "0 or 1 with a straight-through gradient (hard)",
    )
    stroke_presence_sharpness: float = Field(
        1.0,
        ge=1.0,
        le=100.0,
        description="arch=strokes: when sampling (never while training), a stroke's presence is "
        "sigmoid(k * logit) for this k: half-present strokes are drawn whole or dropped; 1 draws "
        "exactly what D saw",
    )
    stroke_position_temperature: float = Field(
        1.0,
        ge=0.5,
        le=3.0,
        description="arch=strokes: when sampling (never while training), the spread z gives "
        "the strokes' anchors is multiplied by this: above 1 the layouts vary more than D saw "
        "(the truncation trick turned the other way, on positions only), below 1 less; 1 draws "
        "exactly what D saw",
    )
    stroke_position_temperature_by_class: dict[str, Annotated[float, Field(ge=0.5, le=3.0)]] = (
        Field(
            default_factory=dict,
            description="arch=strokes with classes: the sampling temperature of the classes "
            "named, e.g. {angry: 1.0}; the other classes take stroke_position_temperature",
        )
    )
    stroke_colour: Literal["stroke", "image"] = Field(
        "stroke",
        description="arch=strokes: a colour per stroke, or one colour per image that every "
        "stroke takes (a spare stroke cannot hide in a colour of its own)",
    )
    stroke_shape: Literal["stroke", "image"] = Field(
        "stroke",
        description="arch=strokes: a polyline per stroke, or one polyline per image that every "
        "stroke draws at its own anchor (for data whose images repeat one primitive)",
    )
    stroke_start: Literal["dot", "loop"] = Field(
        "dot",
        description="arch=strokes: each polyline starts as a near dot (its steps near 0) or as "
        "a closed loop an eighth of the side across, which G opens where data has no loops",
    )
    stroke_path: Literal["walk", "offsets"] = Field(
        "walk",
        description="arch=strokes: a polyline's points are a walk of bounded steps (each point "
        "relative to the one before: continuous curves) or bounded offsets from the anchor "
        "(each point on its own, a quarter of the side at most: out-and-back shapes such as a "
        "star's rays return to the centre exactly)",
    )
    stroke_pen: bool = Field(
        False,
        description="arch=strokes: each segment of a polyline has its own pen weight (sketch-RNN's "
        "pen up/down), so one polyline can lift the pen and draw separate pieces, e.g. a star's "
        "rays without retracing them; sharpened when sampling like the presence",
    )
    stroke_turn: bool = Field(
        False,
        description="arch=strokes: each polyline is turned about its anchor by one of z's own "
        "coordinates (the next one after the anchors' two per stroke, kept from the MLP) times a "
        "learned spread that depends on the class, as the anchors take their skip from z: "
        "shapes of a class can differ in orientation without the MLP having to learn it",
    )
    stroke_anchor_z: Literal["shared", "own", "own_y"] = Field(
        "shared",
        description="arch=strokes: the z coordinates that move the anchors also feed the MLP "
        "(shared), or move the anchors only (own: the MLP cannot undo where they put strokes; "
        "own_y: only the vertical ones, the MLP still sees and coordinates the horizontal)",
    )
    g_detail: int | None = Field(
        None,
        ge=1,
        description="dcgan: G's image is averaged down to this many pixels a side and resized "
        "up again as the loader resizes small images (bilinear): G draws no detail finer than "
        "data upscaled from that size holds (8 for the 8x8 digits)",
    )
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
        "samples of each class (conditional dcgan or strokes: sees one-image-per-class collapse)",
    )
    minibatch_std_map: bool = Field(
        False,
        description="the stddev channel keeps its map over D's last positions (where samples "
        "vary) instead of one number (how much)",
    )
    minibatch_discrimination: int = Field(
        0, ge=0, description="kernels of Salimans et al.'s minibatch discrimination (0: off)"
    )
    pack: int = Field(
        1, ge=1, description="PacGAN: D judges this many samples jointly (one class a pack)"
    )
    self_attention: int | None = Field(
        None, description="resolution of a SAGAN self-attention block in G and D (dcgan)"
    )
    d_dropout: float = Field(0.0, ge=0.0, lt=1.0, description="dropout after D's activations")
    skip_z: bool = Field(
        False, description="resnet: split z over G's blocks (BigGAN's hierarchical latent)"
    )
    blocks_per_stage: int = Field(
        1,
        ge=1,
        le=8,
        description="resnet: residual blocks per resolution in G and D (1: SNGAN/BigGAN; "
        "more: the extra blocks keep the resolution, as BigGAN-deep)",
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, values: Any) -> Any:
        preset = values.get("preset") if isinstance(values, dict) else None
        if isinstance(preset, str) and preset in MODEL_PRESETS:
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
