"""``ganbench train`` and ``ganbench resume``, in one process or several (torchrun)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _split_source(args: list[str]) -> tuple[str | None, list[str]]:
    """``[CONFIG] key=value ...``: the first word is a recipe/file unless it is an override."""
    if args and "=" not in args[0]:
        return args[0], args[1:]
    return None, args


def _print_run_summary(run_path: Path, result, steps_target: int, noise: bool = True) -> None:
    where = str(run_path)
    if result.interrupted:
        print(f"\nstopped at step {result.end_step}; checkpoint written.")
        print(f"continue with:  ganbench resume {where} --steps {steps_target}")
    else:
        print(
            f"\ntrained steps {result.start_step}..{result.end_step} in {result.seconds:.0f} s "
            f"({result.images_per_second:.0f} images/s)"
        )
    print(f"run directory:  {where}")
    print(f"  samples:      {where}/samples/   curves: {where}/plots/")
    print(f"  metrics:      {where}/metrics.jsonl")
    print("next:")
    if noise:
        print(f"  ganbench generate {where} --n 64 --out {where}/generated.png")
    else:
        print(f"  ganbench translate {where} --input synthetic --out {where}/translated")
    print(f"  ganbench evaluate {where}")
    print(f"  ganbench resume {where} --steps {result.end_step * 2}")
    print(f"  tensorboard --logdir {where}/events")


def cmd_train(ns: argparse.Namespace) -> int:
    from ganbench.config import load_config
    from ganbench.training.distributed import (
        check_split,
        join_process_group,
        relaunch,
        shard_from_environment,
        shared_value,
    )

    source, overrides = _split_source(ns.args)
    cfg = load_config(source, overrides)
    if ns.print_config:
        print(cfg.to_yaml(), end="")
        return 0
    shard = shard_from_environment()
    if (ns.nproc or 1) > 1 and not shard.active:
        check_split(cfg.schedule.batch_size, ns.nproc)
        return relaunch(ns.nproc, ["train", *ns.args])
    from ganbench.training.rundir import RunDir
    from ganbench.training.runtime import resolve_device
    from ganbench.training.trainer import Trainer

    join_process_group(resolve_device(cfg.device))
    # Rank 0 claims the run directory; every other process trains into the same one.
    run = shared_value(RunDir.create(cfg) if shard.writer else None)
    try:
        trainer = Trainer(cfg, run)
    except BaseException:
        if shard.writer:
            run.remove_if_unused()  # a start that fails leaves no empty run directory
        raise
    if shard.writer:
        print(f"run directory: {run.path}")
    if cfg.diagnose.check_d and shard.writer:
        from ganbench.diagnosis.check_d import check_discriminator, format_check, write_check

        print("checking that D can tell every class from noise (diagnose.check_d):")
        check = check_discriminator(cfg, seed=cfg.seed)
        print(format_check(check))
        write_check(check, run.path)
    return _fit(trainer, cfg)


def _fit(trainer, cfg) -> int:
    """Train to ``schedule.steps``, leave the process group, and (rank 0) say what was made."""
    result = trainer.fit(cfg.schedule.steps)
    trainer.dist.close()
    if trainer.writer:
        noise = trainer.family.samples_from_noise
        _print_run_summary(trainer.run.path, result, cfg.schedule.steps, noise)
    return 130 if result.interrupted else 0


def cmd_resume(ns: argparse.Namespace) -> int:
    from ganbench.config import apply_overrides, validate
    from ganbench.training.distributed import (
        check_split,
        join_process_group,
        relaunch,
        shard_from_environment,
    )
    from ganbench.training.rundir import RunDir
    from ganbench.training.runtime import resolve_device
    from ganbench.training.trainer import Trainer

    run = RunDir.open(ns.run_dir)
    saved = run.read_config()
    overrides = list(ns.overrides)
    if ns.steps is not None:
        overrides.append(f"schedule.steps={ns.steps}")
    cfg = validate(apply_overrides(saved.to_dict(), overrides))
    shard = shard_from_environment()
    if (ns.nproc or 1) > 1 and not shard.active:
        check_split(cfg.schedule.batch_size, ns.nproc)
        argv = ["resume", ns.run_dir, *ns.overrides]
        for flag, value in (("--steps", ns.steps), ("--step", ns.step)):
            if value is not None:
                argv += [flag, str(value)]
        return relaunch(ns.nproc, argv + (["--force"] if ns.force else []))
    stem = run.stem_for_step(ns.step) if ns.step is not None else None
    join_process_group(resolve_device(cfg.device))
    trainer = Trainer(cfg, run)
    step = trainer.restore(stem, force=ns.force)
    if stem is not None and shard.writer:
        dropped = run.drop_checkpoints_after(step)
        if dropped:
            print(f"from step {step}: removed the later checkpoints {dropped}")
    if step >= cfg.schedule.steps:
        if not shard.writer:
            return 0
        print(
            f"{run.path} is already at step {step} (schedule.steps={cfg.schedule.steps}); "
            f"pass --steps N with N > {step} to train further"
        )
        return 0
    if shard.writer:
        run.write_config(cfg)
        print(f"resuming {run.path} from step {step} to {cfg.schedule.steps}")
    return _fit(trainer, cfg)
