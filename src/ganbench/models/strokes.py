"""A vector generator: G draws a few strokes (polylines) and a differentiable rasteriser
turns them into the image (DiffVG's vector GAN, Li et al. 2020; "Learning to Paint").

An MLP maps z and the class to, per stroke, an anchor on the page, a polyline of ``points``
points around it, a colour, a line width and a presence; a stroke's ink is the line integral
of a Gaussian along its polyline (where a stroke doubles back the ink adds up, then
saturates), times the presence, and the strokes are composited over the background in turn.
Every image is clean paper with continuous lines of one width by construction: what G learns
is where the strokes go, their shape and how many are present, which is what the shapes'
classes differ by. Fits line drawings on a flat background (synthetic shapes, sketches,
digits), not photographs.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.autograd.function import once_differentiable
from torch.nn import functional as F

from ganbench.config import ModelConfig
from ganbench.models.conditioning import LatentConditioner

STEP = 4 / 64  # the longest step between a polyline's points along x or y, as a share of the side
STROKE_SIGMA = 0.4  # a profile of sigma 0.4 px leaves about the ink of OpenCV's 1-px line
SIGMA_SPREAD = 0.5  # sigma ranges over STROKE_SIGMA * exp(+-0.5)
MIN_SPREAD = 0.4  # the least spread of a stroke's position in logit units (about 6 px at 64)
PRESENCE_START = 2.0  # strokes start present (sigmoid(2) ~ 0.88)
PEN_START = 3.0  # model.stroke_pen: segments start drawn (sigmoid(3) ~ 0.95)
SAMPLES = 128  # points splatted evenly along a stroke of 16 points
SQRT_TWO_PI = math.sqrt(2 * math.pi)
FAR = 30.0  # exp(-30) ~ 1e-13: no ink, and still a normal float
INK_GAIN = 3.0  # coverage at a line's centre: 1 - exp(-3) ~ 0.95
TURN_START = 0.3  # model.stroke_turn: the turns' spread starts at 0.3 rad (17 degrees)
OFFSET = 16 / 64  # model.stroke_path=offsets: the farthest a point lies from its anchor
LOOP_RADIUS = 4 / 64  # stroke_start=loop: a closed loop of this radius, as a share of the side


class StrokeGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.latent_dim, self.num_classes = cfg.latent_dim, num_classes
        self.size, self.channels = image_size, channels
        self.strokes, self.points = cfg.strokes, cfg.stroke_points
        # Splats per stroke: SAMPLES for a 16-point walk, more for longer ones, so that the
        # longest walk is still sampled densely enough to be drawn without dots.
        self.samples = math.ceil(SAMPLES * max(1, self.points - 1) / 15)
        self.hard_presence = cfg.stroke_presence == "hard"
        self.presence_sharpness = cfg.stroke_presence_sharpness
        self.position_temperature = cfg.stroke_position_temperature
        # per class index (model.stroke_position_temperature_by_class), set by build_models,
        # which knows the classes' names; None: every class takes position_temperature
        self.class_temperature: torch.Tensor | None = None
        # objective.presence_decision reads the presences of the last training batch
        self.keep_presence, self.last_presence = False, None
        self.colour_per_image = cfg.stroke_colour == "image"
        shape_per_image = cfg.stroke_shape == "image"
        self.start_as_loops = cfg.stroke_start == "loop"
        self.offset_points = cfg.stroke_path == "offsets"
        self.pen_segments = self.points - 1 if cfg.stroke_pen else 0
        self.anchor_z_hidden = {"shared": 0, "own": 2, "own_y": 1}[cfg.stroke_anchor_z]
        mode = "embedding" if num_classes else "none"
        self.condition = LatentConditioner(mode, cfg.latent_dim, num_classes, cfg.embedding_dim)
        width = cfg.g_width * 8
        act = lambda: (  # noqa: E731
            nn.ReLU() if cfg.g_activation == "relu" else nn.LeakyReLU(cfg.leaky_slope)
        )
        norm = (lambda w: nn.BatchNorm1d(w)) if cfg.g_norm == "batch" else (lambda w: nn.Identity())
        self.body = nn.Sequential(
            nn.Linear(self.condition.out_dim, width),
            norm(width),
            act(),
            nn.Linear(width, width),
            norm(width),
            act(),
        )
        # per stroke: anchor (2), steps (2 per point; the first is unused) or with
        # stroke_path=offsets the points' offsets, colour (C), width (1), presence (1), with
        # stroke_pen a pen weight per segment
        self.per_stroke = 2 + 2 * self.points + channels + 2 + self.pen_segments
        self.head = nn.Linear(width, self.strokes * self.per_stroke)
        self.spread = nn.Linear(width, self.strokes * 2)
        self.image_colour = nn.Linear(width, channels) if self.colour_per_image else None
        self.image_walk = nn.Linear(width, 2 * self.points) if shape_per_image else None
        # stroke_turn: per stroke, the spread of the angle z turns the polyline by
        self.turn_spread = nn.Linear(width, self.strokes) if cfg.stroke_turn else None
        if self.turn_spread is not None:
            nn.init.zeros_(self.turn_spread.weight)
            nn.init.constant_(self.turn_spread.bias, math.log(math.expm1(TURN_START)))
        self.register_buffer("background", torch.ones(channels))

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.body(self.condition(self.seen_latent(z), labels))
        # The strokes' geometry in float32 even under bf16 autocast: bf16 holds a position on
        # a 64-px page only to a quarter pixel, as coarse as the line width itself.
        with torch.autocast(z.device.type, enabled=False):
            h, z = h.float(), z.float()
            params = self.head(h).view(len(z), self.strokes, self.per_stroke)
            spread = MIN_SPREAD + F.softplus(self.spread(h)).view(len(z), self.strokes, 2)
            if not self.training:  # sampling: layouts as varied as asked, D never sees it
                spread = spread * self.sampling_temperature(labels, spread.device)
            shared = None if self.image_colour is None else torch.tanh(self.image_colour(h))
            walk = None if self.image_walk is None else self.image_walk(h)
            turn = None
            if self.turn_spread is not None:  # z's own coordinates after the anchors' ones
                noise = z[:, 2 * self.strokes : 3 * self.strokes]
                turn = F.softplus(self.turn_spread(h)) * noise  # (B, S) radians
            return self._draw(params, spread, z, shared, walk, turn)

    def sampling_temperature(
        self, labels: torch.Tensor | None, device: torch.device
    ) -> float | torch.Tensor:
        """The anchors' spread factor when sampling: one number, or (B, 1, 1) by class."""
        if self.class_temperature is None or labels is None:
            return self.position_temperature
        return self.class_temperature.to(device)[labels].view(-1, 1, 1)

    def seen_latent(self, z: torch.Tensor) -> torch.Tensor:
        """z as the MLP sees it: whole, or with the anchors' coordinates zeroed
        (``stroke_anchor_z=own``; ``own_y``: only the vertical ones), so that the MLP cannot
        learn to cancel where they move the strokes."""
        if self.turn_spread is not None:  # the turns' coordinates never reach the MLP
            turned = slice(2 * self.strokes, 3 * self.strokes)
            z = torch.cat(
                [z[:, : turned.start], torch.zeros_like(z[:, turned]), z[:, turned.stop :]], 1
            )
        if not self.anchor_z_hidden:
            return z
        kept = 2 * self.strokes
        pairs = z[:, :kept].reshape(len(z), self.strokes, 2)
        mask = torch.ones(2, dtype=z.dtype, device=z.device)
        mask[2 - self.anchor_z_hidden :] = 0  # own_y hides (y); own hides (x, y)
        return torch.cat([(pairs * mask).reshape(len(z), kept), z[:, kept:]], 1)

    def _draw(
        self,
        params: torch.Tensor,
        spread: torch.Tensor,
        z: torch.Tensor,
        shared_colour: torch.Tensor | None = None,
        shared_walk: torch.Tensor | None = None,
        turn: torch.Tensor | None = None,
    ) -> torch.Tensor:
        batch, size = len(z), float(self.size)
        # Skip-z to the anchors: each stroke's position is a learned offset plus a learned,
        # class-dependent spread of two of z's own coordinates, so that where the strokes go
        # varies with z from the first step instead of having to survive the MLP.
        position_noise = z[:, : 2 * self.strokes].reshape(batch, self.strokes, 2)
        anchor = torch.sigmoid(params[..., :2] + spread * position_noise) * size  # (B, S, 2)
        # The polyline is a walk of bounded steps centred on its anchor: continuous, and never
        # longer than the rasteriser's samples cover without dots. (The first step only moves
        # the whole walk, which the centring undoes.) With stroke_path=offsets each point is a
        # bounded offset from the anchor instead, centred the same way.
        raw_steps = params[..., 2 : 2 + 2 * self.points]
        if shared_walk is not None:  # every stroke draws the image's polyline; its own go unused
            raw_steps = shared_walk.unsqueeze(1).expand_as(raw_steps)
        bound = (OFFSET if self.offset_points else STEP) * size
        walk = (torch.tanh(raw_steps) * bound).view(batch, self.strokes, self.points, 2)
        if not self.offset_points:
            walk = walk.cumsum(2)
        walk = walk - walk.mean(2, keepdim=True)
        if turn is not None:  # each polyline turned about its anchor
            cos, sin = turn.cos().unsqueeze(-1), turn.sin().unsqueeze(-1)  # (B, S, 1)
            x, y = walk[..., 0], walk[..., 1]
            walk = torch.stack([cos * x - sin * y, sin * x + cos * y], -1)
        points = anchor.unsqueeze(2) + walk
        colour_at = 2 + 2 * self.points
        colour = torch.tanh(params[..., colour_at : colour_at + self.channels])  # (B, S, C)
        if shared_colour is not None:  # the per-stroke colour outputs go unused
            colour = shared_colour.unsqueeze(1).expand_as(colour)
        width = torch.tanh(params[..., colour_at + self.channels])
        sigma = STROKE_SIGMA * torch.exp(SIGMA_SPREAD * width)  # (B, S)
        presence_logit = params[..., colour_at + self.channels + 1] + PRESENCE_START
        if not self.training:  # sampling: sharpen what training left half-present
            presence_logit = presence_logit * self.presence_sharpness
        presence = torch.sigmoid(presence_logit)
        pen = None
        if self.pen_segments:  # sampling sharpens half-lifted pens as it does presences
            pen_logit = params[..., colour_at + self.channels + 2 :] + PEN_START
            if not self.training:
                pen_logit = pen_logit * self.presence_sharpness
            pen = torch.sigmoid(pen_logit)
        if self.training and self.keep_presence:  # for objective.presence_decision
            self.last_presence = presence
        if self.hard_presence:  # straight-through: drawn whole or not at all, sigmoid's gradient
            presence = (presence > 0.5).to(presence.dtype) + (presence - presence.detach())
        ink = _splat(points, sigma, self.samples, self.size, pen) * presence[..., None, None]
        image = self.background.view(1, -1, 1).expand(batch, -1, self.size**2)
        for s in range(self.strokes):
            cover = ink[:, s].reshape(batch, 1, -1)
            image = image + cover * (colour[:, s].unsqueeze(-1) - image)
        return image.view(batch, self.channels, self.size, self.size)

    @torch.no_grad()
    def start_blank(self, background: torch.Tensor, zero_weights: bool = True) -> None:
        """Strokes are drawn over the data's background colour (there is no output layer to
        zero: ``zero_weights`` does not apply); with ``stroke_start=loop`` each polyline's step
        biases trace a closed loop."""
        self.background.copy_(background.to(self.background))
        if self.start_as_loops:
            loop = _loop_logits(self.points, self.size, self.offset_points)  # (2 * points,)
            self.head.bias.view(self.strokes, self.per_stroke)[:, 2 : 2 + 2 * self.points] = loop
            if self.image_walk is not None:
                self.image_walk.bias.copy_(loop)


