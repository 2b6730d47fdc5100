"""The shape of the clinical content files, checked when the app starts.

Each YAML file in a content version folder has one top-level model here. Checks that span
files (reference ids exist, every option has a cell in every row) live in ``loader.py``.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The fixed order of the options. Content must list exactly these, in this order.
OPTION_IDS = ("conservative", "corticosteroid", "prp", "hyaluronic_acid")

Certainty = Literal["high", "moderate", "low", "very low"]
NonEmpty = Field(min_length=1)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Statement(Strict):
    """One clinical claim with its sources and the certainty of its evidence.

    ``kind: gap`` says that evidence is missing (e.g. "No trials in runner's knee"); it is the
    only kind that may go without a certainty, because there is nothing to grade.
    ``unverified: true`` marks a fact the evidence file tags "(verify)": it is shown with an
    "unverified" label until a clinical reviewer confirms it.
    """

    text: str = NonEmpty
    refs: list[int] = Field(default_factory=list)
    certainty: Certainty | None = None
    kind: Literal["evidence", "gap"] = "evidence"
    unverified: bool = False

    @model_validator(mode="after")
    def _sourced(self) -> Statement:
        if self.kind == "evidence":
            if not self.refs:
                raise ValueError("a statement needs at least one reference id in 'refs'")
            if self.certainty is None:
                raise ValueError("a statement needs a 'certainty' (high, moderate, low, very low)")
        return self


class Author(Strict):
    name: str = NonEmpty
    role: str = NonEmpty


class Meta(Strict):
    """meta.yaml: who made this content, when, and how it is kept up to date."""

    version: str = Field(pattern=r"^\d{4}\.\d+$")
    title: str = NonEmpty
    produced: dt.date
    evidence_searched: dt.date
    next_review: dt.date
    authors: list[Author] = Field(min_length=1)
    review_status: str = NonEmpty
    update_policy: str = NonEmpty
    funding: str = NonEmpty
    conflicts_of_interest: str = NonEmpty
    no_recommendation: str = NonEmpty
    certainty_levels: dict[Certainty, str]

    @field_validator("certainty_levels")
    @classmethod
    def _all_levels(cls, levels: dict) -> dict:
        missing = {"high", "moderate", "low", "very low"} - set(levels)
        if missing:
            raise ValueError(f"explain every certainty level; missing: {sorted(missing)}")
        return levels

    @model_validator(mode="after")
    def _dates_in_order(self) -> Meta:
        if not self.evidence_searched <= self.produced < self.next_review:
            raise ValueError("dates must run evidence_searched <= produced < next_review")
        return self


class Reference(Strict):
    id: int = Field(ge=1)
    citation: str = NonEmpty
    doi: str | None = None
    note: str | None = None


class References(Strict):
    references: list[Reference] = Field(min_length=1)

    @field_validator("references")
    @classmethod
    def _unique(cls, refs: list[Reference]) -> list[Reference]:
        ids = [r.id for r in refs]
        if len(ids) != len(set(ids)):
            raise ValueError("reference ids must be unique")
        return refs


class Chance(Strict):
    """How many people out of ``out_of`` have an outcome, for one option.

    ``count: null`` means no number can honestly be given; ``no_number`` then says why.
    """

    count: int | None = Field(default=None, ge=0)
    qualifier: Literal["About", "Up to", "Fewer than", "Exactly"] = "About"
    out_of: int
    time_frame: str = NonEmpty
    refs: list[int] = Field(default_factory=list)
    certainty: Certainty | None = None
    note: str | None = None
    no_number: str | None = None
    unverified: bool = False

    @model_validator(mode="after")
    def _number_or_reason(self) -> Chance:
        if self.count is None:
            if not self.no_number:
                raise ValueError("a chance without a 'count' needs 'no_number' saying why")
        else:
            if self.count > self.out_of:
                raise ValueError("'count' cannot be more than 'out_of'")
            if not self.refs or self.certainty is None:
                raise ValueError("a chance with a number needs 'refs' and a 'certainty'")
        return self


class NaturalCourse(Strict):
    statements: list[Statement] = Field(min_length=1)
    event: str = NonEmpty
    out_of: int = 100
    chances: list[Chance] = Field(min_length=1)


class AboutAid(Strict):
    is_: list[str] = Field(alias="is", min_length=1)
    is_not: list[str] = Field(min_length=1)


class Condition(Strict):
    """condition.yaml: the start page."""

    name: str = NonEmpty
    clinical_name: str = NonEmpty
    what_it_is: list[Statement] = Field(min_length=1)
    causes: list[Statement] = Field(min_length=1)
    symptoms: list[Statement] = Field(min_length=1)
    diagnosis: list[Statement] = Field(min_length=1)
    rule_out_intro: str = NonEmpty
    rule_out: list[Statement] = Field(min_length=1)
    decision: list[str] = Field(min_length=1)
    natural_course: NaturalCourse
    about_aid: AboutAid


class Section(Strict):
    heading: str = NonEmpty
    statements: list[Statement] = Field(min_length=1)


class Option(Strict):
    id: str
    name: str = NonEmpty
    short_name: str = NonEmpty
    summary: str = NonEmpty
    evidence_base: Statement
    sections: list[Section] = Field(min_length=1)


class Options(Strict):
    """options.yaml: the four options, in the fixed order."""

    options: list[Option]

    @field_validator("options")
    @classmethod
    def _fixed_order(cls, options: list[Option]) -> list[Option]:
        ids = tuple(o.id for o in options)
        if ids != OPTION_IDS:
            raise ValueError(f"options must be exactly {list(OPTION_IDS)} in that order, got {list(ids)}")
        return options


class Row(Strict):
    id: str = Field(pattern=r"^[a-z_]+$")
    question: str = NonEmpty
    cells: dict[str, list[Statement]]

    @field_validator("cells")
    @classmethod
    def _every_option(cls, cells: dict) -> dict:
        if set(cells) != set(OPTION_IDS):
            raise ValueError(f"cells must be given for exactly {list(OPTION_IDS)}, got {sorted(cells)}")
        for option_id, statements in cells.items():
            if not statements:
                raise ValueError(f"cell '{option_id}' is empty: say what is known, or that evidence is lacking")
        return {option_id: cells[option_id] for option_id in OPTION_IDS}


class Comparison(Strict):
    """comparison.yaml: rows are the questions patients ask, columns the options."""

    rows: list[Row] = Field(min_length=1)


class Outcome(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    label: str = NonEmpty
    event: str = NonEmpty
    out_of: int = 100
    time_frame: str = NonEmpty
    chances: dict[str, Chance]

    @model_validator(mode="after")
    def _consistent(self) -> Outcome:
        if set(self.chances) != set(OPTION_IDS):
            raise ValueError(f"chances must be given for exactly {list(OPTION_IDS)}")
        for option_id, chance in self.chances.items():
            if chance.out_of != self.out_of:
                raise ValueError(
                    f"chances.{option_id}.out_of is {chance.out_of} but this outcome counts "
                    f"out of {self.out_of}: the denominator must be the same for every option")
            if chance.time_frame != self.time_frame:
                raise ValueError(
                    f"chances.{option_id}.time_frame is '{chance.time_frame}' but this outcome's "
                    f"is '{self.time_frame}': the time frame must be the same for every option")
        return self


class Outcomes(Strict):
    """outcomes.yaml: chances shown as icon arrays of 100 figures."""

    outcomes: list[Outcome] = Field(min_length=1)


class Exercise(Strict):
    id: str = Field(pattern=r"^[a-z_]+$")
    name: str = NonEmpty
    drawing: str = Field(pattern=r"^img/exercises/[a-z-]+\.svg$")
    drawing_alt: str = NonEmpty
    steps: list[str] = Field(min_length=2)
    starting_dose: str = NonEmpty
    take_care: str = NonEmpty


class HomeProgramme(Strict):
    """home_programme.yaml: the conservative-care handout a runner can follow at home."""

    intro: list[Statement] = Field(min_length=1)
    exercises: list[Exercise] = Field(min_length=1)
    dose_note: Statement
    pain_rule: list[Statement] = Field(min_length=1)
    cadence: list[Statement] = Field(min_length=1)
    footwear: list[Statement] = Field(min_length=1)
    cross_training: list[Statement] = Field(min_length=1)
    return_to_running: list[Statement] = Field(min_length=1)
    see_clinician_if: list[str] = Field(min_length=1)


# --- The consultation (used by the guided steps) ---------------------------------------------

class Choice(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    label: str = NonEmpty


class Prompt(Strict):
    """A "point to discuss" shown beside the options a safety answer concerns (clinician text)."""

    options: list[str] = Field(min_length=1)
    text: str = NonEmpty
    refs: list[int] = Field(min_length=1)
    certainty: Certainty

    @field_validator("options")
    @classmethod
    def _known(cls, options: list[str]) -> list[str]:
        unknown = set(options) - set(OPTION_IDS)
        if unknown:
            raise ValueError(f"unknown option ids {sorted(unknown)}")
        return options


class SafetyQuestion(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    topic: str = Field(min_length=1, max_length=40)  # a short name, shown beside the prompts
    question: str = NonEmpty
    prompts: list[Prompt] = Field(min_length=1)


class ValuesFactor(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    label: str = NonEmpty
    help: str = NonEmpty


class QuizItem(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    statement: str = NonEmpty
    answer: bool
    explanation: Statement


class SureQuestion(Strict):
    id: Literal["sure", "understand", "risk_benefit", "encouragement"]
    text: str = NonEmpty


class Sure(Strict):
    refs: list[int] = Field(min_length=1)
    questions: list[SureQuestion] = Field(min_length=4, max_length=4)
    low_score_note: str = NonEmpty


class Consultation(Strict):
    """consultation.yaml: the questions of the guided steps."""

    durations: list[Choice] = Field(min_length=2)
    activities: list[Choice] = Field(min_length=2)
    tried: list[Choice] = Field(min_length=2)
    knees: list[Choice] = Field(min_length=2)
    safety_questions: list[SafetyQuestion] = Field(min_length=1)
    values_scale: list[Choice] = Field(min_length=3)
    values_factors: list[ValuesFactor] = Field(min_length=3)
    quiz: list[QuizItem] = Field(min_length=3, max_length=5)
    sure: Sure


# --- "Is this runner's knee?" (assessment.yaml, optional: the step before the options) -------

class AssessmentStatement(Statement):
    """A statement of the assessment step. ``practical`` (a rule or pathway: cited, not graded)
    is allowed here until the shared ``Statement`` has it; then this class can simply become
    ``Statement``."""

    kind: Literal["evidence", "gap", "practical"] = "evidence"

    @model_validator(mode="after")
    def _practical_sourced(self) -> AssessmentStatement:
        if self.kind == "practical":
            if not self.refs:
                raise ValueError("a practical statement needs at least one reference id in 'refs'")
            if self.certainty is not None:
                raise ValueError("a practical statement has no 'certainty'")
        return self


class RedFlag(Strict):
    """A reason to stop before the options: the clinician's check and the patient's plain line."""

    id: str = Field(pattern=r"^[a-z_0-9]+$")
    clinician: str = NonEmpty   # the question the clinician answers (clinician-facing)
    patient: str = NonEmpty     # why we stop, in plain words (patient-facing, grade 8)
    refs: list[int] = Field(min_length=1)


class OtherCause(Strict):
    """Another diagnosis to think of before calling it runner's knee (clinician-facing)."""

    text: str = NonEmpty
    refs: list[int] = Field(default_factory=list)
    unverified: bool = False

    @model_validator(mode="after")
    def _sourced(self) -> OtherCause:
        if not self.refs and not self.unverified:
            raise ValueError("another cause needs 'refs', or 'unverified: true' when no source was seen")
        return self


