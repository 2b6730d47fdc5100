"""The two published measures, word for word, with their sources and their published scoring.

The items are not content to edit: their authors ask that they are used unchanged (CollaboRATE
is licensed CC BY-NC-ND 3.0). Any change of wording here is a change of instrument.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    citation: str
    url: str


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    # False where the exact wording could not be checked against a published copy (README).
    checked: bool = True


COLLABORATE_SOURCES = (
    Source("Elwyn G, Barr PJ, Grande SW, et al. Developing CollaboRATE: a fast and frugal patient-reported "
           "measure of shared decision making in clinical encounters. Patient Educ Couns 2013;93(1):102–107.",
           "https://doi.org/10.1016/j.pec.2013.05.009"),
    Source("Barr PJ, Thompson R, Walsh T, et al. The psychometric properties of CollaboRATE: a fast and frugal "
           "patient-reported measure of the shared decision-making process. J Med Internet Res 2014;16(1):e2.",
           "https://doi.org/10.2196/jmir.3085"),
)
COLLABORATE_OPENING = "Thinking about the visit you had with your health care provider today …"
COLLABORATE_ITEMS = (
    Item("collaborate_1", "How much effort was made to help you understand your health issues?"),
    Item("collaborate_2", "How much effort was made to listen to the things that matter most to you "
                          "about your health issues?"),
    Item("collaborate_3", "How much effort was made to include what matters most to you in choosing "
                          "what to do next?"),
)
COLLABORATE_SCALE = tuple(range(0, 10))
COLLABORATE_ANCHORS = {0: "No effort was made", 9: "Every effort was made"}
COLLABORATE_TOP = 9
# Its authors report the top score over at least 25 answers; fewer say too little.
COLLABORATE_MIN_ANSWERS = 25

REGRET_SOURCES = (
    Source("Brehaut JC, O'Connor AM, Wood TJ, et al. Validation of a decision regret scale. "
           "Med Decis Making 2003;23(4):281–292.", "https://doi.org/10.1177/0272989X03256005"),
    Source("O'Connor AM. User manual – Decision Regret Scale. Ottawa Hospital Research Institute, 1996 "
           "(updated 2003).", "https://decisionaid.ohri.ca/eval_regret.html"),
)
REGRET_OPENING = ("Please think about the decision you made about your knee treatment after talking to "
                  "your clinician. Please show how strongly you agree or disagree with these statements.")
REGRET_ITEMS = (
    Item("regret_1", "It was the right decision."),
    Item("regret_2", "I regret the choice that was made."),
    Item("regret_3", "I would go for the same choice if I had to do it over again."),
    Item("regret_4", "The choice did me a lot of harm.", checked=False),
    Item("regret_5", "It was a wise decision.", checked=False),
)
REGRET_SCALE = ((1, "Strongly agree"), (2, "Agree"), (3, "Neither agree nor disagree"), (4, "Disagree"),
                (5, "Strongly disagree"))
# Items 2 and 4 say regret when agreed with, so they are reversed before scoring.
REGRET_REVERSED = frozenset({"regret_2", "regret_4"})


def regret_score(answers: dict[str, int | None]) -> float | None:
    """The published 0–100 score (0 no regret, 100 high regret), or None ("not scored").

    As the user manual: reverse items 2 and 4 (6 − answer), subtract 1 from every item, multiply
    by 25, and take the mean of the five. A score needs all five answers.
    """
    values = []
    for item in REGRET_ITEMS:
        answer = answers.get(item.id)
        if answer is None:
            return None
        if answer not in (1, 2, 3, 4, 5):
            raise ValueError(f"{item.id} is answered 1 to 5, not {answer!r}")
        answer = 6 - answer if item.id in REGRET_REVERSED else answer
        values.append((answer - 1) * 25)
    return statistics.fmean(values)


def collaborate_top(answers: dict[str, int | None]) -> bool:
    """The top score: 9 on every one of the three items."""
    return all(answers.get(item.id) == COLLABORATE_TOP for item in COLLABORATE_ITEMS)
