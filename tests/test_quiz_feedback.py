"""The knowledge check confirms a right answer and explains a wrong one (issue #10 item 10)."""
import re
from html import unescape


def _feedback(html: str) -> list[str]:
    blocks = html.split('<div class="feedback')[1:]
    return [" ".join(unescape(block.split("</div>")[0]).split()) for block in blocks]


def test_right_answers_are_confirmed_and_wrong_ones_explained(app, consultation):
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    quiz = content.consultation.quiz
    answers = {}
    for index, item in enumerate(quiz):  # right, wrong, not sure, right, ...
        right, wrong = ("true", "false") if item.answer else ("false", "true")
        answers[f"quiz_{item.id}"] = [right, wrong, "unsure"][index % 3]
    visit = consultation().start()
    visit.save("check", answers, action="check")
    feedback = _feedback(visit.page("check").get_data(as_text=True))
    assert len(feedback) == len(quiz)
    for index, (item, text) in enumerate(zip(quiz, feedback)):
        answer = "true" if item.answer else "false"
        assert f"The answer is {answer}." in text
        assert item.explanation.text.split(".")[0] in text  # every answer is explained
        if index % 3 == 0:
            assert "That's right." in text
            assert "Not quite." not in text and "You said" not in text
        elif index % 3 == 1:
            assert "Not quite." in text and f"You said {'false' if item.answer else 'true'}." in text
            assert "That's right." not in text
        else:
            assert "That's right." not in text and "Not quite." not in text


def test_no_feedback_before_the_answers_are_asked_for(consultation):
    visit = consultation().start()
    html = visit.page("check").get_data(as_text=True)
    # The words quiz.js shows are in attributes (data-right, data-wrong), never in the page's text.
    text = unescape(re.sub(r"<[^>]*>", " ", html))
    assert "That's right." not in text and "Not quite." not in text
