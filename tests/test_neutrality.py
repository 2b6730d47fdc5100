"""Nothing ranks, scores or recommends; the options always appear in the fixed order."""
import re

import pytest

from conftest import in_order, pdf_text
from neutrality import recommending_phrases
from test_pages import PAGES
from test_pdf import HANDOUTS


@pytest.mark.parametrize("url", PAGES)
def test_pages_use_no_recommending_language(client, url):
    html = client.get(url).get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    assert recommending_phrases(text) == []


@pytest.mark.parametrize("url", HANDOUTS)
def test_handouts_use_no_recommending_language(client, url):
    assert recommending_phrases(pdf_text(client.get(url).data)) == []


def test_the_guard_catches_recommending_language():
    assert recommending_phrases("For you, we\n recommend the PRP injection") == ["we recommend"]
    assert recommending_phrases("The best option is rest") == ["best option"]
    assert recommending_phrases("This aid does not recommend any option.") == []


def test_no_option_column_is_styled_differently(client):
    html = client.get("/comparison").get_data(as_text=True)
    headers = re.findall(r'<th scope="col" id="col-[a-z_]+"([^>]*)>', html)
    cells = re.findall(r"<td ([^>]*)>", html)
    assert len(headers) == 4 and len(set(headers)) == 1
    assert {re.sub(r'data-option="[^"]*"', "", c) for c in cells} == {""}


def test_comparison_columns_follow_the_fixed_order_in_every_row(client, option_names):
    html = client.get("/comparison").get_data(as_text=True)
    for row in re.findall(r'<tr id="row-.*?</tr>', html, re.S):
        labels = re.findall(r'data-option="([^"]+)"', row)
        assert labels == [short for short, _name in option_names]
    assert in_order(html, option_names)


# --- The consultation: whatever the patient answers, the options stay the same ----------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from conftest import DECISION, SITUATION, Consultation  # noqa: E402

SAFETY = ["infection", "bleeding", "diabetes", "pregnancy", "allergy", "recent_injection"]
INJECTION_DETAILS = {
    "detail_recent_injection_which": st.sampled_from(["steroid", "prp", "hyaluronic_acid", "other_unsure"]),
    "detail_recent_injection_when": st.sampled_from(["under_3_months", "3_to_12_months", "over_12_months", "unsure"]),
}
FACTORS = ["avoid_needles", "quick_relief", "lasting_benefit", "avoid_side_effects", "strong_evidence",
           "cost", "time_off_running", "few_visits"]

answer_sets = st.fixed_dictionaries({
    "situation": st.fixed_dictionaries({
        "duration": st.sampled_from(["under_6_weeks", "6_weeks_to_3_months", "3_to_12_months", "over_12_months"]),
        "pain_now": st.integers(0, 10).map(str),
        "activities": st.lists(st.sampled_from(["running", "stairs", "squatting", "sitting_long"]), unique=True),
        "tried": st.lists(st.sampled_from(["exercise_therapy", "rest", "taping", "painkillers"]), unique=True),
        **{f"safety_{s}": st.sampled_from(["yes", "no", "unsure"]) for s in SAFETY},
        "safety_pregnancy": st.sampled_from(["yes", "no", "unsure", "not_applicable"]),
        # Asked after a "Yes" to an earlier injection (ignored otherwise); some raise points of their own.
        **INJECTION_DETAILS,
    }),
    "values": st.fixed_dictionaries({f"value_{f}": st.sampled_from(["", "not_important", "a_little", "quite", "very"])
                                     for f in FACTORS}),
    "ready": st.fixed_dictionaries({f"sure_{q}": st.sampled_from(["yes", "no"])
                                    for q in ["sure", "understand", "risk_benefit", "encouragement"]}),
    "choice": st.sampled_from(["conservative", "corticosteroid", "prp", "hyaluronic_acid", "undecided"]),
})


