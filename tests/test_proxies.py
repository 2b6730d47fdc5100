"""X-Forwarded-* headers count only when the request comes from one of the configured proxies:
anyone else who sends them is seen as the address they really connect from, over plain HTTP."""
import importlib

import pytest
from flask import request

SPOOFED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


@pytest.fixture
def production(make_app, monkeypatch):
    for name in ("PROXY_COUNT", "TRUSTED_PROXIES", "FLASK_DEBUG", "HTTPS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DECISION_AID_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)

    def make():
        app = make_app(TESTING=False)
        # What the app believes about the client, as the sign-in throttle and HSTS see it.
        app.add_url_rule("/seen-as", "seen_as", lambda: {"address": request.remote_addr, "https": request.is_secure})
        import decision_aid.security as security
        monkeypatch.setattr(security, "PUBLIC_ENDPOINTS", security.PUBLIC_ENDPOINTS | {"seen_as"})
        return app
    return make


def seen_from(app, peer: str, headers=SPOOFED):
    # base_url: Flask's test client would default to https, the production PREFERRED_URL_SCHEME.
    response = app.test_client().get("/seen-as", base_url="http://localhost", headers=headers,
                                     environ_base={"REMOTE_ADDR": peer})
    return response.get_json(), response.headers


@pytest.mark.parametrize("peer", ["198.51.100.7", "10.0.0.5", "2001:db8::1"])
def test_forwarded_headers_from_an_untrusted_peer_are_ignored(production, peer):
    seen, headers = seen_from(production(), peer)
    assert seen == {"address": peer, "https": False}
    assert "Strict-Transport-Security" not in headers


@pytest.mark.parametrize("proxy", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_forwarded_headers_from_the_trusted_proxy_are_believed(production, proxy):
    seen, headers = seen_from(production(), proxy)
    assert seen == {"address": "203.0.113.9", "https": True}
    assert "Strict-Transport-Security" in headers


def test_the_trusted_proxies_are_configurable_as_addresses_or_networks(production, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/24, 192.0.2.10")
    app = production()
    assert seen_from(app, "10.0.0.5")[0]["address"] == "203.0.113.9"
    assert seen_from(app, "192.0.2.10")[0]["address"] == "203.0.113.9"
    assert seen_from(app, "127.0.0.1")[0]["address"] == "127.0.0.1"  # no longer listed


def test_a_mistyped_trusted_proxy_stops_start_up(production, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.300")
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        production()


def test_gunicorn_trusts_the_same_proxies(monkeypatch):
    import decision_aid.gunicorn_conf as conf
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert importlib.reload(conf).forwarded_allow_ips == "127.0.0.1,::1"
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/24,192.0.2.10")
    assert importlib.reload(conf).forwarded_allow_ips == "10.0.0.0/24,192.0.2.10"
