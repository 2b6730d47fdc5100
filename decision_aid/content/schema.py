"""The shape of the clinical content files, checked when the app starts.

Each YAML file in a content version folder has one top-level model here. Checks that span
files (reference ids exist, every option has a cell in every row) live in ``loader.py``.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

# The fixed order of the options. Content must list exactly these, in this order.
OPTION_IDS = ("conservative", "corticosteroid", "prp", "hyaluronic_acid")

Certainty = Literal["high", "moderate", "low", "very low"]
NonEmpty = Field(min_length=1)


class _ProseMark:
    """Marks a string field as prose: words a person reads, which a translation translates.

    Everything not marked (ids, enum-like tokens, certainty, numbers, dates, booleans,
    reference ids, file names, URLs) must be identical in every translation: the comparison
    check (``translations.py``) finds the prose fields by this mark, never by guessing.
    Marked only in the files a translation translates (see ``translations.TRANSLATED_FILES``),
    ``meta.yaml`` among them.
    """

    def __repr__(self) -> str:
        return "PROSE"


PROSE = _ProseMark()
Prose = Annotated[str, Field(min_length=1), PROSE]
# What kind of source a reference is, and whom it studied: together they set the highest
# certainty a statement citing it may carry (see ``rules.ceiling``).
ReferenceKind = Literal["trial", "review", "observational", "guideline", "expert", "leaflet",
                        "commercial", "instrument"]
Population = Literal["pfp", "arthritis", "other"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Statement(Strict):
    """One clinical claim with its sources and the certainty of its evidence.

    ``kind: gap`` says that evidence is missing (e.g. "No trials in runner's knee"): there is
    nothing to grade. ``kind: practical`` is a fact about how something is done or run (steps,
    visits, waiting, prices, what clinics advise): it is cited but not graded, and is shown with
    the kind of its source ("Source: NHS leaflets") instead of a certainty.
    ``unverified: true`` marks a fact the evidence file tags "(verify)": it is shown with an
    "unverified" label until a clinical reviewer confirms it.
    """

    text: Prose
    refs: list[int] = Field(default_factory=list)
    certainty: Certainty | None = None
    kind: Literal["evidence", "gap", "practical"] = "evidence"
    unverified: bool = False
    # Set by the loader from the references' kinds (``rules.SourceWords``, read as words in the
    # page's language: "patient leaflets and clinic web page"): a practical statement shows it
    # instead of a certainty. Not part of the file or the hash.
    _source: Any = PrivateAttr(default=None)

    @property
    def source_label(self) -> Any:
        return self._source

    @model_validator(mode="after")
    def _sourced(self) -> Statement:
        if self.kind == "evidence":
            if not self.refs:
                raise ValueError("a statement needs at least one reference id in 'refs'")
            if self.certainty is None:
                raise ValueError("a statement needs a 'certainty' (high, moderate, low, very low)")
        elif self.kind == "practical":
            if not self.refs:
                raise ValueError("a practical statement needs at least one reference id in 'refs'")
            if self.certainty is not None:
                raise ValueError("a practical statement has no 'certainty': it is shown with its "
                                 "kind of source instead")
        return self


# Under rules 1 these were plain strings; rules 2 requires statements (see ``rules.py``).
Statements = Annotated[list[Statement], Field(min_length=1)]
TextOrStatements = Prose | Statements
TextsOrStatements = Annotated[list[Prose], Field(min_length=1)] | Statements


class Author(Strict):
    # A team's name ("Decision aid development team") reads as words; a person's name a
    # translator leaves as it is (prose only says it may be translated).
    name: Prose
    role: Prose


class ContentReview(Strict):
    """A review of this content's clinical text: by role, never an invented name."""

    role: Prose
    date: dt.date
    summary: Prose


