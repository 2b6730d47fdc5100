"""Half a step can wait: Back, "Save and finish later" and the step bar keep what was typed.

Those buttons save whatever is well formed (types, lengths, dates, no NUL bytes) and skip
only the "required" checks; "Save and continue" still asks for every required answer. A
field left blank can only fail a required check (a malformed value is never blank), so the
rule is: drop the errors of blank fields, keep every other error.

What is still to be answered is worked out again from the saved answers, with the same
validators, so the summary can list it before Finish.
"""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from ..content import Content
from .forms import StepForm, form_class
from .steps import FORM_STEP_IDS, Step

# Fields the buttons never relax: a missing CSRF token or lock is a refused request, not a gap.
_NEVER_RELAXED = ("CSRFTokenField", "HiddenField")


def keeps_partial(action: str) -> bool:
    """The buttons that leave the step without finishing it, and "Show the answers" (the quiz's
    feedback), which stays on a page that may also ask the required SURE questions."""
    return action in ("back", "later", "check") or action.startswith("goto:")


def _left_blank(field) -> bool:
    return not any(isinstance(value, str) and value.strip() for value in field.raw_data or ())


def _drop_required_errors(form: StepForm) -> None:
    for field in form:
        if field.errors and field.type not in _NEVER_RELAXED and _left_blank(field):
            field.errors = []


def validate_partial(form: StepForm) -> bool:
    """Like ``validate_on_submit`` without the required checks."""
    if not form.is_submitted():
        return False
    form.validate()
    _drop_required_errors(form)
    return not form.errors


def _as_formdata(saved: dict) -> MultiDict:
    data = MultiDict()
    for name, value in saved.items():
        if value is None or value is False:
            continue
        for item in value if isinstance(value, list) else [value]:
            data.add(name, "y" if item is True else str(item))
    return data


def still_to_answer(step_id: str, content: Content, saved: dict) -> list[str]:
    """The labels of the required answers a saved step still lacks, in page order."""
    form = form_class(step_id, content)(formdata=_as_formdata(saved), meta={"csrf": False})
    form.validate()
    return [field.label.text for field in form
            if field.errors and field.type not in _NEVER_RELAXED and _left_blank(field)]


def missing_steps(steps: tuple[Step, ...], content: Content, answers: dict) -> list[tuple[Step, list[str]]]:
    """Steps not filled in yet (with no labels) or saved with answers still to give."""
    missing = []
    for step in steps:
        if step.id not in FORM_STEP_IDS:
            continue
        if step.id not in answers:
            missing.append((step, []))
        elif labels := still_to_answer(step.id, content, answers[step.id]):
            missing.append((step, labels))
    return missing
