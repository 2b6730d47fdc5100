"""The summary of a discussion, section by section (``sections.py``): it feeds the summary step,
the review page, the patient's summary PDF, the clinical record PDF and the note for the record.

Answers are shown as they were given. Ratings are listed, never added up; safety answers add
points to discuss beside the options they concern, and every option is always listed, in the
fixed order, with the same content. Labels come from the content and ``choices.py``; the words
around them are in the templates.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from .. import presenting
from ..content import Content
from ..content.loader import cited_refs
from ..content.schema import Reference
from . import assessment as gate
from . import health
from .choices import OTHER_CHOICES, QUIZ_PREFIX, SURE_PREFIX, TRUE_FALSE, VALUE_PREFIX, YES_NO, YES_NO_UNSURE
from .sections import (AmendmentNote, AssessmentAnswers, Chance, ClinicalSections, ClinicianNotes, Decision,
                       FlagAnswer, Head, HealthAnswer, HealthAnswers, HealthDetail, Knowledge, Mattered, NextSteps,
                       OptionLine, OptionPoints, Outcome, PatientSummary, PlainPoint, Point, PointsDiscussed,
                       QuizAnswer, Rating, Recorded, Shown, Situation, Summary, Sure, SureAnswer)


def _label(choices, value) -> str | None:
    """The answer's label, as words of the language the summary is built in (a fixed choice's
    label is translated lazily: made a string here, so a section holds plain text)."""
    for choice_id, label in choices:
        if choice_id == value:
            return str(label)
    return None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _text(value: Any) -> str | None:
    return value or None


def _references(content: Content, *documents: Any) -> tuple[Reference, ...]:
    """The references the given parts of the content cite, in id order."""
    ids = {i for document in documents for _where, refs in cited_refs(document, "") for i in refs}
    return tuple(content.references[i] for i in sorted(ids))


def _age_or_race_point(point) -> Point:
    """An age or race-date point (patient-facing; no answer is quoted)."""
    return Point(topic=point.topic, text=point.text, refs=tuple(point.refs), certainty=point.certainty,
                 kind=point.kind, unverified=point.unverified, source_label=point.source_label,
                 question=None, answer=None, source=point)


def _safety_point(question, prompt, answer: str | None) -> Point:
    """A health question's prompt (clinician-facing), quoting the question and its answer."""
    return Point(topic=question.topic, text=prompt.text, refs=tuple(prompt.refs), certainty=prompt.certainty,
                 kind="evidence", unverified=False, source_label=None, question=question.question,
                 answer=answer, source=prompt)


def prompts_by_option(content: Content, situation: dict, assessment: dict | None = None) -> tuple[OptionPoints, ...]:
    """Points to discuss, per option in the fixed order (an option may have none).

    The age-shaped and race-date points come first; each is the same for every option it
    concerns, so they add to what is discussed and never rank the options.
    """
    by_option: dict[str, list[Point]] = {o.id: [] for o in content.options}
    for point in gate.age_points(content, assessment or {}) + gate.race_points(content, situation):
        for option_id in point.options:
            by_option[option_id].append(_age_or_race_point(point))
    for question in content.consultation.safety_questions:
        if not health.raises_prompts(question, situation):
            continue
        raised = [(p, health.answer_label(question, situation)) for p in question.prompts]
        # A point the content ties to the details (which injection, when) quotes them too.
        raised += [(p, health.answer_with_details(question, situation))
                   for p in health.detail_prompts(question, situation)]
        for prompt, answer in raised:
            for option_id in prompt.options:
                by_option[option_id].append(_safety_point(question, prompt, answer))
    return tuple(OptionPoints(option_id=o.id, option_name=o.short_name, items=tuple(by_option[o.id]))
                 for o in content.options)


def points_in_plain_words(prompts: tuple[OptionPoints, ...]) -> tuple[PlainPoint, ...]:
    """The points discussed, once per topic, for the patient's summary.

    A safety prompt is written for the clinician, so only its topic and the options it concerns
    are printed (its clinical wording stays in the clinical record); an age or race-date point
    is patient-facing and printed in full with its sources.
    """
    found: dict[tuple, tuple[Point | None, list[str]]] = {}
    for group in prompts:
        for item in group.items:
            for_patient = item if item.question is None else None
            _point, options = found.setdefault((item.topic, for_patient and item.text), (for_patient, []))
            if group.option_name not in options:
                options.append(group.option_name)
    return tuple(PlainPoint(topic=key[0], options=tuple(options), point=point)
                 for key, (point, options) in found.items())


