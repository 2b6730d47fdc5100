"""meta.yaml's sentences and the statements' source labels in the patient's language (issue #14):
the no-recommendation line and the kinds of source ("trials and patient leaflet") were English
on Polish and Arabic pages; English pages stay word for word as they were."""
import re

import pytest
from flask_babel import force_locale

from decision_aid.content.rules import SourceWords
from decision_aid.library import content_version

ENGLISH_LINE = ("This aid gives you facts to help you and your clinician decide together. "
                "It does not tell you which option to choose.")
POLISH_LINE = ("Ta pomoc podaje fakty, które pomogą tobie i twojemu lekarzowi podjąć decyzję razem. "
               "Nie mówi, którą metodę leczenia wybrać.")
ARABIC_LINE = "تقدّم لك هذه الأداة حقائق تساعدك أنت وطبيبك على اتخاذ القرار معًا. ولا تقول لك أي خيار تختار."


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def source_labels(html: str) -> set[str]:
    return set(re.findall(r'<span class="badge source">([^<]*)</span>', html))


def footer_line(html: str) -> str:
    return re.search(r'<footer class="site-footer">\s*<div class="container">\s*<p>([^<]*)</p>', html).group(1)


def test_english_pages_keep_their_words(client):
    html = html_of(client, "/")
    assert footer_line(html) == ENGLISH_LINE
    # The home page cites 1 study and 2 trials for one point, 2 reviews for another.
    assert {"Source: study and trials", "Source: research reviews", "Source: guideline"} <= source_labels(html)
    assert "Source: trial, research review and clinic web page" in source_labels(html_of(client, "/comparison"))


def test_a_polish_page_says_the_no_recommendation_line_and_its_sources_in_polish(client):
    html = html_of(client, "/?lang=pl")
    assert footer_line(html) == POLISH_LINE
    assert ENGLISH_LINE not in html and "Source:" not in html
    assert {"Źródło: badanie obserwacyjne i badania kliniczne", "Źródło: przeglądy badań",
            "Źródło: wytyczne"} <= source_labels(html)


def test_an_arabic_page_says_the_no_recommendation_line_and_its_sources_in_arabic(client):
    html = html_of(client, "/?lang=ar")
    assert footer_line(html) == ARABIC_LINE
    assert ENGLISH_LINE not in html and "Source:" not in html
    # Arabic's dual for two trials and two reviews, and its list pattern ("و" joined to the word).
    assert {"المصدر: دراسة وتجربتان سريريتان", "المصدر: مراجعتان بحثيتان"} <= source_labels(html)


@pytest.mark.parametrize("language, counts, words", [
    ("en", (("trial", 1),), "trial"),
    ("en", (("trial", 5), ("leaflet", 1)), "trials and patient leaflet"),
    ("en", (("trial", 1), ("review", 1), ("commercial", 2)), "trial, research review and clinic web pages"),
    ("pl", (("trial", 1),), "badanie kliniczne"),
    ("pl", (("leaflet", 3),), "ulotki dla pacjentów"),
    ("pl", (("leaflet", 5), ("commercial", 1)), "ulotki dla pacjentów i strona internetowa kliniki"),
    ("pl", (("trial", 1), ("review", 22), ("expert", 1)), "badanie kliniczne, przeglądy badań i opinia eksperta"),
    ("ar", (("observational", 1),), "دراسة"),
    ("ar", (("observational", 2),), "دراستان"),
    ("ar", (("observational", 3),), "دراسات"),
    ("ar", (("observational", 11),), "دراسات"),
    ("ar", (("instrument", 100),), "استبيانات"),
    ("ar", (("trial", 1), ("review", 1), ("leaflet", 2)), "تجربة سريرية ومراجعة بحثية ونشرتان للمرضى"),
])
def test_source_words_take_the_languages_plural_forms_and_list_pattern(app, language, counts, words):
    with app.app_context(), force_locale(language):
        assert str(SourceWords(counts)) == words


def test_source_words_outside_a_request_are_the_english():
    """The content checks and benchmarks read them with no app: the English, as before."""
    assert str(SourceWords((("guideline", 2), ("expert", 1)))) == "guidelines and expert advice"


def test_the_translated_meta_keeps_the_english_facts(app):
    with app.app_context():
        english = content_version(app.config["CONTENT_VERSION"])
        for code in ("pl", "ar"):
            translated = content_version(app.config["CONTENT_VERSION"], code)
            assert translated.meta.no_recommendation != english.meta.no_recommendation
            assert set(translated.meta.certainty_levels) == set(english.meta.certainty_levels)
            assert all(translated.meta.certainty_levels[level] != english.meta.certainty_levels[level]
                       for level in english.meta.certainty_levels)
            assert (translated.meta.version, translated.meta.rules, translated.meta.next_review) == \
                (english.meta.version, english.meta.rules, english.meta.next_review)