class Meta(Strict):
    """meta.yaml: who made this content, when, and how it is kept up to date.

    ``rules`` is the level of checks the version was written to: 1 (2026.1, the default) or 2,
    which adds the reference kinds, the certainty ceiling and statements everywhere (rules.py).
    """

    version: str = Field(pattern=r"^\d{4}\.\d+$")
    rules: Literal[1, 2] = 1
    # The sentences are prose: a translation's meta.yaml translates them (the no-recommendation
    # line and the review status are on every page and PDF); version, rules and dates stay.
    title: Prose
    produced: dt.date
    evidence_searched: dt.date
    next_review: dt.date
    authors: list[Author] = Field(min_length=1)
    review_status: Prose
    update_policy: Prose
    funding: Prose
    conflicts_of_interest: Prose
    no_recommendation: Prose
    certainty_levels: dict[Certainty, Prose]
    # Shown on the About page; required under rules 2.
    evidence_method: Prose | None = None  # how the evidence was found and chosen: sources, dates
    user_testing: Prose | None = None     # whether patients and clinicians have tested the aid
    reviews: list[ContentReview] = Field(default_factory=list)

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
    kind: ReferenceKind | None = None       # required under rules 2
    population: Population | None = None    # required under rules 2


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
    time_frame: Prose
    refs: list[int] = Field(default_factory=list)
    certainty: Certainty | None = None
    note: Prose | None = None
    no_number: Prose | None = None
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
    event: Prose
    out_of: int = 100
    chances: list[Chance] = Field(min_length=1)


class AboutAid(Strict):
    is_: list[Prose] = Field(alias="is", min_length=1)
    is_not: list[Prose] = Field(min_length=1)


class Condition(Strict):
    """condition.yaml: the start page."""

    name: Prose
    clinical_name: Prose
    what_it_is: list[Statement] = Field(min_length=1)
    causes: list[Statement] = Field(min_length=1)
    symptoms: list[Statement] = Field(min_length=1)
    diagnosis: list[Statement] = Field(min_length=1)
    rule_out_intro: Prose
    rule_out: list[Statement] = Field(min_length=1)
    decision: TextsOrStatements
    natural_course: NaturalCourse
    about_aid: AboutAid


class Section(Strict):
    heading: Prose
    statements: list[Statement] = Field(min_length=1)


class Option(Strict):
    id: str
    name: Prose
    short_name: Prose
    summary: TextOrStatements
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
    question: Prose
    # Shown once under the question, for every option: what a change means (e.g. the smallest
    # change in pain that patients notice), so each cell can be read against it.
    yardstick: list[Statement] = Field(default_factory=list)
    cells: dict[str, list[Statement]]
    # Optional: a few words per option for the one-screen overview, written from that cell's
    # own statements (same facts, no new claims). Patient text: checked like the cells.
    short: dict[str, Prose] = Field(default_factory=dict)

    @field_validator("short")
    @classmethod
    def _short_for_every_option(cls, short: dict) -> dict:
        if short and set(short) != set(OPTION_IDS):
            raise ValueError(f"short must be given for all of {list(OPTION_IDS)} or none, got {sorted(short)}")
        if any(not text.strip() for text in short.values()):
            raise ValueError("a short answer cannot be empty")
        return {option_id: short[option_id] for option_id in OPTION_IDS if option_id in short}

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
    """One event (never two under one label), counted per person or per injection.

    ``overall`` is the yardstick: the chance for everyone in the trials together, whatever care
    they had. It is drawn first, before the four options, and never counts as one option's result.
    """

    id: str = Field(pattern=r"^[a-z_0-9]+$")
    label: Prose
    event: Prose
    out_of: int = 100
    unit: Literal["people", "injections"] = "people"
    time_frame: Prose
    overall: Chance | None = None
    overall_label: Prose | None = None
    chances: dict[str, Chance]

    @model_validator(mode="after")
    def _consistent(self) -> Outcome:
        if set(self.chances) != set(OPTION_IDS):
            raise ValueError(f"chances must be given for exactly {list(OPTION_IDS)}")
        if (self.overall is None) != (self.overall_label is None):
            raise ValueError("'overall' and 'overall_label' go together: give both or neither")
        if self.overall is not None:
            if self.overall.count is None:
                raise ValueError("'overall' is the yardstick drawn first: it needs a 'count'")
            if self.overall.out_of != self.out_of or self.overall.time_frame != self.time_frame:
                raise ValueError("'overall' must count out of the same number and over the same "
                                 "time frame as the options")
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
    name: Prose
    drawing: str = Field(pattern=r"^img/exercises/[a-z-]+\.svg$")
    drawing_alt: Prose
    steps: list[Prose] = Field(min_length=2)
    starting_dose: Prose
    take_care: Prose
    # Where the steps, dose and cues come from (usually a practical statement); rules 2 needs it.
    source: Statement | None = None


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
    see_clinician_if: TextsOrStatements


