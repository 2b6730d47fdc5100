""""Is this runner's knee?": which answers hold a discussion before the options, and the
points to discuss that the patient's age or a race date add.

Pure functions of the saved answers and the content (no Flask, no database). The points are
the same for every option they concern and never change the options themselves.
"""
from __future__ import annotations

from ..content import Content
from ..content.schema import Assessment, PointToDiscuss

ASSESSMENT = "assessment"  # the step id and the key of its answers
FLAG_PREFIX = "flag_"
DIAGNOSIS_CHOICES = [("yes", "Yes"), ("unsure", "Not sure"), ("no", "No")]
COMPANION_CHOICES = [("parent_guardian", "A parent or guardian"), ("other_adult", "Another adult"),
                     ("nobody", "Nobody")]
ADULT_AGE = 18
MIN_AGE, MAX_AGE = 5, 100
HOLDS = ("yes", "unsure")  # a red flag answered yes or not sure holds the discussion


def flags_found(answers: dict, assessment: Assessment) -> list:
    """The red flags answered yes or not sure, in the content's order."""
    return [flag for flag in assessment.red_flags if answers.get(f"{FLAG_PREFIX}{flag.id}") in HOLDS]


def hold_reasons(answers: dict, assessment: Assessment) -> list[str]:
    """Why the options are not discussed yet, in plain words; empty when the step is clear."""
    reasons = [flag.patient for flag in flags_found(answers, assessment)]
    if answers.get("diagnosis") != "yes":
        reasons.append(assessment.stop.diagnosis_line)
    return reasons


def age_of(answers: dict) -> int | None:
    age = answers.get("age")
    return age if isinstance(age, int) else None


def age_points(content: Content, answers: dict) -> list[PointToDiscuss]:
    """The age-shaped points: under 18, or from about 40 (the content says from which age)."""
    assessment, age = content.assessment, age_of(answers)
    if assessment is None or age is None:
        return []
    if age < ADULT_AGE:
        return list(assessment.under_18)
    if age >= assessment.older_from_age:
        return list(assessment.older)
    return []


def race_points(content: Content, situation: dict) -> list[PointToDiscuss]:
    """The anti-doping points, when a race date is recorded and the content has them."""
    if content.assessment is None or not situation.get("race_date"):
        return []
    return list(content.assessment.race_date)
