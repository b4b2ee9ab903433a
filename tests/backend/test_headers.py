"""Security headers as a browser receives them, the API docs' assets, and the language switch.

Against a live uvicorn server: a CSP allowing scripts and styles from this site only (and no
template that would need more), no framing except the LTI routes by their platforms, a referrer
policy, HSTS in production, Swagger UI from local pinned files, and redirects that stay here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest

from backend.app import create_app
from backend.bootstrap import prepare
from backend.web.templating import FRONTEND
from tests.backend.browser_http import client, csrf
from tests.services import live_server

PATHS = ["/login", "/api/docs", "/static/kadai.css", "/api/v1/courses", "/nowhere"]


@pytest.fixture
def base(settings, prepare_demo) -> Iterator[str]:
    prepare_demo(settings)
    lti = settings.model_copy(update={"lti_frame_ancestors": ["https://lms.example"]})
    with live_server(create_app(lti)) as url:
        yield url


def directives(policy: str) -> dict[str, str]:
    return {
        part.split()[0]: part.split(None, 1)[1] if " " in part.strip() else ""
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def test_every_response_carries_the_security_headers(base):
    with client(base) as http:
        for path in PATHS:
            headers = http.get(path).headers
            policy = directives(headers["content-security-policy"])
            assert policy["script-src"] == "'self'", path
            assert policy["style-src"].startswith("'self' 'nonce-"), path  # no 'unsafe-inline'
            assert policy["object-src"] == "'none'", path
            assert policy["frame-ancestors"] == "'none'" and headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "same-origin"
            assert headers["x-content-type-options"] == "nosniff"
            assert "strict-transport-security" not in headers  # not production
        nonces = {
            directives(http.get("/login").headers["content-security-policy"])["style-src"]
            for _ in range(3)
        }
        assert len(nonces) == 3  # a fresh nonce for every response


def test_only_lti_routes_may_be_framed_and_only_by_the_registered_platforms(base):
    with client(base) as http:
        headers = http.get("/lti/launch").headers  # no LTI route yet: the policy is ready
    assert directives(headers["content-security-policy"])["frame-ancestors"] == (
        "https://lms.example"
    )
    assert "x-frame-options" not in headers


def test_production_adds_hsts(tmp_path, production_env):
    from backend.settings import Settings

    settings = Settings(
        environment="production",
        data_dir=tmp_path / "var",
        secret_key=secrets.token_urlsafe(32),
        admin_password="admin-password-123",
    )
    prepare(settings)
    with live_server(create_app(settings)) as url, client(url) as http:
        hsts = http.get("/login").headers["strict-transport-security"]
    assert hsts.startswith("max-age=31536000")


def test_no_template_needs_inline_script_or_style():
    # A JSON data block (type="application/json") is never executed: it is data for a script.
    inline = re.compile(
        r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>'
        r"|\son[a-z]+\s*=|\sstyle\s*=|javascript:|<style",
        re.I,
    )
    found = {
        path.name: inline.findall(path.read_text())
        for path in (FRONTEND / "templates").glob("*.html")
        if inline.search(path.read_text())
    }
    assert found == {}


def test_the_api_docs_load_pinned_local_assets(base):
    with client(base) as http:
        page = http.get("/api/docs")
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets and all(a.startswith("/static/") for a in assets), assets
        assert "cdn" not in page.text and "http" not in page.text
        for asset in assets:
            response = http.get(asset)
            assert response.status_code == 200 and response.content, asset
        assert "SwaggerUIBundle" in http.get("/static/swagger/swagger-ui-bundle.js").text
        assert http.get(page.text.split('data-openapi-url="')[1].split('"')[0]).status_code == 200


def test_the_language_switch_is_a_post_that_redirects_only_within_the_site(base):
    with client(base) as http:
        assert http.get("/lang/ja").status_code == 405  # GET changes nothing
        token = csrf(http)
        for target, expected in [
            ("/courses/1?x=1", "/courses/1?x=1"),
            ("//evil.example/phish", "/"),
            ("https://evil.example/", "/"),
            ("/\\evil.example", "/"),
        ]:
            answer = http.post(
                "/lang/ja",
                data={"csrf_token": token, "next": target},
                headers={"Host": "evil.example", "Referer": "http://evil.example/phish"},
            )
            assert answer.status_code == 303 and answer.headers["location"] == expected, target
            assert answer.cookies["lang"] == "ja"
        refused = http.post("/lang/en", data={"next": "/"})
        assert refused.status_code == 403  # without the CSRF token