# --- The consultation (used by the guided steps) ---------------------------------------------

class Choice(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    label: Prose


class Prompt(Strict):
    """A "point to discuss" shown beside the options a safety answer concerns (clinician text)."""

    options: list[str] = Field(min_length=1)
    text: Prose
    refs: list[int] = Field(min_length=1)
    certainty: Certainty

    @field_validator("options")
    @classmethod
    def _known(cls, options: list[str]) -> list[str]:
        unknown = set(options) - set(OPTION_IDS)
        if unknown:
            raise ValueError(f"unknown option ids {sorted(unknown)}")
        return options


class SafetyDetail(Strict):
    """A question asked after a "Yes" (for example which injection, and roughly when)."""

    id: str = Field(pattern=r"^[a-z_0-9]+$")
    question: Prose
    choices: list[Choice] = Field(min_length=2)


class DetailPrompt(Prompt):
    """A point to discuss shown only for some detail answers: ``when`` maps a detail's id to the
    answers that raise it (every listed detail must match)."""

    when: dict[str, list[str]] = Field(min_length=1)


class SafetyQuestion(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    topic: Annotated[Prose, Field(max_length=40)]  # a short name, shown beside the prompts
    question: Prose
    hint: Prose | None = None
    # The label of a "does not apply" answer, for a question that cannot apply to everyone
    # (pregnancy); the clinician picks it, the aid never guesses it.
    not_applicable: Prose | None = None
    prompts: list[Prompt] = Field(min_length=1)
    details: list[SafetyDetail] = []
    detail_prompts: list[DetailPrompt] = []

    @model_validator(mode="after")
    def _detail_prompts_name_known_answers(self) -> "SafetyQuestion":
        known = {d.id: {c.id for c in d.choices} for d in self.details}
        for prompt in self.detail_prompts:
            for detail_id, answers in prompt.when.items():
                if detail_id not in known:
                    raise ValueError(f"detail_prompts: unknown detail {detail_id!r}")
                if unknown := set(answers) - known[detail_id]:
                    raise ValueError(f"detail_prompts: unknown answers {sorted(unknown)} for {detail_id!r}")
        return self


class ValuesFactor(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    label: Prose
    help: Prose


class QuizItem(Strict):
    id: str = Field(pattern=r"^[a-z_0-9]+$")
    statement: Prose
    answer: bool
    explanation: Statement


class SureQuestion(Strict):
    id: Literal["sure", "understand", "risk_benefit", "encouragement"]
    text: Prose


class Sure(Strict):
    refs: list[int] = Field(min_length=1)
    questions: list[SureQuestion] = Field(min_length=4, max_length=4)
    low_score_note: Prose


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


class PointToDiscuss(Statement):
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


# --- A translation of a version (translations/<lang>/translation.yaml) ------------------------

# A BCP 47 tag: a language ("pl", "ar"), optionally a region or script; "x-…" is private use
# (the tests' pseudo language, translations.pseudo_translation).
LANGUAGE_TAG = r"^([a-z]{2,3}|x)(-[A-Za-z0-9]{2,8})*$"


class TranslationMeta(Strict):
    """translation.yaml: which language, and what English it was translated from.

    Its review status is not here: a translation is signed off in the database, like the
    content (``signoff.py``).
    """

    language: str = Field(pattern=LANGUAGE_TAG)
    name: str = NonEmpty           # the language's own name, shown in the language chooser
    english_name: str = NonEmpty
    direction: Literal["ltr", "rtl"]
    translated_from_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    translator: str = NonEmpty
    notes: str | None = None
