"""What went wrong in a run: cheap signals logged while training, the rules that read them,
and the verdict with its evidence (``ganbench diagnose``)."""