class PointToDiscuss(AssessmentStatement):
    """A point shown beside the options it concerns, the same for each of them (never a ranking)."""

    topic: str = Field(min_length=1, max_length=40)
    options: list[str] = Field(min_length=1)

    @field_validator("options")
    @classmethod
    def _known_options(cls, options: list[str]) -> list[str]:
        unknown = set(options) - set(OPTION_IDS)
        if unknown:
            raise ValueError(f"unknown option ids {sorted(unknown)}")
        return [o for o in OPTION_IDS if o in options]


class StopText(Strict):
    """What the step says when the options are not discussed yet (patient-facing)."""

    heading: str = NonEmpty
    text: list[str] = Field(min_length=1)
    diagnosis_line: str = NonEmpty  # the reason shown when the diagnosis is not confirmed


class Assessment(Strict):
    """assessment.yaml: the "Is this runner's knee?" step and the age-shaped points to discuss."""

    intro: str = NonEmpty
    other_causes_intro: str = NonEmpty
    other_causes: list[OtherCause] = Field(min_length=1)
    diagnosis_question: str = NonEmpty
    diagnosis_hint: str = NonEmpty
    red_flags_intro: str = NonEmpty
    red_flags: list[RedFlag] = Field(min_length=1)
    stop: StopText
    under_18: list[PointToDiscuss] = Field(min_length=1)
    older_from_age: int = Field(ge=18, le=100)
    older: list[PointToDiscuss] = Field(min_length=1)
    race_date: list[PointToDiscuss] = Field(default_factory=list)

    @field_validator("red_flags")
    @classmethod
    def _unique_flags(cls, flags: list[RedFlag]) -> list[RedFlag]:
        ids = [f.id for f in flags]
        if len(ids) != len(set(ids)):
            raise ValueError("red flag ids must be unique")
        return flags
