"""The summary of a discussion as one plain dict: it feeds the summary page, the patient's
summary PDF and the clinical record PDF.

Answers are shown as they were given. Ratings are listed, never added up; safety answers add
points to discuss beside the options they concern, and every option is always listed, in the
fixed order, with the same content.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from .. import presenting
from ..content import Content
from . import assessment as gate
from . import health
from .choices import OTHER_CHOICES, QUIZ_PREFIX, SURE_PREFIX, TRUE_FALSE, VALUE_PREFIX, YES_NO, YES_NO_UNSURE


def _label(choices, value) -> str | None:
    for choice_id, label in choices:
        if choice_id == value:
            return label
    return None


def _date(value: str | None) -> str | None:
    return dt.date.fromisoformat(value).strftime("%-d %B %Y") if value else None


def _point(point) -> dict[str, Any]:
    """An age or race-date point, shaped like a safety prompt (no answer is quoted)."""
    return {"question": None, "topic": point.topic, "answer": None, "text": point.text, "refs": point.refs,
            "certainty": point.certainty, "kind": point.kind, "unverified": point.unverified}


def prompts_by_option(content: Content, situation: dict, assessment: dict | None = None) -> list[dict[str, Any]]:
    """Points to discuss, per option in the fixed order (an option may have none).

    The age-shaped and race-date points come first; each is the same for every option it
    concerns, so they add to what is discussed and never rank the options.
    """
    by_option = {o.id: [] for o in content.options}
    for point in gate.age_points(content, assessment or {}) + gate.race_points(content, situation):
        for option_id in point.options:
            by_option[option_id].append(_point(point))
    for question in content.consultation.safety_questions:
        if not health.raises_prompts(question, situation):
            continue
        raised = [(p, health.answer_label(question, situation)) for p in question.prompts]
        # A point the content ties to the details (which injection, when) quotes them too.
        raised += [(p, health.answer_with_details(question, situation))
                   for p in health.detail_prompts(question, situation)]
        for prompt, answer in raised:
            for option_id in prompt.options:
                by_option[option_id].append({
                    "question": question.question, "topic": question.topic, "answer": answer,
                    "text": prompt.text, "refs": prompt.refs, "certainty": prompt.certainty,
                    "kind": "evidence", "unverified": False})
    return [{"option_id": o.id, "option_name": o.short_name, "items": by_option[o.id]}
            for o in content.options]


def _assessment(answers: dict, content: Content) -> dict[str, Any] | None:
    """"Is this runner's knee?" as answered; None for content without the step (2026.1)."""
    a = content.assessment
    if a is None:
        return None
    found = gate.flags_found(answers, a)
    return {
        "answered": bool(answers),
        "diagnosis_question": a.diagnosis_question,
        "diagnosis": _label(gate.DIAGNOSIS_CHOICES, answers.get("diagnosis")),
        "flags": [{"text": f.clinician, "answer": _label(YES_NO_UNSURE, answers.get(f"{gate.FLAG_PREFIX}{f.id}"))}
                  for f in a.red_flags],
        "flags_found": [f.patient for f in found],
        "age": gate.age_of(answers),
        "companion": _label(gate.COMPANION_CHOICES, answers.get("companion")),
        "held": bool(answers) and bool(gate.hold_reasons(answers, a)),
    }


def points_in_plain_words(prompts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The points discussed, once per topic, for the patient's summary.

    A safety prompt is written for the clinician, so only its topic and the options it concerns
    are printed (its clinical wording stays in the clinical record); an age or race-date point
    is patient-facing and printed in full with its sources.
    """
    points: dict[tuple, dict[str, Any]] = {}
    for group in prompts:
        for item in group["items"]:
            key = (item["topic"], None if item["question"] else item["text"])
            point = points.setdefault(key, {
                "topic": item["topic"], "options": [],
                "text": None if item["question"] else item["text"],
                "refs": [] if item["question"] else item["refs"],
                "certainty": item["certainty"], "kind": item["kind"], "unverified": item["unverified"]})
            if group["option_name"] not in point["options"]:
                point["options"].append(group["option_name"])
    return list(points.values())


