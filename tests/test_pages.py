import re
from html import unescape

import pytest
import yaml

from conftest import in_order, signed_in_client

PAGES = ["/", "/comparison", "/options/conservative", "/options/corticosteroid", "/options/prp",
         "/options/hyaluronic_acid", "/about", "/handouts/"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_shows_the_four_options_in_the_fixed_order(client, option_names, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert in_order(html, option_names), f"options out of order on {url}"


@pytest.mark.parametrize("url", PAGES)
def test_pages_load_nothing_from_other_sites(client, url):
    html = client.get(url).get_data(as_text=True)
    for attribute, value in re.findall(r'\b(src|href)="([^"]*)"', html):
        assert not re.match(r"^(https?:)?//", value), f"{url} loads {value} from another site"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all(re.search(r'src="/static/', attrs) and not body.strip() for attrs, body in scripts)
    assert ' style="' not in html


@pytest.mark.parametrize("url", ["/no-such-page", "/options/surgery", "/handouts/surgery.pdf"])
def test_unknown_pages_get_a_friendly_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert 'href="/"' in html  # a way back to the start
    assert "Traceback" not in html


def test_start_page_covers_the_condition_and_what_the_aid_is_not(client, app):
    html = unescape(client.get("/").get_data(as_text=True))
    for heading in ("What is runner's knee?", "What causes it?", "What does it feel like?",
                    "How is it diagnosed?", "When other causes need to be ruled out",
                    "What happens over time?", "The decision", "What this aid is, and what it is not"):
        assert heading in html
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    for item in content.condition.about_aid.is_not:
        assert item in html


def test_comparison_has_every_question_as_a_row_and_certainty_in_words(client, app):
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    html = client.get("/comparison").get_data(as_text=True)
    for row in content.comparison.rows:
        assert f'id="row-{row.id}"' in html
    assert re.search(r"Certainty: (high|moderate|low|very low)", html)
    # every footnote number links to a reference listed on the same page
    cited = set(re.findall(r'href="#ref-(\d+)"', html))
    listed = set(re.findall(r'<li id="ref-(\d+)"', html))
    assert cited and cited <= listed


def test_icon_arrays_have_100_figures_and_a_text_alternative_with_the_same_numbers(client):
    html = client.get("/comparison").get_data(as_text=True)
    arrays = re.findall(r'<figure class="chance">\s*(<svg.*?</svg>)\s*<figcaption>(.*?)</figcaption>', html, re.S)
    assert arrays, "the comparison shows no icon arrays"
    for svg, caption in arrays:
        title = re.search(r"<title[^>]*>(.*?)</title>", svg).group(1)
        assert caption.strip().startswith(title)
        # an outcome counts people or injections (2026.2's severe-reaction row counts injections)
        count, out_of = map(int, re.search(r"(\d+) out of (\d+) (?:people|injections)", title).groups())
        assert out_of == 100
        # each figure is two sub-paths (head and body); filled and outlined figures are separate paths
        filled = re.search(r'<path class="filled" d="([^"]*)"', svg)
        empty = re.search(r'<path class="empty" d="([^"]*)"', svg)
        figures = lambda match: match.group(1).count("M") // 2 if match else 0  # noqa: E731
        assert figures(filled) == count
        assert figures(filled) + figures(empty) == 100


def _shift_review_dates(folder, **dates):
    newest = max((p for p in folder.iterdir() if p.is_dir()), key=lambda p: tuple(map(int, p.name.split("."))))
    meta_file = newest / "meta.yaml"
    meta = yaml.safe_load(meta_file.read_text())
    meta.update(dates)
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False))


def test_content_past_its_review_date_shows_a_banner(make_app, content_copy):
    import datetime as dt
    _shift_review_dates(content_copy, evidence_searched=dt.date(2020, 1, 1),
                        produced=dt.date(2020, 1, 2), next_review=dt.date(2021, 1, 2))
    client = signed_in_client(make_app(CONTENT_DIR=str(content_copy)))
    html = client.get("/comparison").get_data(as_text=True)
    assert "Content due for review" in html
    assert "2 January 2021" in html


def test_current_content_shows_no_review_banner(client):
    assert "Content due for review" not in client.get("/").get_data(as_text=True)


def test_about_page_lists_metadata_and_every_reference(client, app):
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    html = client.get("/about").get_data(as_text=True)
    for label in ("Content version", "Produced", "Research searched up to", "Next review due",
                  "Review status", "Authors", "How it is kept up to date", "Funding",
                  "Conflicts of interest"):
        assert label in html
    assert content.version in html
    for ref_id in content.references:
        assert f'id="ref-{ref_id}"' in html


def test_option_page_for_conservative_care_includes_the_home_programme(client):
    html = client.get("/options/conservative").get_data(as_text=True)
    for exercise in ("Leg press", "Squat", "Lunge", "Clamshell", "Glute bridge", "hip abduction"):
        assert exercise in html
    assert "/static/img/exercises/" in html
