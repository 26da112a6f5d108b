"""The typed config tree of a run: YAML load, dotted overrides, validation with clear errors.

A run is fully described by one :class:`Config`. Its defaults are a plain conditional DCGAN
on the four seed-000 shape classes (seed 000's additive label); a recipe file states what it
changes. ``ganbench train`` with no arguments trains the default recipe, ``shapes-dcgan``:
the same task drawn by a vector generator against a projection D (configs/shapes-dcgan.yaml);
``shapes-conv`` is its pixel-DCGAN predecessor.

One module per part, every name importable from here:

  base.py       the strict section base model
  data.py       data:        what the discriminator sees as real
  model.py      model:       the networks and their presets
  objective.py  objective:   the loss, its regularisers and the label tricks
  schedule.py   optimiser:, schedule:, sampling:, evaluation:, logging:
  root.py       Config, the root of the tree, and its cross-section checks
  loading.py    recipes, YAML, overrides, validation errors, load_config
"""

from __future__ import annotations

from ganbench.config.base import RGB
from ganbench.config.data import SYNTHETIC_SIZE, DataConfig
from ganbench.config.diagnose import DiagnoseConfig
from ganbench.config.loading import (
    apply_overrides,
    available_recipes,
    config_differences,
    load_config,
    parse_override,
    recipes_dir,
    validate,
)
from ganbench.config.model import MODEL_IMAGE_SIZES, MODEL_PRESETS, ModelConfig
from ganbench.config.objective import (
    CROSS_ENTROPY_LOSSES,
    DIFFAUGMENT_POLICIES,
    LOSS_NAMES,
    WASSERSTEIN_LOSSES,
    ObjectiveConfig,
)
from ganbench.config.root import DEFAULT_RECIPE, Config
from ganbench.config.schedule import (
    EvaluationConfig,
    LoggingConfig,
    OptimiserConfig,
    SamplingConfig,
    ScheduleConfig,
)

# The families ``Config.family`` accepts; the validator reads this name at run time, so code
# that extends the list here (a test's own family) is heard.
from ganbench.families.catalogue import FAMILY_NAMES

__all__ = [
    "CROSS_ENTROPY_LOSSES",
    "DEFAULT_RECIPE",
    "DIFFAUGMENT_POLICIES",
    "FAMILY_NAMES",
    "LOSS_NAMES",
    "MODEL_IMAGE_SIZES",
    "MODEL_PRESETS",
    "RGB",
    "SYNTHETIC_SIZE",
    "WASSERSTEIN_LOSSES",
    "Config",
    "DataConfig",
    "DiagnoseConfig",
    "EvaluationConfig",
    "LoggingConfig",
    "ModelConfig",
    "ObjectiveConfig",
    "OptimiserConfig",
    "SamplingConfig",
    "ScheduleConfig",
    "apply_overrides",
    "available_recipes",
    "config_differences",
    "load_config",
    "parse_override",
    "recipes_dir",
    "validate",
]
