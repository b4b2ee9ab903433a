"""Registering an LMS: the admin page (with the values to paste), the API, ``kadai lti register``,
and the tool's keys (rotation keeps the old key published for a while)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from backend.models import LtiPlatform, LtiToolKey
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, database, sign_in, token_for

FORM = {
    "name": "Moodle (uni)",
    "issuer": "https://moodle.uni.example",
    "client_id": "Xy12",
    "deployment_ids": "1, 7",
    "auth_login_url": "https://moodle.uni.example/mod/lti/auth.php",
    "auth_token_url": "https://moodle.uni.example/mod/lti/token.php",
    "jwks_url": "https://moodle.uni.example/mod/lti/certs.php",
}


def test_the_admin_page_shows_what_to_paste_and_registers_a_platform(kadai, lti_settings):
    sign_in(kadai, lti_settings.admin_email, ADMIN_PASSWORD)
    page = kadai.get("/admin/lti")
    assert page.status_code == 200
    for value in (
        "https://testserver/lti/login",
        "https://testserver/lti/launch",
        "https://testserver/lti/jwks.json",
    ):
        assert value in page.text
    answer = kadai.post(
        "/admin/lti/platforms",
        data={**FORM, "csrf_token": csrf_of(kadai, "/admin/lti")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    listed = kadai.get(answer.headers["location"]).text
    assert "https://moodle.uni.example" in listed and "Xy12" in listed
    # The same issuer and client id again: an update, not a second platform.
    kadai.post(
        "/admin/lti/platforms",
        data={**FORM, "deployment_ids": "1 7 9", "csrf_token": csrf_of(kadai, "/admin/lti")},
    )
    with database(lti_settings) as session:
        platforms = session.scalars(select(LtiPlatform)).all()
        assert [p.deployments for p in platforms] == [["1", "7", "9"]]


def test_bad_registration_input_is_refused_in_both_languages(kadai, lti_settings):
    sign_in(kadai, lti_settings.admin_email, ADMIN_PASSWORD)
    answer = kadai.post(
        "/admin/lti/platforms",
        data={**FORM, "jwks_url": "certs.php", "csrf_token": csrf_of(kadai, "/admin/lti")},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert "JWKS URL" in error["message"] and "URL" in error["message_ja"]


def test_students_and_instructors_cannot_register(kadai):
    sign_in(kadai, "teacher@kadai.local")
    assert kadai.get("/admin/lti").status_code == 403


def test_the_api_registers_and_lists_platforms(kadai, lti_settings):
    token = token_for(lti_settings, lti_settings.admin_email, "manage")
    body = {**FORM, "deployment_ids": ["1"]}
    created = kadai.post(
        "/api/v1/lti/platforms", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 201, created.text
    listed = kadai.get("/api/v1/lti/platforms", headers={"Authorization": f"Bearer {token}"}).json()
    assert listed["platforms"][0]["client_id"] == "Xy12"
    assert listed["tool"]["initiate_login_uri"] == "https://testserver/lti/login"
    teacher = token_for(lti_settings, "teacher@kadai.local", "manage")
    refused = kadai.post(
        "/api/v1/lti/platforms", json=body, headers={"Authorization": f"Bearer {teacher}"}
    )
    assert refused.status_code == 403


def test_kadai_lti_register_prints_the_values_to_paste(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KADAI_")}
    env.update({"PYTHONPATH": str(PROJECT_ROOT), "KADAI_DATA_DIR": str(tmp_path / "var")})
    args = [
        sys.executable,
        "-m",
        "backend.cli",
        "lti",
        "register",
        "--issuer",
        FORM["issuer"],
        "--client-id",
        "Xy12",
    ]
    args += ["--deployment-id", "1", "--deployment-id", "7", "--auth-url", FORM["auth_login_url"]]
    args += [
        "--token-url",
        FORM["auth_token_url"],
        "--jwks-url",
        FORM["jwks_url"],
        "--tool-url",
        "https://kadai.uni.example/",
    ]
    done = subprocess.run(
        args, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "https://kadai.uni.example/lti/login" in done.stdout
    assert "https://kadai.uni.example/lti/jwks.json" in done.stdout
    bad = subprocess.run(
        [*args[:-2], "--jwks-url", "nope"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "JWKS URL" in bad.stderr


def test_a_rotated_key_stays_in_the_jwks_until_the_overlap_ends(kadai, lti_settings):
    first = kadai.get("/lti/jwks.json").json()["keys"]
    assert len(first) == 1 and first[0]["alg"] == "RS256" and "d" not in first[0]
    sign_in(kadai, lti_settings.admin_email, ADMIN_PASSWORD)
    kadai.post("/admin/lti/keys/rotate", data={"csrf_token": csrf_of(kadai, "/admin/lti")})
    kids = [k["kid"] for k in kadai.get("/lti/jwks.json").json()["keys"]]
    assert len(kids) == 2 and first[0]["kid"] in kids
    with database(lti_settings) as session:
        old = session.scalar(select(LtiToolKey).where(LtiToolKey.kid == first[0]["kid"]))
        old.retired_at -= timedelta(days=8)
    assert [k["kid"] for k in kadai.get("/lti/jwks.json").json()["keys"]] == [
        k for k in kids if k != first[0]["kid"]
    ]


def test_the_registration_page_reads_in_japanese(kadai, lti_settings):
    sign_in(kadai, lti_settings.admin_email, ADMIN_PASSWORD)
    page = kadai.get("/admin/lti", headers={"Accept-Language": "ja"}).text
    for label in ("LMS に貼り付ける値", "プラットフォームを登録", "鍵を更新", "デプロイメント ID"):
        assert label in page
    assert "Values to paste" not in page
