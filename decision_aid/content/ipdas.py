"""The IPDAS v4 self-assessment of a content version (``ipdas.yaml``): its shape and its list.

IPDAS is the International Patient Decision Aid Standards (Joseph-Williams et al., Med Decis
Making 2014;34:699-710). ``CRITERIA`` is the fixed list the aid is scored against, taken from
the December 2026 content review (section 5): 6 qualifying, 6 certification criteria for a
treatment decision (the 4 for screening tests are one "not applicable" item) and the quality
criteria. A version's file must answer every one of them, once, and say where in the aid the
answer can be seen.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from .schema import NonEmpty, Strict

Group = Literal["qualifying", "certification", "quality"]
Status = Literal["met", "partly", "not met", "n/a"]

# id -> (group, the criterion in short). Ids are stable: the YAML file refers to them.
CRITERIA: dict[str, tuple[Group, str]] = {
    "Q1": ("qualifying", "Describes the health condition"),
    "Q2": ("qualifying", "States the decision"),
    "Q3": ("qualifying", "Describes the options"),
    "Q4": ("qualifying", "Positive features of each option"),
    "Q5": ("qualifying", "Negative features of each option"),
    "Q6": ("qualifying", "What the consequences are like to experience"),
    "C1": ("certification", "Positive and negative features in equal detail"),
    "C2": ("certification", "Citations to the evidence"),
    "C3": ("certification", "Production or publication date"),
    "C4": ("certification", "Update policy"),
    "C5": ("certification", "Uncertainty around outcome probabilities"),
    "C6": ("certification", "Funding sources"),
    "C-tests": ("certification", "Criteria for screening and test decisions"),
    "natural_course": ("quality", "Natural course if no action is taken"),
    "procedures": ("quality", "Procedures involved"),
    "compare_features": ("quality", "Allows positive and negative features to be compared"),
    "probabilities": ("quality", "Outcome probabilities given"),
    "reference_class": ("quality", "Reference class specified"),
    "natural_frequencies": ("quality", "Event rates in natural frequencies"),
    "time_period": ("quality", "Time period specified"),
    "same_denominator": ("quality", "Same denominator and time across options"),
    "several_views": ("quality", "More than one way to view probabilities"),
    "balanced_frames": ("quality", "Balanced frames, positive and negative"),
    "imagine_physical": ("quality", "Helps imagine the physical effects"),
    "imagine_psychological": ("quality", "Helps imagine the psychological effects"),
    "imagine_social": ("quality", "Helps imagine the social effects"),
    "values_clarification": ("quality", "Values clarification"),
    "step_by_step": ("quality", "Step-by-step way to decide"),
    "worksheet": ("quality", "Worksheet or question list"),
    "needs_patients": ("quality", "Patients' needs assessed in development"),
    "needs_clinicians": ("quality", "Clinicians' needs assessed in development"),
    "reviewed_patients": ("quality", "Reviewed by patients not involved in making it"),
    "reviewed_clinicians": ("quality", "Reviewed by clinicians not involved in making it"),
    "field_tested_patients": ("quality", "Field-tested with patients"),
    "field_tested_clinicians": ("quality", "Field-tested with clinicians"),
    "evidence_selection": ("quality", "How the evidence was selected or synthesised"),
    "evidence_quality": ("quality", "Quality of the evidence described"),
    "credentials": ("quality", "Author and developer credentials"),
    "conflicts": ("quality", "Conflicts of interest"),
    "readability": ("quality", "Readability reported"),
    "improves_knowledge": ("quality", "Evidence the aid improves knowledge"),
    "improves_match": ("quality", "Evidence it improves the match of values and choice"),
    "screening_items": ("quality", "Screening and test items"),
}


class Criterion(Strict):
    id: str = NonEmpty
    status: Status
    note: str = NonEmpty
    # App paths where the answer can be seen, e.g. "/about#evidence" or "/comparison".
    where: list[str] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CRITERIA:
            raise ValueError(f"'{value}' is not an IPDAS criterion id; known: {list(CRITERIA)}")
        return value

    @field_validator("where")
    @classmethod
    def _paths(cls, places: list[str]) -> list[str]:
        for place in places:
            if not place.startswith("/") or " " in place:
                raise ValueError(f"'{place}' is not a path in the aid (like /about#evidence)")
        return places

    @property
    def group(self) -> Group:
        return CRITERIA[self.id][0]

    @property
    def title(self) -> str:
        return CRITERIA[self.id][1]


class Ipdas(Strict):
    """ipdas.yaml: every criterion, answered once, in the fixed order of ``CRITERIA``."""

    standard: str = NonEmpty   # the citation of the standard scored against
    assessed: dt.date
    assessed_by: str = NonEmpty  # a role, never an invented name
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _every_criterion_once(cls, criteria: list[Criterion]) -> list[Criterion]:
        ids = [c.id for c in criteria]
        missing = [i for i in CRITERIA if i not in ids]
        if missing:
            raise ValueError(f"every IPDAS criterion needs an answer; missing: {missing}")
        if len(ids) != len(set(ids)):
            raise ValueError("each IPDAS criterion is answered once")
        order = {key: index for index, key in enumerate(CRITERIA)}
        return sorted(criteria, key=lambda c: order[c.id])

    def counts(self, group: Group) -> dict[Status, int]:
        """How many criteria of ``group`` are met, partly met, not met or not applicable."""
        tally: dict[Status, int] = {"met": 0, "partly": 0, "not met": 0, "n/a": 0}
        for criterion in self.criteria:
            if criterion.group == group:
                tally[criterion.status] += 1
        return tally
