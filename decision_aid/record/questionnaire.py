"""The FHIR Questionnaire of a content version, and a revision's answers as its QuestionnaireResponse.

The items are made from the step forms themselves (``consultation.forms.form_class``), so they
are the questions exactly as that content version asked them: a discussion recorded under an
old version is read against that version's Questionnaire (its canonical URL's version is the
content version and hash), never against today's wording.
"""
from __future__ import annotations

from typing import Any

from wtforms.validators import DataRequired, InputRequired

from ..consultation.forms import form_class
from ..consultation.steps import FORM_STEP_IDS, steps_for
from ..content import Content

QUESTIONNAIRE_URL = "urn:runners-knee-decision-aid:questionnaire:discussion"
CONTENT_HASH_SYSTEM = "urn:runners-knee-decision-aid:content-sha256"
AMENDMENT_NOTES = "amendment_notes"
# WTForms field type -> Questionnaire item type. Hidden fields (the lock version) are not asked.
ITEM_TYPES = {"RadioField": "choice", "MultiCheckboxField": "choice", "StringField": "string",
              "TextAreaField": "text", "DateField": "date", "AgeField": "integer", "IntegerField": "integer",
              "BooleanField": "boolean"}
NOTE_ITEMS = (("revision", "Revision", "integer"), ("date", "Date", "date"), ("author", "Clinician", "string"),
              ("note", "Note", "text"))


def version_of(content: Content) -> str:
    return f"{content.version}+sha256.{content.content_hash}"


def canonical(content: Content) -> str:
    return f"{QUESTIONNAIRE_URL}|{version_of(content)}"


def _fields(step_id: str, content: Content) -> list:
    form = form_class(step_id, content)(formdata=None, meta={"csrf": False})
    return [field for field in form if field.type in ITEM_TYPES]


def _choices(field) -> list[tuple[str, str]]:
    pairs = []
    for choice in field.choices:
        value, label = (choice.value, choice.label) if hasattr(choice, "value") else (choice[0], choice[1])
        pairs.append((str(value), str(label if label is not None else value)))
    return pairs


def _question(step_id: str, field) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": f"{step_id}.{field.name}", "text": str(field.label.text),
                            "type": ITEM_TYPES[field.type]}
    if any(isinstance(v, (InputRequired, DataRequired)) for v in field.validators):
        item["required"] = True
    if field.type == "MultiCheckboxField":
        item["repeats"] = True
    if item["type"] == "choice":
        item["answerOption"] = [{"valueCoding": {"code": code, "display": label}} for code, label in _choices(field)]
    return item


def questionnaire(content: Content, resource_id: str, *, signed_off: bool) -> dict[str, Any]:
    groups = [{"linkId": step.id, "text": step.title, "type": "group",
               "item": [_question(step.id, field) for field in _fields(step.id, content)]}
              for step in steps_for(content) if step.id in FORM_STEP_IDS]
    groups.append({"linkId": AMENDMENT_NOTES, "text": "Notes added with amendments", "type": "group", "repeats": True,
                   "item": [{"linkId": f"{AMENDMENT_NOTES}.{name}", "text": text, "type": kind}
                            for name, text, kind in NOTE_ITEMS]})
    return {
        "resourceType": "Questionnaire", "id": resource_id, "url": QUESTIONNAIRE_URL,
        "identifier": [{"system": CONTENT_HASH_SYSTEM, "value": content.content_hash}],
        "version": version_of(content), "name": "RunnersKneeSharedDecision",
        "title": f"Runner's knee decision aid: the questions of a discussion (content {content.version})",
        # A content version no clinical reviewer has signed off is still a draft.
        "status": "active" if signed_off else "draft",
        "subjectType": ["Patient"], "item": groups,
    }


def _answer(kind: str, value: Any, labels: dict[str, str]) -> dict[str, Any]:
    if kind == "choice":
        return {"valueCoding": {"code": str(value), "display": labels.get(str(value), str(value))}}
    if kind == "integer":
        return {"valueInteger": int(value)}
    if kind == "boolean":
        return {"valueBoolean": bool(value)}
    if kind == "date":
        return {"valueDate": str(value)}
    return {"valueString": str(value)}


def _given(value: Any) -> bool:
    return value not in (None, "", []) and not (isinstance(value, str) and not value.strip())


def response_items(answers: dict, content: Content) -> list[dict[str, Any]]:
    """Every answer of the revision, grouped by step as in the Questionnaire (empty ones left out)."""
    groups = []
    for step in steps_for(content):
        if step.id not in FORM_STEP_IDS:
            continue
        given = answers.get(step.id) or {}
        items = []
        for field in _fields(step.id, content):
            value = given.get(field.name)
            if not _given(value) and value is not False:
                continue
            kind = ITEM_TYPES[field.type]
            labels = dict(_choices(field)) if kind == "choice" else {}
            values = value if isinstance(value, list) else [value]
            items.append({"linkId": f"{step.id}.{field.name}", "text": str(field.label.text),
                          "answer": [_answer(kind, v, labels) for v in values]})
        if items:
            groups.append({"linkId": step.id, "text": step.title, "item": items})
    for note in answers.get(AMENDMENT_NOTES, []):
        groups.append({"linkId": AMENDMENT_NOTES, "text": "Notes added with amendments",
                       "item": [{"linkId": f"{AMENDMENT_NOTES}.{name}", "text": text,
                                 "answer": [_answer(kind, note[name], {})]}
                                for name, text, kind in NOTE_ITEMS if _given(note.get(name))]})
    return groups