def _loop_logits(points: int, size: int, offsets: bool = False) -> torch.Tensor:
    """The logits (before tanh) of a closed loop of ``points`` points, the last on the first:
    (2 * points,) as x, y per point. For a walk they are its steps, the first (unused) zero;
    with fewer than eight points a step would exceed the walk's bound, so it is capped and
    the loop stays open. For offsets they are the points themselves."""
    angle = 2 * math.pi * torch.arange(points, dtype=torch.float64) / max(1, points - 1)
    ring = torch.stack([angle.cos(), angle.sin()], 1) * (LOOP_RADIUS * size)
    if offsets:
        return torch.atanh(ring / (OFFSET * size)).float().flatten()
    steps = torch.cat([torch.zeros(1, 2, dtype=ring.dtype), ring.diff(dim=0)])
    return torch.atanh((steps / (STEP * size)).clamp(-0.99, 0.99)).float().flatten()


def _splat(
    points: torch.Tensor,
    sigma: torch.Tensor,
    samples: int,
    size: int,
    pen: torch.Tensor | None = None,
) -> torch.Tensor:
    """Coverage in [0, 1) of each polyline (B, S, K, 2) drawn with a Gaussian profile of
    width ``sigma`` (B, S): (B, S, H, W). ``pen`` (B, S, K - 1) in [0, 1] weighs each
    segment's ink (None: every segment drawn).

    The line integral of a Gaussian along the polyline, by ``samples`` points spaced evenly
    along its length (so a long segment is not drawn dotted); a Gaussian is separable, so the
    splat of N points on an H x W page is one (H, N) x (N, W) product per stroke instead of
    N x H x W distances."""
    along, spacing, segment = _even_points(points, samples)  # (B, S, N, 2), (B, S), (B, S, N)
    grid = torch.arange(size, dtype=points.dtype, device=points.device) + 0.5
    inv = 1 / (2 * sigma**2)[..., None, None]  # (B, S, 1, 1)
    # Exponents are capped: far from the stroke exp(-x) would underflow into denormal
    # numbers, which the CPU handles dozens of times slower than normal ones.
    gx = _GaussianProfile.apply(along[..., :1], inv, grid)  # (B, S, N, W)
    gy = _GaussianProfile.apply(along[..., 1:], inv, grid)  # (B, S, N, H)
    if pen is not None:  # each sample's ink times its segment's pen
        gx = gx * pen.gather(-1, segment).unsqueeze(-1)
    density = torch.einsum("bsnh,bsnw->bshw", gy, gx)
    density = density * (spacing / (sigma * SQRT_TWO_PI))[..., None, None]
    return 1 - torch.exp(-INK_GAIN * density)


