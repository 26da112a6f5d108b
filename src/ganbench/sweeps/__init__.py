"""Sweeps: one spec, many trials (cells of axis values x training seeds), run in parallel,
resumed where they stopped, and compared with statistics that say whether a difference is real.

  spec.py       the YAML spec and every check on it
  expand.py     cells and trials in a fixed order;  naming.py  their directory names
  plan.py       each trial's config, built and validated before anything runs
  trial.py      one trial in a worker: train or resume, evaluate, write trial.json
  cap.py        the wall-time cap;  records.py  the files a trial adds to its run directory
  executors.py  in-process, local process pool, Ray;  progress.py  the view on stderr
  runner.py     skip what is finished, run the rest, report
  failure.py    whether a seed failed;  metrics.py  which way each metric is better
  stats.py      intervals and tests;  aggregate.py  the report's numbers from run directories
  text.py, plots.py, html.py, report.py  the report's table, figures and files
"""
