"""The README's production set-up, whole, in a real browser: gunicorn started as the README says,
nginx in front of it with deploy/nginx-decision-aid.conf (the file the README points to) and a
throwaway TLS certificate, and Chromium signing in over HTTPS, going through a whole discussion,
finishing it, printing its PDF and signing out. Every step is a POST through the proxy, so the
CSRF check (same-site Referer, the forwarded Host and scheme) and the __Host- session cookie all
have to work as a browser really sends them.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from _servers import ROOT, free_port, gunicorn, prepare_database, production_env, wait_for
from conftest import PASSWORD
from .conftest import CspWatch
from .helpers import downloaded, pdf_text

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed",
                               exc_type=ImportError)
expect = sync_api.expect

NGINX_SITE = ROOT / "deploy" / "nginx-decision-aid.conf"
EMAIL = "tls@clinic.example"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
OPENSSL = shutil.which("openssl")

pytestmark = [pytest.mark.sqlite_only,
              pytest.mark.skipif(not NGINX, reason="nginx is not installed (Debian: apt-get install nginx)"),
              pytest.mark.skipif(not OPENSSL, reason="openssl is not installed (Debian: apt-get install openssl)")]


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(certificate)], check=True, capture_output=True)
    return certificate, key


def nginx_config(folder: Path, port: int, app: str, certificate: Path, key: Path) -> Path:
    """The repository's server block with this test's values, inside a minimal nginx.conf of its own
    (pid, logs and temporary files in ``folder``)."""
    site = NGINX_SITE.read_text()
    for name, value in {"LISTEN": str(port), "SERVER_NAME": "127.0.0.1", "CERTIFICATE": str(certificate),
                        "CERTIFICATE_KEY": str(key), "APP": app}.items():
        site = site.replace(f"@{name}@", value)
    assert not re.search(r"@[A-Z_]+@", site), "a placeholder in deploy/nginx-decision-aid.conf was not filled in"
    (folder / "decision-aid.conf").write_text(site)
    temp = "\n".join(f"  {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                          "uwsgi", "scgi"))
    # As root, nginx's workers would run as nobody, who cannot enter pytest's private tmp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = (f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n  access_log {folder / 'access.log'};\n{temp}\n  include {folder / 'decision-aid.conf'};\n}}\n")
    (folder / "nginx.conf").write_text(main)
    return folder / "nginx.conf"


@pytest.fixture
def https_site(tmp_path, browser):
    env = production_env(tmp_path)  # PROXY_COUNT and TRUSTED_PROXIES at their production defaults
    prepare_database(env, EMAIL)
    certificate, key = throwaway_certificate(tmp_path)
    with gunicorn(env, tmp_path) as app:
        port = free_port()
        config = nginx_config(tmp_path, port, f"127.0.0.1:{app.port}", certificate, key)
        nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        url = f"https://127.0.0.1:{port}"
        try:
            wait_for(url + "/healthz", nginx, lambda: (tmp_path / "error.log").read_text())
            yield url
        finally:
            nginx.send_signal(signal.SIGTERM)  # fast shutdown; the master stops its worker
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()


def test_sign_in_and_a_whole_discussion_through_nginx_over_https(browser, https_site):
    context = browser.new_context(base_url=https_site, ignore_https_errors=True, accept_downloads=True)
    context.set_default_timeout(15_000)
    watch = CspWatch()
    page = context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", watch.page_error)
    try:
        page.goto("/login")
        page.get_by_label("E-mail address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_response(lambda r: r.request.method == "POST") as signing_in:
            page.get_by_role("button", name="Sign in").click()
        assert signing_in.value.status == 302, signing_in.value.text()[:500]  # signed in, not refused
        page.wait_for_url(re.compile(r"^https://[^/]+/$"))
        [cookie] = [c for c in context.cookies() if c["name"].endswith("decision_aid_session")]
        assert cookie["name"].startswith("__Host-") and cookie["secure"] and cookie["path"] == "/"

        page.get_by_role("navigation", name="Main").get_by_role("link", name="New discussion").click()
        page.get_by_label("Patient reference").fill("TLS-0042")
        page.get_by_label("Left knee").check()
        save(page, "Is this runner's knee?")
        page.locator("#diagnosis").get_by_label("Yes", exact=True).check()
        page.get_by_label("None of these: I have checked each one").check()
        page.get_by_label("The patient's age, in whole years").fill("29")
        save(page, "Your situation")
        page.get_by_label("6 weeks to 3 months").check()
        page.get_by_label("Going up or down stairs").check()
        page.get_by_role("group", name=re.compile("How bad is the pain now")).get_by_label("3", exact=True).check()
        for question in page.locator("fieldset[id^='safety_']").all():
            question.get_by_label("No", exact=True).check()
        save(page, "The options")
        page.get_by_label("Questions or notes about the options").fill("Asked over HTTPS")
        save(page, "What matters to you")
        save(page, "Check what we discussed")  # "Ready to decide?" is asked on the same page
        for question in page.locator("fieldset[id^='sure_']").all():
            question.get_by_label("Yes", exact=True).check()
        save(page, "Decision")
        page.get_by_label("Hyaluronic acid (HA) injection").check()
        page.get_by_label("The reasons, in the patient's own words").fill("Wants to try it before the season")
        save(page, "Summary")
        page.get_by_role("button", name="Finish").click()
        expect(page.get_by_role("status").filter(has_text="finished and saved as revision 1")).to_be_visible()

        with page.expect_download() as info:
            page.get_by_role("link", name="Print PDF").click()
        text = pdf_text(downloaded(info.value))
        assert "TLS-0042" in text and "Wants to try it before the season" in text and "Asked over HTTPS" in text

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("status")).to_have_text("You have signed out.")
        assert watch.problems == []
    finally:
        context.close()


def save(page, next_title: str) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(next_title)