def option_lines(content: Content, outcomes: list[dict[str, Any]]) -> tuple[OptionLine, ...]:
    """Each option in one line, in the fixed order: what it is and its chances (every outcome,
    the same ones for every option). ``outcomes`` is ``presenting.comparison()``'s."""
    lines = []
    for option in content.options:
        first = option.summary if isinstance(option.summary, str) else option.summary[0]
        chances = []
        for row in outcomes:
            c = next(c for c in row["chances"] if c["option_id"] == option.id)
            chances.append(Chance(label=row["label"], sentence=c.get("sentence"), refs=tuple(c["refs"]),
                                  certainty=c["certainty"], unverified=c["unverified"]))
        lines.append(OptionLine(name=option.name, summary=first, chances=tuple(chances)))
    return tuple(lines)


def _outcome(answers: dict, content: Content) -> tuple[Outcome | None, AssessmentAnswers | None]:
    """"Is this runner's knee?" as answered: what the patient reads, and the clinician's answers.
    Both None for content without the step (2026.1)."""
    a = content.assessment
    if a is None:
        return None, None
    answered = bool(answers)
    outcome = Outcome(answered=answered, age=gate.age_of(answers),
                      flags_found=tuple(f.patient for f in gate.flags_found(answers, a)),
                      held=answered and bool(gate.hold_reasons(answers, a)))
    given = AssessmentAnswers(
        diagnosis_question=a.diagnosis_question, diagnosis=_label(gate.DIAGNOSIS_CHOICES, answers.get("diagnosis")),
        flags=tuple(FlagAnswer(text=f.clinician, answer=_label(YES_NO_UNSURE, answers.get(f"{gate.FLAG_PREFIX}{f.id}")))
                    for f in a.red_flags),
        companion=_label(gate.COMPANION_CHOICES, answers.get("companion")))
    return outcome, given


def _decision(decision: dict, content: Content) -> Decision:
    choice = decision.get("choice") or None
    label = next((o.name for o in content.options if o.id == choice), None) or _label(OTHER_CHOICES, choice)
    return Decision(decided=bool(choice), choice=choice, choice_label=label,
                    other_text=_text(decision.get("other_text")) if choice == "other" else None,
                    reasons=_text(decision.get("reasons")), open_questions=_text(decision.get("open_questions")))


def _situation(situation: dict, content: Content) -> Situation:
    c = content.consultation
    return Situation(
        answered=bool(situation),
        duration=_label([(d.id, d.label) for d in c.durations], situation.get("duration")),
        activities=tuple(a.label for a in c.activities if a.id in situation.get("activities", [])),
        pain_now=situation.get("pain_now"),
        tried=tuple(t.label for t in c.tried if t.id in situation.get("tried", [])),
        tried_other=_text(situation.get("tried_other")), running_goals=_text(situation.get("running_goals")),
        race_date=_date(situation.get("race_date")))


def _health(situation: dict, content: Content) -> HealthAnswers:
    return HealthAnswers(
        answers=tuple(HealthAnswer(question=q.question, answer=health.answer_label(q, situation),
                                   details=tuple(HealthDetail(**d) for d in health.details_in_words(q, situation)))
                      for q in content.consultation.safety_questions),
        none_apply=health.none_apply_confirmed(situation))


def _knowledge(check: dict, ready: dict, content: Content) -> Knowledge:
    c = content.consultation
    quiz = tuple(QuizAnswer(statement=item.statement, given=_label(TRUE_FALSE, check.get(f"{QUIZ_PREFIX}{item.id}")),
                            correct=_label(TRUE_FALSE, "true" if item.answer else "false"),
                            explanation=item.explanation)
                 for item in c.quiz)
    sure = Sure(items=tuple(SureAnswer(text=q.text, answer=_label(YES_NO, ready.get(f"{SURE_PREFIX}{q.id}")))
                            for q in c.sure.questions),
                score=sum(1 for q in c.sure.questions if ready.get(f"{SURE_PREFIX}{q.id}") == "yes"),
                refs=tuple(c.sure.refs), low_score_note=c.sure.low_score_note)
    return Knowledge(checked=bool(check), quiz=quiz, sure=sure)


