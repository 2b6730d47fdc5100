"""The summary of a discussion as typed sections, one small frozen dataclass each.

``Summary`` is two parts: what the patient takes home (``PatientSummary``: the decision, next
steps, what mattered, the points discussed in plain words, the options in one line each, a short
reference list) and what only the clinician's side shows (``ClinicalSections``: their notes, the
safety prompts' clinical wording, the health and assessment answers, the check and SURE test).
The patient's PDF is given ``summary.patient`` alone, so a clinician-only field cannot reach it:
under the tests' ``StrictUndefined`` a template that reached for one would fail.

Only answers and content are held here, never sentences: the words around them are in the
templates (``templates/_macros/summary*.html``), where they can be translated. Dates are dates;
the templates write them out (``long_date``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..content.schema import Prompt, Reference, Statement


@dataclass(frozen=True)
class Recorded:
    """The revision a summary shows (None for a discussion not finished yet)."""
    number: int
    of: int
    author: str
    reason: str
    created_at: dt.datetime  # on the clinic's clock


@dataclass(frozen=True)
class Head:
    patient_ref: str | None
    clinician: str | None
    date: dt.date | None
    knees: str | None
    recorded: Recorded | None
    content_version: str
    no_recommendation: str


@dataclass(frozen=True)
class Outcome:
    """"Is this runner's knee?" as the patient may read it: their age and any red flag found."""
    answered: bool
    age: int | None
    flags_found: tuple[str, ...]  # the patient's own wording of each flag found
    held: bool  # paused before the options: none were discussed


@dataclass(frozen=True)
class Decision:
    decided: bool
    choice: str | None
    choice_label: str | None  # the option's name, or "Wait and see for now", "Not decided yet"…
    other_text: str | None  # only for "Something else"
    reasons: str | None
    open_questions: str | None


@dataclass(frozen=True)
class NextSteps:
    next_steps: str | None
    follow_up: dt.date | None


@dataclass(frozen=True)
class Rating:
    label: str
    rating: str | None  # the scale's label; None when not rated


@dataclass(frozen=True)
class Mattered:
    """Every factor in the content's order: ratings are never added up or sorted."""
    ratings: tuple[Rating, ...]
    own_factors: str | None

    @property
    def rated(self) -> tuple[Rating, ...]:
        return tuple(r for r in self.ratings if r.rating)


@dataclass(frozen=True)
class Point:
    """A point to discuss beside the options it concerns, shaped like a statement for the
    ``statement`` and ``labels`` macros. A health question's point quotes the question and its
    answer and is written for the clinician; an age or race-date point quotes no answer
    (``question`` None) and is written for the patient."""
    topic: str
    text: str
    refs: tuple[int, ...]
    certainty: str | None
    kind: str
    unverified: bool
    source_label: str | None
    question: str | None
    answer: str | None
    # The content's own statement or prompt: what ``presenting.cited_references`` reads.
    source: Statement | Prompt = field(repr=False, compare=False)


@dataclass(frozen=True)
class OptionPoints:
    option_id: str
    option_name: str
    items: tuple[Point, ...]


@dataclass(frozen=True)
class PlainPoint:
    """A point discussed, once per topic, for the patient. A safety prompt keeps its clinical
    wording in the clinical record (``point`` None here); an age or race-date point is
    printed with its sources."""
    topic: str
    options: tuple[str, ...]  # the options' short names, in the fixed order
    point: Point | None  # None for a safety prompt: only its topic and options are printed


@dataclass(frozen=True)
class PointsDiscussed:
    points: tuple[PlainPoint, ...]
    option_notes: str | None  # questions or notes about the options, as typed


@dataclass(frozen=True)
class Chance:
    """One outcome's chance for one option; ``sentence`` is None where no number is known."""
    label: str
    sentence: str | None
    refs: tuple[int, ...]
    certainty: str | None
    unverified: bool
    kind: str = "evidence"
    source_label: str | None = None


@dataclass(frozen=True)
class OptionLine:
    name: str
    summary: str | Statement  # rules 1 content has a plain string
    chances: tuple[Chance, ...]  # every outcome, the same ones for every option

    @property
    def numbered(self) -> tuple[Chance, ...]:
        return tuple(c for c in self.chances if c.sentence)


@dataclass(frozen=True)
class PatientSummary:
    """What the patient takes home, in the order it is printed."""
    head: Head
    assessment: Outcome | None  # None for content without the step (2026.1)
    decision: Decision
    next_steps: NextSteps
    mattered: Mattered
    points: PointsDiscussed
    options: tuple[OptionLine, ...]
    references: tuple[Reference, ...]  # only what the patient's summary cites


# --- the clinician's side ------------------------------------------------------------------------

@dataclass(frozen=True)
class AmendmentNote:
    revision: int
    date: dt.date
    author: str
    note: str


@dataclass(frozen=True)
class ClinicianNotes:
    notes: str | None
    amendments: tuple[AmendmentNote, ...]


@dataclass(frozen=True)
class HealthDetail:
    question: str
    answer: str | None


@dataclass(frozen=True)
class HealthAnswer:
    question: str
    answer: str | None
    details: tuple[HealthDetail, ...]  # asked after a "Yes" only


@dataclass(frozen=True)
class HealthAnswers:
    answers: tuple[HealthAnswer, ...]
    none_apply: bool  # "None of these apply", confirmed by the clinician: each reads No


@dataclass(frozen=True)
class Situation:
    answered: bool
    duration: str | None
    activities: tuple[str, ...]
    pain_now: int | None
    tried: tuple[str, ...]
    tried_other: str | None
    running_goals: str | None
    race_date: dt.date | None


@dataclass(frozen=True)
class FlagAnswer:
    text: str  # the clinician's wording
    answer: str | None


@dataclass(frozen=True)
class AssessmentAnswers:
    diagnosis_question: str
    diagnosis: str | None
    flags: tuple[FlagAnswer, ...]
    companion: str | None


@dataclass(frozen=True)
class QuizAnswer:
    statement: str
    given: str | None  # the label of the answer given
    correct: str  # the label of the right answer ("True" or "False")
    explanation: Statement | str

    @property
    def right(self) -> bool:
        return self.given == self.correct


@dataclass(frozen=True)
class SureAnswer:
    text: str
    answer: str | None


@dataclass(frozen=True)
class Sure:
    items: tuple[SureAnswer, ...]
    score: int  # how many answered Yes
    refs: tuple[int, ...]
    low_score_note: str

    @property
    def answered(self) -> bool:
        return all(item.answer for item in self.items)

    @property
    def low(self) -> bool:
        return self.answered and self.score < len(self.items)


@dataclass(frozen=True)
class Knowledge:
    checked: bool  # the check step was saved
    quiz: tuple[QuizAnswer, ...]
    sure: Sure


@dataclass(frozen=True)
class Shown:
    """The comparison as it was shown, and every source the discussion cited.

    ``comparison`` is ``presenting.comparison()``'s view, the one the guide's grid macros read.
    """
    comparison: dict[str, Any]
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class ClinicalSections:
    """For the clinician and the clinical record only: never in the patient's summary."""
    notes: ClinicianNotes
    prompts: tuple[OptionPoints, ...]  # the safety prompts in their clinical wording, by option
    health: HealthAnswers
    situation: Situation
    assessment: AssessmentAnswers | None
    knowledge: Knowledge
    shown: Shown


@dataclass(frozen=True)
class Summary:
    patient: PatientSummary
    clinical: ClinicalSections
