"""The About page in the patient's language (issue #14): a Polish or Arabic reader who follows a
certainty label to "What the certainty labels mean" read it in English until 2026-12-01 night."""
import re

from flask_babel import force_locale

from decision_aid.presenting import rubric


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_the_polish_about_page_explains_the_labels_in_polish(client):
    text = text_of(client, "/about?lang=pl")
    assert "Co znaczą etykiety pewności" in text and "What the certainty labels mean" not in text
    # meta.yaml's meaning of a level, the rubric's kinds of source and a date, all Polish.
    assert "Jesteśmy tego bardzo pewni. Nowe badania raczej tego nie zmienią." in text
    assert "badania kliniczne i przeglądy badań: najwyżej Pewność:" in text
    assert "1 grudnia 2027" in text  # the next review, in words
    assert "Ten test czytelności jest przeznaczony dla języka angielskiego, więc nie sprawdzał tego tłumaczenia." in text
    assert "December" not in text and "Always shown in this order" not in text


def test_the_arabic_about_page_is_right_to_left_and_arabic(client):
    html = client.get("/about?lang=ar").get_data(as_text=True)
    assert re.search(r'<html[^>]* lang="ar"[^>]* dir="rtl"', html)
    text = text_of(client, "/about?lang=ar")
    assert "ماذا تعني علامات اليقين" in text and "كيف نختار العلامة" in text
    assert "كانون" in text or "ديسمبر" in text  # a month in Arabic, numbers in Western digits
    assert "2027" in text and "What the certainty labels mean" not in text


def test_the_english_rubric_reads_as_before(app):
    with app.test_request_context("/about"), force_locale("en"):
        rows = {row["level"]: row["sources"] for row in rubric()}
    assert rows["very low"] == "expert advice, patient leaflets, clinic and company web pages, questionnaires"
    assert rows["high"] == "trials, reviews of trials and studies"