def _grid(html: str) -> str:
    return re.search(r'<table class="grid">.*?</table>', html, re.S).group(0)


def _overview(html: str) -> str:
    """The options step's overview grid (short answers opening to the full cells)."""
    return re.search(r'<table class="grid overview">.*?</table>', html, re.S).group(0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answer_sets)
def test_options_keep_order_and_content_whatever_the_answers(app, client, option_names, answers):
    baseline = _grid(client.get("/comparison").get_data(as_text=True))
    plain = Consultation(client).start()
    plain.save("situation", SITUATION)
    overview = _overview(plain.page("options").get_data(as_text=True))
    visit = Consultation(client).start()
    visit.save("situation", {**SITUATION, **answers["situation"]})
    options_page = visit.page("options").get_data(as_text=True)
    assert _overview(options_page) == overview  # same rows, same words, same order
    assert in_order(options_page.split('id="prompts-heading"')[1], option_names)
    visit.save("values", answers["values"])
    visit.save("ready", answers["ready"])
    visit.save("decision", {**DECISION, "choice": answers["choice"]})
    summary = visit.client.get(f"{visit.url}/steps/summary").get_data(as_text=True)
    assert _grid(summary) == baseline
    assert recommending_phrases(re.sub(r"<[^>]+>", " ", options_page + summary)) == []
    # ratings are shown as given and never combined into a score
    assert not re.search(r"\bscore\b", re.sub(r"SURE|<[^>]+>", " ", summary).replace("not added up or scored", ""),
                         re.IGNORECASE)


@pytest.mark.parametrize("choice, safety", [("prp", "yes"), ("undecided", "no"), ("hyaluronic_acid", "unsure")])
def test_summary_pdf_is_neutral_and_keeps_the_order(app, client, option_names, choice, safety):
    visit = Consultation(client).start()
    visit.fill_all(app, situation={**SITUATION, **{f"safety_{s}": safety for s in SAFETY},
                                   "detail_recent_injection_which": "steroid",
                                   "detail_recent_injection_when": "under_3_months"},
                   decision={**DECISION, "choice": choice})
    text = pdf_text(client.get(f"{visit.url}/summary.pdf").data)
    assert recommending_phrases(text) == []
    table = text.split("The four options")[1]
    assert in_order(table, option_names)


def test_local_facts_for_one_option_change_no_evidence_and_keep_every_option_in_order(app, client, sign_in,
                                                                                      option_names):
    """A clinic that prices only PRP: the grid and the overview stay word for word what they
    were, the local facts list all four options in the fixed order, and nothing reads as advice."""
    grid_before = _grid(client.get("/comparison").get_data(as_text=True))
    visit = Consultation(client).start()
    visit.save("situation", SITUATION)
    overview_before = _overview(visit.page("options").get_data(as_text=True))
    response = sign_in("admin@a.example").post("/admin/clinic/details", data={
        "printed_name": "Riverside Knee Clinic", "phone": "0113 496 0000", "offered_prp": "yes",
        "price_prp": "£380 per injection", "booking_prp": "Ask at reception", "waiting_prp": "About 2 weeks"})
    assert response.status_code == 302
    comparison = client.get("/comparison").get_data(as_text=True)
    assert _grid(comparison) == grid_before
    later = Consultation(client).start()
    later.save("situation", SITUATION)
    options_page = later.page("options").get_data(as_text=True)
    assert _overview(options_page) == overview_before
    for html in (comparison, options_page):
        facts = html.split('id="local-facts"')[1].split("</section>")[0]
        assert in_order(facts, option_names)
        assert facts.count("The clinic has given no information about this.") == 3
        assert recommending_phrases(re.sub(r"<[^>]+>", " ", html)) == []
    text = pdf_text(client.get("/handouts/all-options.pdf").data)
    assert recommending_phrases(text) == []
    assert in_order(text.split("Price, booking and waiting times at")[1], option_names)
