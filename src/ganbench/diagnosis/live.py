"""``diagnose.live=true``: the rules run on the newest metrics lines while training, and each
verdict is printed the first time it appears (never again in the same run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ganbench.config import Config
from ganbench.diagnosis.diagnose import context_for
from ganbench.diagnosis.rules import Stretch, findings

WINDOW = 10  # metrics lines a live finding is judged on
WARM_UP_SHARE = 0.1  # no live findings in the first tenth of the steps (D wins early)


class LiveDiagnosis:
    def __init__(self, cfg: Config, say: Callable[[str], None]):
        self.context = context_for(cfg)
        self.warm_up = int(WARM_UP_SHARE * cfg.schedule.steps)
        self.say = say
        self.lines: list[dict[str, Any]] = []
        self.seen: set[str] = set()

    def observe(self, record: dict[str, Any]) -> list[str]:
        """Feed one metrics line; returns the verdicts that appeared for the first time."""
        self.lines = [*self.lines[-(WINDOW - 1) :], record]
        if record["step"] <= self.warm_up or len(self.lines) < WINDOW:
            return []
        stretch = Stretch(int(self.lines[0]["step"]), int(record["step"]), list(self.lines))
        new = []
        for finding in findings(stretch, self.context):
            if finding.verdict in self.seen:
                continue
            self.seen.add(finding.verdict)
            new.append(finding.verdict)
            self.say(
                f"diagnose: {finding.verdict} at steps {stretch.start}-{stretch.end}: "
                f"{finding.evidence[0]}; try {finding.advice[0]}"
            )
        return new
