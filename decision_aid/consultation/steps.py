"""The steps of a consultation, in order (three-talk model: team, option, decision talk)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    talk: str


STEPS = (
    Step("start", "Start", "Team talk"),
    Step("situation", "Your situation", "Team talk"),
    Step("options", "The options", "Option talk"),
    Step("values", "What matters to you", "Decision talk"),
    Step("check", "Check what we discussed", "Option talk"),
    Step("ready", "Ready to decide?", "Decision talk"),
    Step("decision", "Decision", "Decision talk"),
    Step("summary", "Summary", "Decision talk"),
)
STEP_IDS = tuple(step.id for step in STEPS)
FORM_STEP_IDS = STEP_IDS[:-1]  # the summary has no form of its own


def step(step_id: str) -> Step:
    return STEPS[STEP_IDS.index(step_id)]


def next_step(step_id: str) -> str | None:
    index = STEP_IDS.index(step_id)
    return STEP_IDS[index + 1] if index + 1 < len(STEP_IDS) else None


def previous_step(step_id: str) -> str | None:
    index = STEP_IDS.index(step_id)
    return STEP_IDS[index - 1] if index > 0 else None
