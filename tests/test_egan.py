"""The evolutionary GAN: fitness and selection, the mutations, the population's step,
its settings and an exact resume with the whole population in the checkpoint."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ganbench.config import load_config
from ganbench.data.build import points_drawer
from ganbench.errors import ConfigError
from ganbench.families.egan_fitness import fitness, mutation_loss, select
from ganbench.training.distributed import Shard
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

from .family_checks import assert_same_weights

TINY = [
    "logging.progress=false",
    "logging.checkpoint_every=2",
    "logging.samples_every=2",
    "model.mlp_hidden=16",
    "schedule.batch_size=32",
    "schedule.steps=4",
    "egan.fitness_batch=32",
]


def _config(tmp_path, *extra):
    return load_config("ring-egan", [*TINY, f"logging.root={tmp_path}", *extra])


def test_spread_samples_are_fitter_than_one_mode_of_equal_quality(tmp_path):
    """A fixed D, constant on the plane (every sample scores D = 1/2: equal quality), whose
    loss gradient is the gap between the fake and the real mean: samples over all the
    ring's modes leave it flat, samples in one mode do not."""
    drawer = points_drawer(_config(tmp_path).data)
    real = torch.from_numpy(drawer.fixed_set(512, 1)[0]).float()
    spread = torch.from_numpy(drawer.fixed_set(256, 2)[0]).float()
    one_mode = torch.tensor(drawer.centres[0]).float() + 0.02 * torch.randn(256, 2)
    D = nn.Linear(2, 1)
    nn.init.zeros_(D.weight)
    nn.init.zeros_(D.bias)
    critic = lambda x: D(x).flatten()  # noqa: E731
    wide = fitness(_Wrapped(critic, D), real, spread, gamma=1.0)
    narrow = fitness(_Wrapped(critic, D), real, one_mode, gamma=1.0)
    assert wide[1] == narrow[1] == 0.5  # the same quality
    assert wide[2] > narrow[2] + 1  # the diversity term tells them apart
    assert wide[0] > narrow[0]
    assert select([narrow[0], wide[0]], 1) == [1]


class _Wrapped(nn.Module):
    def __init__(self, fn, module):
        super().__init__()
        self.fn, self.module = fn, module

    def forward(self, x):
        return self.fn(x)


def test_selection_keeps_the_fittest_best_first():
    assert select([0.1, 0.5, 0.3], 1) == [1]
    assert select([0.1, 0.5, 0.3, 0.5], 3) == [1, 3, 2]


def test_the_mutations_are_the_papers_three_losses():
    logits = torch.tensor([0.0, 2.0])
    d = torch.sigmoid(logits)
    assert torch.isclose(mutation_loss("minimax", logits), torch.log(1 - d).mean())
    assert torch.isclose(mutation_loss("non_saturating", logits), -torch.log(d).mean())
    assert torch.isclose(mutation_loss("least_squares", logits), ((d - 1) ** 2).mean())


def test_a_step_keeps_the_fittest_child_with_its_optimiser_state(tmp_path):
    from ganbench.families.egan import EGANFamily

    family = EGANFamily(_config(tmp_path, "egan.population=2"), torch.device("cpu"))
    assert set(family.optimisers) == {"g", "g_1", "d"}
    batch = (torch.randn(32, 2), torch.zeros(32, dtype=torch.long))
    stats = family.train_step([batch], 0)
    assert len(family.last_mutations) == 2
    assert math.isclose(sum(float(stats[f"chosen_{m}"]) for m in family.cfg.egan.mutations), 1)
    for name in ("g", "g_1", "d"):  # every optimiser took exactly one step
        states = family.optimisers[name].state.values()
        assert all(float(s["step"]) == 1 for s in states), name


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["egan.population=0"], "egan.population"),
        (["egan.mutations=[]"], "at least one mutation"),
        (["model.conditioning=additive"], "family egan evolves unconditional generators"),
        (["egan.population=3"], "must divide schedule.batch_size"),
        (
            ["family=gan", "egan.gamma=1"],
            "egan.fitness_batch, egan.gamma apply to family egan, not gan",
        ),
    ],
)
def test_egan_settings_are_checked(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, *overrides)


def test_one_process_only(tmp_path):
    from ganbench.families.egan import EGANFamily

    family = EGANFamily(_config(tmp_path), torch.device("cpu"))
    with pytest.raises(ConfigError, match="train it in one process"):
        family.use_shard(Shard(0, 2))


def test_the_population_resumes_exactly(tmp_path):
    cfg = _config(tmp_path, "egan.population=2", "logging.name=whole")
    whole = Trainer(cfg, RunDir.create(cfg))
    whole.fit(4)
    cfg2 = _config(tmp_path, "egan.population=2", "logging.name=halves")
    first = Trainer(cfg2, RunDir.create(cfg2))
    first.fit(2)
    resumed = Trainer(cfg2, first.run)
    assert resumed.restore() == 2
    resumed.fit(4)
    assert resumed.family.last_mutations == whole.family.last_mutations
    assert_same_weights(whole.family, resumed.family)
