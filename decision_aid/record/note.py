"""The note for the record: a revision as plain text under the headings a clinician expects.

Complete by construction: the note is a fixed tuple of sections (``HEADINGS``), each built by its
own function from the summary's typed sections (``consultation/sections.py``), and every line's
value passes through ``_value``, so a heading with nothing recorded says "not recorded" instead
of vanishing. The
Composition of the FHIR document (``record/fhir.py``) is made from the same sections.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .. import clinic_time
from ..consultation import summary
from ..consultation.sections import AssessmentAnswers, Outcome, Summary
from ..content import Content
from ..models import Discussion, Revision

NOT_RECORDED = "not recorded"
TITLE = "Runner's knee (patellofemoral pain): shared decision-making note"
# (key, heading) in the order of the note; the FHIR Composition's sections follow it.
HEADINGS = (
    ("situation", "Situation and red-flag check"),
    ("options", "Options discussed"),
    ("values", "What mattered to the patient"),
    ("knowledge", "Knowledge and SURE results"),
    ("decision", "Decision, in the patient's words"),
    ("open_questions", "Open questions"),
    ("next_steps", "Next steps and follow-up"),
)


@dataclass(frozen=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Header:
    patient_ref: str
    discussion_date: str
    clinician: str
    revision: str
    content: str

    def lines(self) -> tuple[Line, ...]:
        return (Line("Patient reference", self.patient_ref), Line("Date of the discussion", self.discussion_date),
                Line("Clinician", self.clinician), Line("Recorded", self.revision), Line("Content", self.content))


@dataclass(frozen=True)
class Note:
    header: Header
    sections: tuple[Section, ...]

    def __post_init__(self) -> None:
        if tuple((s.key, s.heading) for s in self.sections) != HEADINGS:
            raise ValueError("a note has every heading, in order")

    def text(self) -> str:
        out = [TITLE, *(_line(line) for line in self.header.lines())]
        for section in self.sections:
            out += ["", section.heading.upper(), *(f"- {_line(line)}" for line in section.lines)]
        return "\n".join(out) + "\n"


def _line(line: Line) -> str:
    # Typed text keeps its own line breaks, indented under its label.
    return f"{line.label}: " + "\n    ".join(line.value.splitlines() or [""])


def _value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value if v not in (None, ""))
    if value is None or (isinstance(value, str) and not value.strip()):
        return NOT_RECORDED
    return str(value).strip()


def _quoted(text: str | None) -> str:
    return f"“{text.strip()}”" if text and text.strip() else NOT_RECORDED


def _day(day: dt.date | None) -> str | None:
    return day.strftime("%-d %B %Y") if day else None


def _red_flags(outcome: Outcome, answers: AssessmentAnswers) -> str:
    flags = answers.flags
    if not outcome.answered or not flags:
        return NOT_RECORDED
    if all(flag.answer == "No" for flag in flags):
        return f"none: all {len(flags)} checked and answered No"
    return "; ".join(f"{flag.text}: {flag.answer or NOT_RECORDED}" for flag in flags if flag.answer != "No")


def _situation(s: Summary) -> Section:
    sit = s.clinical.situation
    lines = [Line("Knee", _value(s.patient.head.knees)), Line("Pain for", _value(sit.duration)),
             Line("Activities that hurt", _value(sit.activities)),
             Line("Pain now (0 to 10)", _value(sit.pain_now)),
             Line("Tried already", _value([*sit.tried, sit.tried_other])),
             Line("Running goals", _value(sit.running_goals)), Line("Next race", _value(_day(sit.race_date)))]
    outcome, a = s.patient.assessment, s.clinical.assessment
    if outcome is not None and a is not None:  # content without "Is this runner's knee?" (2026.1) never asked these
        lines += [Line(f"Assessment: {a.diagnosis_question}", _value(a.diagnosis)),
                  Line("Red flags", _red_flags(outcome, a)), Line("Age", _value(outcome.age))]
        if a.companion:
            lines.append(Line("Under 18, with them", a.companion))
        if outcome.held:
            lines.append(Line("Paused", "before the options: needs assessment first"))
    lines += [Line(f"Health question: {q.question}", _value(q.answer)) for q in s.clinical.health.answers]
    return Section("situation", dict(HEADINGS)["situation"], tuple(lines))


def _options(s: Summary, content: Content) -> Section:
    names = "; ".join(o.name for o in content.options)
    raised = [f"{g.option_name}: {', '.join(item.topic for item in g.items)}" for g in s.clinical.prompts if g.items]
    held = bool(s.patient.assessment and s.patient.assessment.held)
    lines = (Line("Content version", f"{content.version} (content hash {content.content_hash[:12]})"),
             Line("Options shown", "not shown: paused for assessment" if held else
                  f"all four, in the fixed order, with the same content, none recommended: {names}"),
             Line("Points to discuss raised by the answers", "; ".join(raised) if raised else "none"),
             Line("Questions or notes about the options", _value(s.patient.points.option_notes)))
    return Section("options", dict(HEADINGS)["options"], lines)


def _values(s: Summary) -> Section:
    mattered = s.patient.mattered
    lines = [Line(v.label, _value(v.rating)) for v in mattered.ratings]
    lines.append(Line("Anything else that matters, in the patient's words", _quoted(mattered.own_factors)))
    return Section("values", dict(HEADINGS)["values"], tuple(lines))


def _knowledge(s: Summary) -> Section:
    knowledge = s.clinical.knowledge
    if knowledge.checked:
        right = [q for q in knowledge.quiz if q.right]
        missed = [f"{q.statement} (answered {q.given or NOT_RECORDED}; it is {q.correct})"
                  for q in knowledge.quiz if not q.right]
        check = f"{len(right)} of {len(knowledge.quiz)} answered correctly"
    else:
        check, missed = NOT_RECORDED, []
    sure = knowledge.sure
    score = f"{sure.score} of {len(sure.items)}" + (f". {sure.low_score_note}" if sure.low else "") \
        if sure.answered else NOT_RECORDED
    lines = [Line("Check of understanding", check)]
    if missed:
        lines.append(Line("To go over again", "; ".join(missed)))
    lines.append(Line("SURE test", score))
    lines += [Line(f"SURE: {item.text}", _value(item.answer)) for item in sure.items]
    return Section("knowledge", dict(HEADINGS)["knowledge"], tuple(lines))


def _decision(s: Summary) -> Section:
    d = s.patient.decision
    if not d.decided:
        choice = "not decided"
    elif d.other_text:
        choice = f"{d.choice_label}: {d.other_text.strip()}"
    else:
        choice = d.choice_label
    lines = (Line("Decision", choice), Line("Reasons, in the patient's words", _quoted(d.reasons)))
    return Section("decision", dict(HEADINGS)["decision"], lines)


def _open_questions(s: Summary) -> Section:
    return Section("open_questions", dict(HEADINGS)["open_questions"],
                   (Line("Questions still open", _value(s.patient.decision.open_questions)),))


def _next_steps(s: Summary) -> Section:
    steps, notes = s.patient.next_steps, s.clinical.notes
    lines = [Line("Next steps", _value(steps.next_steps)), Line("Follow-up", _value(_day(steps.follow_up))),
             Line("Clinician's notes", _value(notes.notes))]
    lines += [Line(f"Note at revision {n.revision} ({n.date}, {n.author})", _value(n.note))
              for n in notes.amendments]
    return Section("next_steps", dict(HEADINGS)["next_steps"], tuple(lines))


def recorded_line(revision: Revision, count: int, time_zone: str | None) -> str:
    when = clinic_time.shown(revision.created_at, time_zone)
    why = f"; why: {revision.reason}" if revision.number > 1 else ""
    return f"revision {revision.number} of {count}, {when}, by {revision.author}{why}"


def build(discussion: Discussion, revision: Revision, content: Content, time_zone: str | None) -> Note:
    """The note of one revision, in the words of the content version it was shown."""
    s = summary.build(revision.answers, content)
    head = s.patient.head
    header = Header(patient_ref=_value(head.patient_ref), discussion_date=_value(_day(head.date)),
                    clinician=_value(head.clinician),
                    revision=recorded_line(revision, len(discussion.revisions), time_zone),
                    content=f"decision aid content {content.version}; the aid does not recommend a treatment")
    sections = (_situation(s), _options(s, content), _values(s), _knowledge(s), _decision(s),
                _open_questions(s), _next_steps(s))
    return Note(header=header, sections=sections)

