"""A saved discussion reprints with the content it was shown, even after the content changes."""
import shutil

import yaml

from conftest import Consultation, pdf_text, signed_in_client

OLD_WORDS = "Exercises to make your hip and thigh stronger."
NEW_WORDS = "Strength work for the hips and thighs, new in this version."


def flat(text: str) -> str:
    return " ".join(text.split())


def publish_new_version(folder):
    """Copy 2026.1 to 2026.2 with one changed sentence, as an editor would."""
    import shutil
    new = folder / "2026.2"
    shutil.copytree(folder / "2026.1", new)
    meta = yaml.safe_load((new / "meta.yaml").read_text())
    meta["version"] = "2026.2"
    (new / "meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False))
    comparison = (new / "comparison.yaml").read_text()
    assert OLD_WORDS in flat(comparison.replace(">-", ""))
    # the sentence is folded over lines in the YAML: rewrite the whole first cell text
    data = yaml.safe_load(comparison)
    cell = data["rows"][0]["cells"]["conservative"][0]
    assert cell["text"].startswith(OLD_WORDS)
    cell["text"] = cell["text"].replace(OLD_WORDS, NEW_WORDS)
    (new / "comparison.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_reprint_after_a_content_update_shows_what_the_patient_saw(make_app, content_copy, tmp_path):
    shutil.move(content_copy / "2026.2", tmp_path / "set-aside-2026.2")  # start where only 2026.1 exists
    before = make_app(CONTENT_DIR=str(content_copy))
    visit = Consultation(signed_in_client(before)).start().fill_all(before)
    unfinished = Consultation(signed_in_client(before)).start()
    visit.finish()
    first_print = flat(pdf_text(signed_in_client(before).get(f"{visit.url}/revisions/1.pdf").data))
    assert OLD_WORDS in first_print

    publish_new_version(content_copy)
    after = make_app(CONTENT_DIR=str(content_copy), PDF_CACHE_DIR=str(tmp_path / "fresh-cache"))
    assert after.config["CONTENT_VERSION"] == "2026.2"
    client = signed_in_client(after)

    reprint = flat(pdf_text(client.get(f"{visit.url}/revisions/1.pdf").data))
    assert OLD_WORDS in reprint and NEW_WORDS not in reprint
    assert "Content version 2026.1" in reprint
    # 2026.1 predates the sign-off banner: it reprints without it, its colophon giving the review status
    assert "Draft: awaiting clinical review." not in reprint and "Draft — awaiting clinical review" in reprint
    assert reprint == first_print  # the same words, rendered afresh

    # a discussion started before the update carries on with the content it started with
    options_step = flat(client.get(f"{unfinished.url}/steps/options").get_data(as_text=True))
    assert OLD_WORDS in options_step and NEW_WORDS not in options_step

    # a new discussion gets the new content
    fresh = Consultation(client).start()
    assert NEW_WORDS in flat(client.get(f"{fresh.url}/steps/options").get_data(as_text=True))
    assert "Content version 2026.2" in flat(client.get("/comparison").get_data(as_text=True))
