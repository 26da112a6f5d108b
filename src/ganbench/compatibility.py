"""Which tricks do not go together, and why: refused (errors) or flagged (advisories)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ganbench.config import Config

_DCGAN_ONLY = ("equalised_lr", "minibatch_discrimination", "self_attention")
# Settings of the dcgan image networks that a recipe may carry into an mlp or point model
# (e.g. `ganbench train model.arch=mlp` on the default recipe): noted there, not refused.
DCGAN_IMAGE_SETTINGS = {
    "g_conditioning": None,
    "d_conditioning": None,
    "g_upsample": "transposed",
}


def conflicts(cfg: Config) -> list[str]:
    """Combinations that cannot work; each message names the keys and a way out."""
    from ganbench.config import CROSS_ENTROPY_LOSSES
    from ganbench.models.catalogue import stage_resolutions

    m, o, s = cfg.model, cfg.objective, cfg.schedule
    problems: list[str] = []
    if o.loss == "wgan_clip" and m.spectral_norm != "none":
        problems.append(
            "objective.loss=wgan_clip with model.spectral_norm: clipping the weights undoes "
            "the spectral normalisation (two Lipschitz constraints fight); use loss=wasserstein "
            "with spectral_norm (WGAN-SN) or wgan_clip without it"
        )
    if o.label_tricks and o.loss not in CROSS_ENTROPY_LOSSES:
        problems.append(
            f"label smoothing, soft or flipped labels apply to the cross-entropy losses "
            f"({', '.join(CROSS_ENTROPY_LOSSES)}), not to objective.loss={o.loss}"
            + (
                " (set its targets with objective.ls_a/ls_b/ls_c)"
                if o.loss == "least_squares"
                else ""
            )
        )
    if o.real_label <= o.fake_label and not o.soft_labels:
        problems.append(
            f"objective.real_label={o.real_label} must exceed objective.fake_label={o.fake_label}"
        )
    if m.pack > 1:
        if s.batch_size % m.pack:
            problems.append(
                f"model.pack={m.pack} must divide schedule.batch_size={s.batch_size}: "
                "D judges packs of that many samples"
            )
        if cfg.conditional and m.arch not in ("dcgan", "strokes"):
            problems.append(
                "model.pack>1 with classes packs each class apart in the dcgan D only; "
                f"model.arch={m.arch} would mix classes in one pack: set "
                "model.conditioning=none or pack=1"
            )
    if o.image_pool and cfg.conditional:
        problems.append(
            "objective.image_pool replays past fakes without their labels; use it with "
            "model.conditioning=none"
        )
    if o.presence_decision > 0 and m.arch != "strokes":
        problems.append(
            "objective.presence_decision weighs the strokes' presence, which only "
            f"model.arch=strokes has (got {m.arch}); set it to 0"
        )
    if cfg.data.kind == "points":
        if o.diffaugment or o.consistency:
            problems.append(
                "objective.diffaugment and objective.consistency transform images; "
                f"data.source={cfg.data.source} yields points"
            )
        for key in _DCGAN_ONLY:
            if getattr(m, key):
                problems.append(f"model.{key} is built into the dcgan architecture only")
        if m.g_norm == "pixel":
            problems.append("model.g_norm=pixel is built into the dcgan architecture only")
    elif m.arch in ("mlp", "dense_conv"):
        for key in (*_DCGAN_ONLY, "minibatch_std"):
            if getattr(m, key):
                problems.append(f"model.{key} is built into the dcgan architecture only")
        if m.arch == "dense_conv" and m.pack > 1:
            problems.append("model.pack is built into the dcgan and mlp discriminators only")
    # The strokes model draws with its own G and judges with the dcgan D.
    conv_images = m.arch in ("dcgan", "resnet", "strokes") and cfg.data.kind == "image"
    if m.arch == "resnet" and cfg.data.kind == "image":
        for key in ("equalised_lr", "minibatch_discrimination", "minibatch_std"):
            if getattr(m, key):
                problems.append(f"model.{key} is built into the dcgan architecture only")
        if m.pack > 1:
            problems.append("model.pack is built into the dcgan discriminator only")
    if m.skip_z and not (m.arch == "resnet" and cfg.data.kind == "image"):
        problems.append("model.skip_z splits z over the resnet generator's blocks: set arch=resnet")
    if m.blocks_per_stage > 1 and not (m.arch == "resnet" and cfg.data.kind == "image"):
        problems.append(
            f"model.blocks_per_stage={m.blocks_per_stage} stacks residual blocks: set "
            "arch=resnet (the other stacks have one layer per resolution)"
        )
    if m.self_attention is not None and conv_images:
        allowed = stage_resolutions(cfg.image_size)
        if m.self_attention not in allowed:
            problems.append(
                f"model.self_attention={m.self_attention} is not an inner resolution of a "
                f"{cfg.image_size}-px {m.arch}; allowed: {', '.join(map(str, allowed))}"
            )
    if m.minibatch_std_groups == "class" and not (
        m.minibatch_std
        and cfg.conditional
        and m.arch in ("dcgan", "strokes")
        and cfg.data.kind == "image"
    ):
        problems.append(
            "model.minibatch_std_groups=class groups D's stddev channel by label: it needs "
            "model.minibatch_std=true, a conditional model and the dcgan architecture (or "
            "strokes, whose D is the dcgan one)"
        )
    if m.g_detail is not None and not (
        m.arch == "dcgan" and cfg.data.kind == "image" and cfg.image_size % m.g_detail == 0
    ):
        problems.append(
            f"model.g_detail={m.g_detail} resizes the dcgan G's image through a smaller size: "
            f"it needs arch=dcgan and a size that divides the image's {cfg.image_size} pixels "
            "(e.g. 8 at 32)"
        )
    if m.minibatch_std_map and not (
        m.minibatch_std and m.arch in ("dcgan", "strokes") and cfg.data.kind == "image"
    ):
        problems.append(
            "model.minibatch_std_map keeps the map of D's stddev channel: it needs "
            "model.minibatch_std=true and the dcgan architecture (or strokes)"
        )
    final_norm_images = m.arch in ("dcgan", "dense_conv") and cfg.data.kind == "image"
    if m.g_output != "tanh" and m.g_final_norm and final_norm_images:
        problems.append(
            f"model.g_output={m.g_output} draws on the background colour, which a batch norm "
            "after G's last layer would shift; set g_final_norm=false"
        )
    if conv_images:
        if m.d_condition in ("acgan", "tacgan") and (m.pack > 1 or o.image_pool):
            problems.append(
                f"model.d_conditioning={m.d_condition} scores each image's class: model.pack "
                "mixes images of several classes and objective.image_pool replays fakes without "
                "their labels; drop one of them"
            )
        if m.d_condition == "projection" and m.minibatch_discrimination:
            problems.append(
                "model.d_conditioning=projection needs D's pooled features, which minibatch "
                "discrimination flattens away; drop one of them"
            )
    if m.d_condition in ("acgan", "tacgan") and not (conv_images or cfg.data.kind == "points"):
        problems.append(
            f"model.d_conditioning={m.d_condition} puts class heads on the dcgan, resnet or "
            "point discriminator: it needs model.arch=dcgan, resnet or strokes with images, or "
            "2D points"
        )
    if m.arch == "strokes" and cfg.data.kind == "image":
        per_stroke = 3 if m.stroke_turn else 2
        read = "three" if m.stroke_turn else "two"
        if m.latent_dim < per_stroke * m.strokes:
            problems.append(
                f"model.latent_dim={m.latent_dim} is too short for {m.strokes} strokes: the "
                f"strokes model reads {read} of z's coordinates per stroke; raise it to "
                f"{per_stroke * m.strokes} or more, or lower model.strokes"
            )
        elif m.stroke_anchor_z == "own" and m.latent_dim <= per_stroke * m.strokes:
            problems.append(
                f"model.stroke_anchor_z=own keeps {per_stroke * m.strokes} of z's coordinates "
                f"for the strokes' placing, which leaves nothing of "
                f"model.latent_dim={m.latent_dim} for the strokes' shapes; raise it above "
                f"{per_stroke * m.strokes}"
            )
        if m.g_norm == "batch" and s.batch_size < 2:
            problems.append(
                "model.arch=strokes with g_norm=batch normalises G's dense layers over the "
                "batch, which needs schedule.batch_size >= 2; raise it or set g_norm=none"
            )
    unlabelled = cfg.data.source == "folder" and len(cfg.data.class_names) < 2
    if cfg.conditional and cfg.family == "gan" and unlabelled:
        problems.append(
            f"model.conditioning={m.conditioning} conditions on the class, but the folder "
            f"{cfg.data.path} has no class subfolders (one class); set model.conditioning=none "
            "or put each class's images in a subfolder"
        )
    if cfg.sampling.truncation is not None and m.latent_distribution != "gaussian":
        problems.append(
            "sampling.truncation applies to a gaussian latent (model.latent_distribution)"
        )
    return problems


def advisories(cfg: Config) -> list[str]:
    from ganbench.config import WASSERSTEIN_LOSSES

    m, o = cfg.model, cfg.objective
    notes: list[str] = []
    critic = o.loss in WASSERSTEIN_LOSSES
    batch_norm_d = (
        m.arch in ("dcgan", "strokes") and cfg.data.kind == "image" and m.d_norm == "batch"
    )
    if o.loss == "wgan_gp" and batch_norm_d:
        notes.append(
            "wgan_gp with batch norm in D: the penalty assumes each sample's score depends on "
            "that sample alone (Gulrajani et al. use layer norm); consider model.d_norm=layer"
        )
    if o.loss == "wasserstein" and m.spectral_norm == "none":
        notes.append(
            "loss=wasserstein without a Lipschitz constraint: add model.spectral_norm=d, or use "
            "wgan_gp / wgan_clip"
        )
    if (critic or o.loss == "hinge") and m.d_final_activation:
        notes.append(
            f"loss={o.loss} reads D's raw output as a score, but model.d_final_activation "
            "squashes it; set d_final_activation=false"
        )
    point_d = ("projection", "acgan", "tacgan") if cfg.data.kind == "points" else ()
    dcgan_only = [
        f"{key}={getattr(m, key)}"
        for key, default in DCGAN_IMAGE_SETTINGS.items()
        if getattr(m, key) != default
        and not (key == "d_conditioning" and getattr(m, key) in point_d)
    ]
    if m.arch == "strokes" and cfg.data.kind == "image":
        notes += _strokes_advisories(cfg)
    elif dcgan_only and (m.arch not in ("dcgan", "resnet") or cfg.data.kind != "image"):
        model = "the point models" if cfg.data.kind == "points" else f"the {m.arch} model"
        notes.append(
            f"model.{', '.join(dcgan_only)} shape the dcgan image networks only; {model} "
            "ignores them"
        )
    if cfg.data.kind == "points" and m.g_output != "tanh":
        notes.append(
            f"model.g_output={m.g_output} shapes an image generator's output; the point "
            "models draw points through a linear layer and ignore it"
        )
    if m.arch == "dcgan" and cfg.data.kind == "image":
        if m.g_condition == "cbn" and m.g_norm != "batch":
            notes.append(
                f"model.g_conditioning=cbn conditions G's batch norm, but model.g_norm="
                f"{m.g_norm}: G takes the class as an embedding concatenated to z instead"
            )
        if m.g_output == "linear" and m.spectral_norm == "both":
            notes.append(
                "model.g_output=linear with spectral norm in G: the last layer keeps its "
                "initial weights (a zero matrix has no spectral norm), so G does not start blank"
            )
    sched = cfg.schedule
    if sched.ema > 0 and sched.ema_start >= sched.steps:
        notes.append(
            f"schedule.ema_start={sched.ema_start} is not before the last step ({sched.steps}): "
            "the EMA generator will equal G"
        )
    if o.loss == "wgan_gp" and o.r1_gamma > 0:
        notes.append("wgan_gp and r1_gamma both penalise D's input gradients; keep one")
    if critic and cfg.schedule.d_steps == 1:
        notes.append(
            "Wasserstein critics are usually trained several steps per G step "
            "(schedule.d_steps=5 in the WGAN papers)"
        )
    return notes


def _strokes_advisories(cfg: Config) -> list[str]:
    """The strokes generator takes the class through an embedding and draws polylines over
    the background with two dense layers (batch norm or none): the dcgan G's output,
    upsampling, final norm, pixel norm and batch-norm conditioning do not apply (its D is the
    dcgan one, so every D setting does, extra_layers and equalised_lr there only)."""
    m = cfg.model
    g_defaults = (("g_output", "tanh"), ("g_upsample", "transposed"), ("g_final_norm", False))
    ignored = [
        f"model.{key}={getattr(m, key)}"
        for key, default in g_defaults
        if getattr(m, key) != default
    ]
    if m.g_norm == "pixel":
        ignored.append("model.g_norm=pixel")
    notes = []
    if ignored:
        notes.append(
            f"{', '.join(ignored)} shape the dcgan generator; the strokes generator draws "
            "polylines over the background with dense layers and ignores them"
        )
    by_class = m.stroke_position_temperature_by_class
    unknown = sorted(set(by_class) - set(cfg.data.class_names if cfg.conditional else ()))
    if unknown:
        notes.append(
            f"model.stroke_position_temperature_by_class names {', '.join(unknown)}, not "
            + (
                f"among the data's classes ({', '.join(cfg.data.class_names)})"
                if cfg.conditional
                else "a class: G draws without them"
            )
            + "; those take model.stroke_position_temperature"
        )
    if cfg.conditional and m.g_condition in ("cbn", "additive"):
        notes.append(
            f"model.g_conditioning={m.g_condition}: the strokes generator takes the class as "
            "an embedding concatenated to z"
        )
    return notes