class _GaussianProfile(torch.autograd.Function):
    """exp(-min((grid - centre)^2 * inv, FAR)) for centres (B, S, N, 1) and inverse widths
    (B, S, 1, 1) over the page's pixel centres (W,): (B, S, N, W).

    The same values as that expression in autograd, with a backward of three passes over
    the (B, S, N, W) tensor instead of about ten (the splat is most of G's step). Where the
    exponent is capped the gradient is the uncapped formula's, at most exp(-FAR) * |d| * inv
    (about 1e-11) instead of 0."""

    @staticmethod
    def forward(ctx, centre: torch.Tensor, inv: torch.Tensor, grid: torch.Tensor):
        diff = grid - centre
        profile = diff.square().mul_(-inv).clamp_min_(-FAR).exp_()
        ctx.save_for_backward(diff, profile, inv)
        return profile

    @staticmethod
    @once_differentiable  # no second derivative: a double backward through G raises
    def backward(ctx, grad: torch.Tensor):
        diff, profile, inv = ctx.saved_tensors
        weighted = grad.mul(profile).mul_(diff)  # d(profile)/d(centre) = 2 * inv * that
        grad_centre = weighted.sum(-1, keepdim=True).mul_(2 * inv)
        grad_inv = -weighted.mul_(diff).sum((-2, -1), keepdim=True)
        return grad_centre, grad_inv, None


def _even_points(
    points: torch.Tensor, samples: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``samples`` points at even arc-length steps along each polyline (B, S, K, 2), the
    step (B, S) and the segment each point lies on (B, S, N)."""
    step = points[:, :, 1:] - points[:, :, :-1]  # (B, S, K-1, 2)
    length = step.norm(dim=-1).clamp_min(1e-4)  # (B, S, K-1)
    ends = length.cumsum(-1)  # arc length at each segment's end
    total = ends[..., -1:]  # (B, S, 1)
    fractions = (torch.arange(samples, dtype=points.dtype, device=points.device) + 0.5) / samples
    target = fractions * total  # (B, S, N)
    segment = torch.searchsorted(ends.detach().contiguous(), target.detach().contiguous())
    segment = segment.clamp_max(length.shape[-1] - 1)
    seg_end = ends.gather(-1, segment)
    seg_length = length.gather(-1, segment)
    t = (1 - (seg_end - target) / seg_length).clamp(0, 1)  # position within the segment
    index = segment.unsqueeze(-1).expand(-1, -1, -1, 2)
    start = points[:, :, :-1].gather(2, index)
    delta = step.gather(2, index)
    return start + t.unsqueeze(-1) * delta, total.squeeze(-1) / samples, segment
