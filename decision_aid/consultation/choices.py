"""The answers' names and fixed choice lists, in one place: the step forms, the summary and the
templates all read them from here (the content's own lists stay in ``consultation.yaml``).

A saved answer's key is a prefix and the content's id: ``safety_infection``, ``value_cost``,
``quiz_cadence_target``, ``sure_sure``; a health question's details are
``detail_<question>_<detail>`` (``detail_recent_injection_which``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

SAFETY_PREFIX = "safety_"
DETAIL_PREFIX = "detail_"
VALUE_PREFIX = "value_"
QUIZ_PREFIX = "quiz_"
SURE_PREFIX = "sure_"

# "None of these apply": records every health question as No once the clinician confirms it.
NONE_APPLY = "health_none_apply"
NONE_CONFIRMED = "health_none_confirmed"

# The labels are translated lazily: words in the page's (or the PDF's) language, the same values
# stored whatever the language.
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]
YES_NO_UNSURE = [("yes", _l("Yes")), ("no", _l("No")), ("unsure", _l("Not sure"))]
TRUE_FALSE = [("true", _l("True")), ("false", _l("False")), ("unsure", _l("Not sure"))]
OTHER_CHOICES = [("wait_and_see", _l("Wait and see for now")), ("undecided", _l("Not decided yet")),
                 ("other", _l("Something else"))]
NOT_APPLICABLE = "not_applicable"
# A health answer that raises the question's points to discuss; a detail is asked only after "yes".
RAISES_PROMPTS = ("yes", "unsure")
ASKS_DETAILS = "yes"


def safety_field(question) -> str:
    return f"{SAFETY_PREFIX}{question.id}"


def detail_field(question, detail_id: str) -> str:
    return f"{DETAIL_PREFIX}{question.id}_{detail_id}"


def safety_choices(question) -> list[tuple[str, str]]:
    """Yes, No, Not sure, and "does not apply" where the content gives that answer."""
    extra = [(NOT_APPLICABLE, question.not_applicable)] if question.not_applicable else []
    return YES_NO_UNSURE + extra


def is_health_field(name: str) -> bool:
    return name.startswith((SAFETY_PREFIX, DETAIL_PREFIX)) or name in (NONE_APPLY, NONE_CONFIRMED)
