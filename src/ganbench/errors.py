"""Errors a user can cause. The command line prints their message alone, without a traceback."""


class GanbenchError(Exception):
    """A problem the user can fix: the message names it and says how."""


class ConfigError(GanbenchError):
    """A config key, value or combination that cannot be used."""


class CheckpointError(GanbenchError):
    """A checkpoint or run directory that cannot be read or trusted."""


class DataError(GanbenchError):
    """A data source that cannot be read or does not fit the model."""


class TrainingDiverged(GanbenchError):
    """Losses became NaN or infinite; the last good checkpoint is kept."""


class EvaluationError(GanbenchError):
    """A metric that cannot be computed as asked (missing weights, too few samples, a weak
    oracle)."""
