"""The summary step folds the answers it repeats by group (issue #11 item 10): what was decided,
the next steps and what mattered stay open at the top; every other group is a closed <details>
whose line counts its answers, or an open one that says what is missing. Nothing is left out."""
import re
from html import unescape

from conftest import ASSESSMENT, DECISION, OPTIONS, READY, SITUATION, VALUES


def flat(text: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def groups(html: str) -> dict[str, tuple[bool, str, str]]:
    """Each folded group by id: (open, its summary line, its text up to the next group)."""
    found = {}
    marks = list(re.finditer(r'<details class="summary-group[^"]*" id="group-([a-z]+)"([^>]*)>\s*<summary>(.*?)</summary>',
                             html, re.S))
    for mark, after in zip(marks, marks[1:] + [None]):
        body = html[mark.end():after.start() if after else len(html)]
        found[mark.group(1)] = (" open" in mark.group(2), flat(mark.group(3)), flat(body))
    return found


def summary_html(visit) -> str:
    response = visit.page("summary")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_complete_discussion_folds_each_group_closed_with_its_count(app, consultation):
    visit = consultation().start().fill_all(app)
    html = summary_html(visit)
    found = groups(html)
    assert {name: (is_open, line) for name, (is_open, line, _) in found.items()} == {
        "assessment": (False, "Is this runner's knee? – 9 answers, nothing missing"),
        "situation": (False, "Your situation – 6 answers, nothing missing"),
        "health": (False, "Health questions – 6 answers, nothing missing"),
        "points": (False, "Points to discuss (for the clinician) – raised for 3 options"),
        "check": (False, "Check and ready to decide – 7 answers, nothing missing"),
    }
    # Folded, not removed: every answer is still on the page, inside its group.
    assert "Foam rolling" in found["situation"][2] and "Half marathon in the spring" in found["situation"][2]
    assert "Any bleeding problem" in found["health"][2] or "bleeding" in found["health"][2].lower()
    assert found["check"][2].count("Yes") >= len(READY)
    # What was decided, the next steps and what mattered come first, outside any fold.
    top = flat(html.split('id="group-')[0])
    for text in (DECISION["reasons"], DECISION["next_steps"], DECISION["open_questions"], VALUES["own_factors"]):
        assert text in top
    assert "Avoiding needles" in top  # a rated factor



def test_a_group_with_a_missing_answer_is_open_and_says_what_is_missing(app, consultation):
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    # "Save and finish later" keeps a step with required answers still to give.
    partly = {k: v for k, v in SITUATION.items() if k not in ("pain_now", "safety_allergy")}
    visit.save("situation", partly, action="later")
    visit.save("options", OPTIONS)
    visit.save("values", VALUES)
    visit.save("decision", DECISION)
    html = summary_html(visit)
    found = groups(html)
    is_open, line, body = found["situation"]
    assert is_open and line == "Your situation – 1 answer missing"
    assert "Still to answer: How bad is the pain now? (0 = no pain, 10 = worst pain)." in body
    assert f'href="{visit.url.split("localhost")[-1]}/steps/situation"' in html.split('id="group-situation"')[1]
    is_open, line, body = found["health"]
    assert is_open and line == "Health questions – 1 answer missing"
    assert "Still to answer: Have you ever had an allergy to a steroid" in body
    # A step never saved is open too; the complete one stays closed.
    assert found["check"][:2] == (True, "Check and ready to decide – not filled in yet")
    assert "This step is not filled in yet." in found["check"][2]
    assert found["assessment"][:2] == (False, "Is this runner's knee? – 9 answers, nothing missing")
    # The list at the top still names every gap.
    top = flat(html.split('class="missing-steps"')[1].split("</ul>")[0])
    assert "Your situation : How bad is the pain now?" in top and "Check what we discussed" in top


def test_a_low_sure_score_opens_its_group(app, consultation):
    visit = consultation().start().fill_all(app, ready={**READY, "sure_sure": "no"})
    is_open, line, body = groups(summary_html(visit))["check"]
    assert is_open and line == "Check and ready to decide – 7 answers, needs a look"
    assert "3 of 4 answered yes." in body


def test_the_review_page_shows_the_answers_unfolded(app, consultation):
    visit = consultation().start().fill_all(app)
    html = visit.client.get(visit.url).get_data(as_text=True)
    assert "summary-group" not in html and "Not rated" in html  # every factor listed, as before
    assert SITUATION["tried_other"] in flat(html)
