"""Two tabs amending the same step: the second save shows both versions side by side, and
nothing the first tab saved is undone without the clinician choosing it."""
import pytest


@pytest.fixture
def finished(live_server):
    from conftest import Consultation, signed_in_client

    visit = Consultation(signed_in_client(live_server.seed_app)).start(patient_ref="TAB-TWO")
    visit.fill_all(live_server.seed_app).finish()
    return visit.url


def save(tab, pain: str, reason: str) -> None:
    tab.locator(f'input[name="pain_now"][value="{pain}"]').check()
    tab.get_by_label("Why is this being changed?").fill(reason)
    tab.get_by_role("button", name="Save as a new revision").click()


def test_second_tab_sees_both_answers_and_keeps_the_other_tabs_by_default(new_context, finished):
    context = new_context()
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):
        tab.goto(finished + "/amend/situation")
    save(first, "2", "Pain is better")
    assert "Your change is saved as revision 2" in first.inner_text("main")
    save(second, "9", "Pain is worse")

    table = second.get_by_role("table", name="Answers saved by the other tab and answers typed here")
    row = table.get_by_role("row").filter(has_text="How bad is the pain now?")
    assert row.get_by_role("radio", name="Keep the other tab's answer").is_checked()
    assert "2" in row.get_by_role("cell").nth(0).inner_text() and "9" in row.get_by_role("cell").nth(1).inner_text()
    second.get_by_role("button", name="Save as a new revision").click()  # the default: keep theirs

    main = " ".join(second.inner_text("main").split())
    assert "Your change is saved as revision 3" in main
    assert "How bad is the pain now? (0 = no pain, 10 = worst pain): 6 → 2" in main  # revision 2
    assert "Revision 3, against revision 2 No answers changed." in main  # the first tab's 2 was kept
