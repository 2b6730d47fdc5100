"""Which parts of a discussion are the patient's: the pages they see and the fields they answer.

The patient's situation and goals, what matters to them and their questions about the options.
Everything else – the health questions' clinical wording, "Is this runner's knee?", the check,
the decision and the notes – stays with the clinician and is never on these pages.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..consultation.choices import is_health_field
from ..consultation.forms import StepForm, form_class
from ..content import Content

# The pages, in order: reading about runner's knee, three steps to answer, and the end.
ABOUT, DONE = "about", "done"
FORM_PARTS = ("situation", "options", "values")
PARTS = (ABOUT, *FORM_PARTS, DONE)
TITLES = {ABOUT: _l("About runner's knee"), "situation": _l("Your situation and goals"),
          "options": _l("The options and your questions"), "values": _l("What matters to you"), DONE: _l("Thank you")}
# Fields of a patient step that are the clinician's to ask (asked in the visit, with their wording):
# on the situation step, the health questions, their details and "None of these apply".
CLINICIAN_ONLY = {"situation": is_health_field}

_FORMS: dict[tuple[str, str], type[StepForm]] = {}


def patient_form_class(step_id: str, content: Content) -> type[StepForm]:
    """The step's own form without the clinician's fields (WTForms drops a field set to None)."""
    key = (step_id, content.content_hash)
    if key not in _FORMS:
        base = form_class(step_id, content)
        clinicians = CLINICIAN_ONLY.get(step_id, lambda name: False)
        dropped = {name: None for name in dir(base)
                   if clinicians(name) and hasattr(getattr(base, name), "field_class")}
        _FORMS[key] = type(f"Patient{base.__name__}", (base,), dropped)
    return _FORMS[key]


def next_part(part: str) -> str:
    return PARTS[min(PARTS.index(part) + 1, len(PARTS) - 1)]


def previous_part(part: str) -> str:
    return PARTS[max(PARTS.index(part) - 1, 0)]
