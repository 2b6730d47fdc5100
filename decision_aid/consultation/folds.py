"""How the summary step folds the answers it repeats (issue #11 item 10).

What was decided, the next steps and what mattered stay open at the top; the other answers sit in
closed groups whose summary line says how many answers they hold. A group with a required answer
still to give, not filled in at all, or something to look at (a pause, a low SURE score) is open
and says so, so nothing missing is ever folded away. Worked out from the summary's sections and
``partial.missing_steps`` (the same list the top of the page shows), without Flask.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..content import Content
from .health_form import NONE_CONFIRMED_LABEL
from .sections import ClinicalSections, PatientSummary
from .steps import Step


@dataclass(frozen=True)
class Fold:
    given: int  # answers given in the group
    missing: tuple[str, ...] = ()  # the labels of required answers still to give
    not_started: bool = False  # the step was never saved
    look: str | None = None  # something to look at: "paused", "sure_low"

    @property
    def open(self) -> bool:
        return bool(self.missing) or self.not_started or self.look is not None


@dataclass(frozen=True)
class Folds:
    assessment: Fold | None  # None for content without the step (2026.1)
    situation: Fold
    health: Fold
    check: Fold


def _health_labels(content: Content) -> set[str]:
    labels = {NONE_CONFIRMED_LABEL}
    for question in content.consultation.safety_questions:
        labels.add(question.question)
        labels.update(detail.question for detail in question.details)
    return labels


def _count(*values) -> int:
    return sum(1 for value in values if value not in (None, "", ()))


def folds(patient: PatientSummary, clinical: ClinicalSections, content: Content,
          missing: list[tuple[Step, list[str]]]) -> Folds:
    """The groups' states; ``missing`` is ``partial.missing_steps``'s list for these answers."""
    labels = {step.id: tuple(found) for step, found in missing}
    unsaved = {step.id for step, found in missing if not found}  # never saved: no labels listed
    situation_labels = labels.get("situation", ())
    health_labels = _health_labels(content)
    s = clinical.situation
    situation = Fold(
        given=_count(s.duration, s.activities, s.pain_now, s.tried, s.tried_other, s.running_goals, s.race_date),
        missing=tuple(label for label in situation_labels if label not in health_labels),
        not_started="situation" in unsaved)
    answers = clinical.health.answers
    health = Fold(
        given=sum(1 for a in answers if a.answer) + sum(1 for a in answers for d in a.details if d.answer),
        missing=tuple(label for label in situation_labels if label in health_labels),
        not_started="situation" in unsaved)
    k = clinical.knowledge
    check = Fold(
        given=sum(1 for q in k.quiz if q.given) + sum(1 for item in k.sure.items if item.answer),
        missing=labels.get("check", ()) + labels.get("ready", ()),
        not_started=bool(unsaved & {"check", "ready"}),
        look="sure_low" if k.sure.low else None)
    assessment = None
    if patient.assessment is not None and clinical.assessment is not None:
        a = clinical.assessment
        outcome = patient.assessment
        assessment = Fold(
            given=_count(a.diagnosis, outcome.age, a.companion) + sum(1 for f in a.flags if f.answer),
            missing=labels.get("assessment", ()), not_started="assessment" in unsaved,
            look="paused" if outcome.held else None)
    return Folds(assessment=assessment, situation=situation, health=health, check=check)
