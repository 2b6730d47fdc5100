"""The patient's pages, drawn and saved the same way for their own link and for the tablet.

A page is reached through ``part_url``, so the link's pages never carry anything but their name
(the token travels in a cookie) and the tablet's stay under the discussion they belong to.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import redirect, render_template, request

from .. import i18n, presenting
from ..clinic_details.views import discussion_details
from ..consultation import partial
from ..consultation.forms import error_summary, form_data_from, hidden_number
from ..consultation.operations import Conflict
from ..library import content_for_record
from ..models import Discussion
from . import parts

# save(step_id, answers, expected_lock): one transaction, committed by the caller's save.
Save = Callable[[str, dict, int], None]


def patient_content(discussion: Discussion):
    """The discussion's content in the patient's language, and the rest of the request drawn in it."""
    i18n.use_language(discussion.language)
    return content_for_record(discussion.content_version, discussion.content_hash, discussion.language)


def _content_extra(part: str, content, discussion: Discussion) -> dict:
    if part == parts.ABOUT:
        return {"course": presenting.natural_course(content), "options": presenting.options_list(content),
                "references": presenting.cited_references(content, content.condition)}
    if part == "options":
        details = [presenting.option_detail(content, o.id) for o in content.options]
        # The clinic's own prices and services, as the clinician's options step shows them: the
        # version of its details the discussion was begun under.
        return {"comparison": presenting.comparison(content), "details": details,
                "clinic": discussion_details(discussion, content),
                "references": presenting.cited_references(
                    content, content.comparison, content.outcomes, list(content.options),
                    content.home_programme if presenting.programme_with_every_option(content) else [])}
    return {}


def render_part(part: str, discussion: Discussion, part_url: Callable[[str], str], *, form=None,
                status: int = 200, **extra):
    content = patient_content(discussion)
    if form is None and part in parts.FORM_PARTS:
        form = parts.patient_form_class(part, content)(
            data=form_data_from(discussion.answers.get(part, {})), formdata=None)
        form.lock_version.data = str(discussion.lock_version)
    # Visited: the pages before this one, and any step that holds answers already.
    visited = set(parts.PARTS[:parts.PARTS.index(part)]) | {p for p in parts.FORM_PARTS if p in discussion.answers}
    return render_template("patient/part.html", part=part, parts=parts.PARTS, titles=parts.TITLES, form=form,
                           visited=visited,
                           part_url=part_url, content=content, next=parts.next_part(part),
                           errors=error_summary(form) if form is not None else [],
                           **_content_extra(part, content, discussion), **extra), status


def _destination(part: str, action: str) -> str:
    if action == "back":
        return parts.previous_part(part)
    if action == "later":
        return parts.DONE
    if action.startswith("goto:") and action[5:] in parts.PARTS:
        return action[5:]
    return parts.next_part(part)


def post_part(part: str, discussion: Discussion, part_url: Callable[[str], str], save: Save, **extra):
    """Validate and save one patient page; Back, "finish later" and the steps save half a page."""
    content = patient_content(discussion)
    form = parts.patient_form_class(part, content)()
    form.reference_date = discussion.discussion_date
    action = request.form.get("action", "next")
    valid = partial.validate_partial(form) if partial.keeps_partial(action) else form.validate_on_submit()
    if not valid:
        return render_part(part, discussion, part_url, form=form, status=422, **extra)
    try:
        save(part, form.answers(), hidden_number(form.lock_version.data))
    except Conflict:
        form.lock_version.data = str(discussion.lock_version)
        return render_part(part, discussion, part_url, form=form, status=409, conflict=True, **extra)
    return redirect(part_url(_destination(part, action)), code=303)