def _notes(answers: dict) -> ClinicianNotes:
    return ClinicianNotes(
        notes=_text(answers.get("decision", {}).get("clinician_notes")),
        amendments=tuple(AmendmentNote(revision=n["revision"], date=dt.date.fromisoformat(n["date"]),
                                       author=n["author"], note=n["note"])
                         for n in answers.get("amendment_notes", [])))


def build(answers: dict, content: Content, *, recorded: Recorded | None = None,
          id_prefix: str = "summary") -> Summary:
    """The summary of one set of answers (a revision's, or a discussion's so far) in the words of
    its own content version; ``recorded`` names the revision."""
    c = content.consultation
    start = answers.get("start", {})
    situation = answers.get("situation", {})
    decision = answers.get("decision", {})
    values = answers.get("values", {})
    outcome, assessment_answers = _outcome(answers.get(gate.ASSESSMENT, {}), content)
    held = bool(outcome and outcome.held)  # paused before the options: only what is shown is cited

    prompts = prompts_by_option(content, situation, answers.get(gate.ASSESSMENT, {}))
    knowledge = _knowledge(answers.get("check", {}), answers.get("ready", {}), content)
    explanations = [q.explanation for q in knowledge.quiz]
    if held:
        shown = [explanations if knowledge.checked else []]
    else:
        shown = [content.comparison, content.outcomes, [o.evidence_base for o in content.options], explanations,
                 [p.source for group in prompts for p in group.items]]
    comparison = presenting.comparison(content, id_prefix=id_prefix)
    lines = option_lines(content, comparison["outcomes"])
    points = points_in_plain_words(prompts)
    chances = [o.chances[option.id] for o in content.outcomes.outcomes for option in content.options]
    patient_cites = [] if held else [[line.summary for line in lines], chances,
                                     [p.point.source for p in points if p.point]]

    scale = [(choice.id, choice.label) for choice in c.values_scale]
    patient = PatientSummary(
        head=Head(patient_ref=_text(start.get("patient_ref")), clinician=_text(start.get("clinician")),
                  date=_date(start.get("discussion_date")),
                  knees=_label([(k.id, k.label) for k in c.knees], start.get("knees")),
                  recorded=recorded, content_version=content.version,
                  no_recommendation=content.meta.no_recommendation),
        assessment=outcome,
        decision=_decision(decision, content),
        next_steps=NextSteps(next_steps=_text(decision.get("next_steps")),
                             follow_up=_date(decision.get("follow_up_date"))),
        mattered=Mattered(ratings=tuple(Rating(label=f.label, rating=_label(scale, values.get(f"{VALUE_PREFIX}{f.id}")))
                                        for f in c.values_factors),
                          own_factors=_text(values.get("own_factors"))),
        points=PointsDiscussed(points=points, option_notes=_text(answers.get("options", {}).get("option_notes"))),
        options=lines,
        references=_references(content, *patient_cites))
    clinical = ClinicalSections(
        notes=_notes(answers), prompts=prompts, health=_health(situation, content),
        situation=_situation(situation, content), assessment=assessment_answers, knowledge=knowledge,
        shown=Shown(comparison=comparison, references=_references(content, *shown, c.sure)))
    return Summary(patient=patient, clinical=clinical)


def with_clinicians_parts(page: Summary, clinicians: Summary) -> Summary:
    """The summary step of a discussion in another language than the clinician's: ``page`` built
    in the patient's language, with the clinician's own parts – "Is this runner's knee?" and the
    points to discuss in their clinical wording – taken from ``clinicians`` (the same answers in
    the clinician's language)."""
    return Summary(patient=dataclasses.replace(page.patient, assessment=clinicians.patient.assessment),
                   clinical=dataclasses.replace(page.clinical, prompts=clinicians.clinical.prompts,
                                                assessment=clinicians.clinical.assessment))
