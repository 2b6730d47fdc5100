"""The steps of a consultation, in order (three-talk model: team, option, decision talk).

A discussion's steps come from its own content: a version with ``assessment.yaml`` adds
"Is this runner's knee?" after Start, so a discussion begun on an older version keeps the
eight steps it was begun with.

A step is a group of saved answers (``answers["ready"]``: the SURE test); a page is what the
clinician moves through. In rules 2 content (2026.2 on) "Ready to decide?" is asked on the page
"Check what we discussed" (one page and one press of Next less); its answers are still saved as
their own step, so the summary, the record, the FHIR export, the figures and amend read them as
before. Rules 1 content (2026.1) keeps one page per step.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..content import Content
from .assessment import ASSESSMENT


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    talk: str


def N_(message: str) -> str:
    """Marks a title for the catalogs; the templates translate it (``_(step.title)``), and the
    record, the FHIR export and the audit keep the English."""
    return message


# Every step any content version can have, in order.
STEPS = (
    Step("start", N_("Start"), N_("Team talk")),
    Step(ASSESSMENT, N_("Is this runner's knee?"), N_("Team talk")),
    Step("situation", N_("Your situation"), N_("Team talk")),
    Step("options", N_("The options"), N_("Option talk")),
    Step("values", N_("What matters to you"), N_("Decision talk")),
    Step("check", N_("Check what we discussed"), N_("Option talk")),
    Step("ready", N_("Ready to decide?"), N_("Decision talk")),
    Step("decision", N_("Decision"), N_("Decision talk")),
    Step("summary", N_("Summary"), N_("Decision talk")),
)
STEP_IDS = tuple(step.id for step in STEPS)
# The pages the patient reads beside the clinician, drawn in the patient's language (issue #14);
# Start and "Is this runner's knee?" are the clinician's.
PATIENT_PAGES = ("situation", "options", "values", "check", "ready", "decision", "summary")
FORM_STEP_IDS = STEP_IDS[:-1]  # the summary has no form of its own
# Content without assessment.yaml (2026.1) has the first eight steps.
STEPS_WITHOUT_ASSESSMENT = tuple(step for step in STEPS if step.id != ASSESSMENT)


def steps_for(content: Content) -> tuple[Step, ...]:
    return STEPS if content.assessment is not None else STEPS_WITHOUT_ASSESSMENT


# The pages that show more than one step: page id -> the steps saved by that page, in order.
JOINED_PAGES = {"check": ("check", "ready")}


def _joins(content: Content) -> bool:
    return content.rules >= 2


def pages_for(content: Content) -> tuple[Step, ...]:
    """The pages of a consultation in order (the steps bar, Back, Next)."""
    steps = steps_for(content)
    if not _joins(content):
        return steps
    joined = {part for parts in JOINED_PAGES.values() for part in parts[1:]}
    return tuple(s for s in steps if s.id not in joined)


def parts_of(page_id: str, content: Content) -> tuple[str, ...]:
    """The steps whose questions the page asks and saves."""
    return JOINED_PAGES.get(page_id, (page_id,)) if _joins(content) else (page_id,)


def page_of(step_id: str, content: Content) -> str:
    """The page on which a step's questions are asked."""
    if _joins(content):
        for page_id, parts in JOINED_PAGES.items():
            if step_id in parts:
                return page_id
    return step_id


def step(step_id: str) -> Step:
    return STEPS[STEP_IDS.index(step_id)]


def _ids(steps: tuple[Step, ...]) -> tuple[str, ...]:
    return tuple(s.id for s in steps)


def next_step(step_id: str, steps: tuple[Step, ...] = STEPS) -> str | None:
    ids = _ids(steps)
    index = ids.index(step_id)
    return ids[index + 1] if index + 1 < len(ids) else None


def previous_step(step_id: str, steps: tuple[Step, ...] = STEPS) -> str | None:
    ids = _ids(steps)
    index = ids.index(step_id)
    return ids[index - 1] if index > 0 else None


def after_assessment(step_id: str) -> bool:
    """Steps that a discussion held at the assessment cannot reach."""
    return STEP_IDS.index(step_id) > STEP_IDS.index(ASSESSMENT)
