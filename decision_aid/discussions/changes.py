"""What changed between two sets of answers, in words, field by field (no Flask, no database).

The questions and choice labels come from the step forms built for the revision's own content
version (``form_class``), so a revision is always described in the words it was recorded with.
"""
from __future__ import annotations

from dataclasses import dataclass

from wtforms import BooleanField, RadioField, SelectMultipleField
from wtforms.fields.core import UnboundField

from ..consultation.forms import form_class
from ..consultation.steps import FORM_STEP_IDS, step
from ..content import Content

NOT_ANSWERED = "not answered"


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    kind: str  # "choice", "list", "tick" or "text"
    choices: dict


@dataclass(frozen=True)
class Change:
    step_title: str
    name: str
    label: str
    sentence: str


def questions(step_id: str, content: Content) -> list[Question]:
    """The step's questions in page order, read from the form class without building a form."""
    unbound = sorted(((name, value) for name, value in vars(form_class(step_id, content)).items()
                      if isinstance(value, UnboundField)), key=lambda item: item[1].creation_counter)
    # Inherited fields (lock_version) and the amendment's own fields are not answers.
    found = []
    for name, field in unbound:
        label = field.args[0] if field.args else field.kwargs.get("label", name)
        choices = {c.value: c.label or c.value for c in field.kwargs.get("choices", [])}
        if issubclass(field.field_class, SelectMultipleField):
            kind = "list"
        elif issubclass(field.field_class, RadioField):
            kind = "choice"
        elif issubclass(field.field_class, BooleanField):
            kind = "tick"
        else:
            kind = "text"
        found.append(Question(name, str(label), kind, choices))
    return found


def value_words(question: Question, value) -> str:
    """One answer as a clinician reads it: the choice's label, a list joined, text in full."""
    if value in (None, "", []):
        return NOT_ANSWERED
    if question.kind == "list":
        return ", ".join(question.choices.get(v, str(v)) for v in value)
    if question.kind == "tick":
        return "ticked" if value else "not ticked"
    if question.kind == "choice":
        return question.choices.get(value, str(value))
    return str(value)


def _sentence(question: Question, old, new) -> str:
    if question.kind == "list":
        old_items, new_items = list(old or []), list(new or [])
        parts = []
        added = [v for v in new_items if v not in old_items]
        removed = [v for v in old_items if v not in new_items]
        if added:
            parts.append("added " + ", ".join(question.choices.get(v, str(v)) for v in added))
        if removed:
            parts.append("removed " + ", ".join(question.choices.get(v, str(v)) for v in removed))
        return f"{question.label}: {'; '.join(parts)}"
    if question.kind == "text":
        return f"{question.label}: was \u201c{value_words(question, old)}\u201d, now \u201c{value_words(question, new)}\u201d"
    return f"{question.label}: {value_words(question, old)} \u2192 {value_words(question, new)}"


def _same(old, new) -> bool:
    empty = (None, "", [], False)
    if old in empty and new in empty:
        return True
    if isinstance(old, list) and isinstance(new, list):
        return sorted(map(str, old)) == sorted(map(str, new))
    return old == new


def differing(step_id: str, content: Content, old: dict, new: dict) -> list[Question]:
    """The step's questions whose answers differ between ``old`` and ``new``, in page order."""
    return [q for q in questions(step_id, content) if not _same(old.get(q.name), new.get(q.name))]


def compare(old_answers: dict, new_answers: dict, content: Content) -> list[Change]:
    """Every changed answer between two revisions, ordered by step, then by question."""
    changes = []
    for step_id in FORM_STEP_IDS:
        if step_id == "assessment" and content.assessment is None:
            continue
        old, new = old_answers.get(step_id, {}), new_answers.get(step_id, {})
        for question in differing(step_id, content, old, new):
            changes.append(Change(step(step_id).title, question.name, question.label,
                                  _sentence(question, old.get(question.name), new.get(question.name))))
    old_notes, new_notes = old_answers.get("amendment_notes", []), new_answers.get("amendment_notes", [])
    for note in new_notes[len(old_notes):]:
        changes.append(Change("Decision", "note", "Follow-up note", f"Follow-up note added: \u201c{note['note']}\u201d"))
    return changes


# --- Two tabs, one discussion ------------------------------------------------------------------

KEEP_PREFIX = "keep-"  # the conflict table's radio per differing answer: keep-<field> = theirs | mine
KEEP_ALL = "keep-all"  # a whole choice: "theirs" or "mine", over every row


def conflict_rows(step_id: str, content: Content, theirs: dict, mine: dict) -> list[dict]:
    """Side by side, per answer that differs: what the other tab saved and what was typed here."""
    return [{"name": q.name, "label": q.label, "theirs": value_words(q, theirs.get(q.name)),
             "mine": value_words(q, mine.get(q.name))}
            for q in differing(step_id, content, theirs, mine)]


def resolve(step_id: str, content: Content, mine: dict, theirs: dict, choices) -> dict:
    """The answers to save after a conflict: per differing answer, the other tab's saved value
    unless "keep mine" was chosen for it (or for all). ``choices`` is the submitted form.

    Only answers shown in the conflict table carry a keep- choice, so a save without any
    (the first try) keeps exactly what was typed.
    """
    whole = choices.get(KEEP_ALL)
    resolved = dict(mine)
    for question in differing(step_id, content, theirs, mine):
        choice = whole if whole in ("theirs", "mine") else choices.get(KEEP_PREFIX + question.name)
        if choice == "theirs":
            resolved[question.name] = theirs.get(question.name)
    return resolved