def option_lines(content: Content, outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each option in one line, in the fixed order: what it is and its chances (every outcome,
    the same ones for every option)."""
    lines = []
    for option in content.options:
        first = option.summary if isinstance(option.summary, str) else option.summary[0]
        chances = [{**next(c for c in row["chances"] if c["option_id"] == option.id), "label": row["label"]}
                   for row in outcomes]
        lines.append({"name": option.name, "summary": first, "chances": chances})
    return lines


def build(answers: dict, content: Content, *, status: str, revision: dict | None = None,
          id_prefix: str = "summary") -> dict[str, Any]:
    c = content.consultation
    start = answers.get("start", {})
    situation = answers.get("situation", {})
    values = answers.get("values", {})
    check = answers.get("check", {})
    ready = answers.get("ready", {})
    decision = answers.get("decision", {})
    assessed = answers.get(gate.ASSESSMENT, {})

    option_names = {o.id: o.name for o in content.options}
    choice = decision.get("choice")
    choice_label = option_names.get(choice) or _label(OTHER_CHOICES, choice)

    sure_items = [{"text": q.text, "answer": _label(YES_NO, ready.get(f"{SURE_PREFIX}{q.id}"))}
                  for q in c.sure.questions]
    sure_answered = all(item["answer"] for item in sure_items)
    sure_score = sum(1 for q in c.sure.questions if ready.get(f"{SURE_PREFIX}{q.id}") == "yes")

    quiz = []
    for item in c.quiz:
        given = check.get(f"{QUIZ_PREFIX}{item.id}")
        quiz.append({"statement": item.statement, "given": _label(TRUE_FALSE, given),
                     "correct": "True" if item.answer else "False",
                     "explanation": item.explanation})

    scale = [(choice.id, choice.label) for choice in c.values_scale]
    prompts = prompts_by_option(content, situation, assessed)
    assessment = _assessment(assessed, content)
    if assessment and assessment["held"]:  # paused before the options: only what is shown is cited
        shown = [[item["explanation"] for item in quiz] if check else []]
    else:
        shown = [content.comparison, content.outcomes, [o.evidence_base for o in content.options],
                 [item["explanation"] for item in quiz], [p for group in prompts for p in group["items"]]]
    references = presenting.cited_references(content, *shown, c.sure)
    points = points_in_plain_words(prompts)
    comparison = presenting.comparison(content, id_prefix=id_prefix)
    lines = option_lines(content, comparison["outcomes"])
    held = bool(assessment and assessment["held"])
    patient_references = presenting.cited_references(
        content, *([] if held else [[line["summary"] for line in lines],
                                    [c for line in lines for c in line["chances"]],
                                    [p for p in points if p["text"]]]))

    return {
        "status": status,
        "revision": revision,
        "patient_ref": start.get("patient_ref") or None,
        "clinician": start.get("clinician"),
        "date": _date(start.get("discussion_date")),
        "knees": _label([(k.id, k.label) for k in c.knees], start.get("knees")),
        "decision": {
            "answered": bool(choice),
            "choice": choice,
            "choice_label": choice_label,
            "other_text": decision.get("other_text") if choice == "other" else None,
            "reasons": decision.get("reasons"),
            "open_questions": decision.get("open_questions"),
            "next_steps": decision.get("next_steps"),
            "follow_up": _date(decision.get("follow_up_date")),
            "clinician_notes": decision.get("clinician_notes"),
        },
        "situation": {
            "answered": bool(situation),
            "duration": _label([(d.id, d.label) for d in c.durations], situation.get("duration")),
            "activities": [a.label for a in c.activities if a.id in situation.get("activities", [])],
            "pain_now": situation.get("pain_now"),
            "tried": [t.label for t in c.tried if t.id in situation.get("tried", [])],
            "tried_other": situation.get("tried_other"),
            "running_goals": situation.get("running_goals"),
            "race_date": _date(situation.get("race_date")),
            "safety": [{"question": q.question, "answer": health.answer_label(q, situation),
                        "details": health.details_in_words(q, situation)} for q in c.safety_questions],
            # "None of these apply", confirmed by the clinician (each question then reads No).
            "none_apply": health.none_apply_confirmed(situation),
        },
        "assessment": assessment,
        "option_notes": answers.get("options", {}).get("option_notes"),
        "prompts": prompts,
        "values": [{"label": f.label, "rating": _label(scale, values.get(f"{VALUE_PREFIX}{f.id}"))}
                   for f in c.values_factors],
        "own_factors": values.get("own_factors"),
        "quiz": quiz,
        "quiz_answered": bool(check),
        "sure": {"items": sure_items, "answered": sure_answered, "score": sure_score,
                 "out_of": len(sure_items), "low": sure_answered and sure_score < len(sure_items),
                 "note": c.sure.low_score_note, "refs": c.sure.refs},
        "amendment_notes": answers.get("amendment_notes", []),
        "comparison": comparison,
        "references": references,
        # The patient's summary: plain lines only (the clinical record carries the rest).
        "points": points,
        "option_lines": lines,
        "patient_references": patient_references,
        "meta": presenting.meta(content),
    }
