"""Login initiation → launch against a real platform (lti1p3platform): accounts by ``sub``, roles,
courses by context; every forged or stale launch is refused with its own bilingual page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.bootstrap import DEMO_PASSWORD
from backend.models import Course, Enrollment, LtiAccount, LtiPlatform, User, UserSession
from tests.backend.conftest import csrf_of, database
from tests.backend.lti.conftest import (
    TOOL,
    blocked_cookies_page,
    confirm_continue,
    continue_link,
    enter,
    launch,
    start_launch,
)
from tests.backend.lti.platform_peer import CLIENT_ID, INSTRUCTOR, LEARNER, Launch, _key_pair


def test_a_learner_launch_signs_in_inside_the_lms_frame(kadai, peer, lti_settings):
    spec = Launch(sub="lms-user-7", roles=[LEARNER], name="Aiko Sato", email="aiko@uni.example")
    answer = launch(kadai, peer, "h1", spec)
    assert answer.status_code == 303, answer.text
    # The session cookie is sent back inside the LMS's cross-site iframe.
    session_cookie = [
        c for c in answer.headers.get_list("set-cookie") if c.startswith("kadai_session=")
    ]
    assert len(session_cookie) == 1
    assert "samesite=none" in session_cookie[0] and "; secure" in session_cookie[0]
    checked = kadai.get(answer.headers["location"], follow_redirects=False)
    assert checked.status_code == 303
    page = kadai.get(checked.headers["location"])
    assert page.status_code == 200 and "Aiko Sato" in page.text  # signed in, in the frame
    # Framed by the launching platform only; no DENY for this session's pages.
    policy = page.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {peer.base};" in policy + ";"
    assert "x-frame-options" not in page.headers
    # CSRF still guards every form of the framed session.
    assignment_less = kadai.post("/account/tokens", data={"name": "x"}, follow_redirects=False)
    assert assignment_less.status_code == 403
    with database(lti_settings) as session:
        user = session.scalar(select(User).where(User.email == "aiko@uni.example"))
        rows = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
        assert [r.lti_platform_id for r in rows] == [
            session.scalar(select(LtiPlatform.id).where(LtiPlatform.issuer == peer.issuer))
        ]


def test_a_password_session_stays_unframable_and_lax(kadai, peer):
    enter(kadai, peer, "h0", Launch(sub="lms-user-0", roles=[LEARNER]))
    # The same browser signs in by password over the launch's cookie: an ordinary session.
    signed_in = kadai.post(
        "/login",
        data={
            "email": "student1@kadai.local",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_of(kadai, "/login"),
        },
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    home = kadai.get("/")
    assert (
        home.status_code == 200
        and "frame-ancestors 'none'" in home.headers["content-security-policy"]
    )
    assert home.headers["x-frame-options"] == "DENY"
    cookies = [
        c for c in signed_in.headers.get_list("set-cookie") if c.startswith("kadai_session=")
    ]
    assert cookies and all("samesite=lax" in c for c in cookies)


def test_only_the_database_record_of_a_launched_session_makes_it_framable(
    kadai, peer, lti_settings
):
    """The cookie says which LMS may frame the session, but the session row must agree: one
    that no longer records the platform is served unframable, and its cookie goes back to Lax."""
    landed = enter(kadai, peer, "h2", Launch(sub="lms-user-2", roles=[LEARNER]))
    assert "x-frame-options" not in kadai.get(landed).headers
    with database(lti_settings) as session:
        for row in session.scalars(select(UserSession)).all():
            row.lti_platform_id = None
    page = kadai.get(landed)
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    cookie = [c for c in page.headers.get_list("set-cookie") if c.startswith("kadai_session=")]
    assert cookie and "samesite=lax" in cookie[0]


def test_without_its_cookie_the_frame_offers_a_new_window_that_signs_in_once(
    kadai, peer, lti_settings
):
    spec = Launch(sub="lms-user-7", roles=[LEARNER], name="Aiko Sato", email="aiko@uni.example")
    page = blocked_cookies_page(kadai, peer, "h1", spec)
    assert page.status_code == 200, page.text
    assert 'data-testid="lti-cookies-blocked"' in page.text
    assert "third-party cookies" in page.text and "サードパーティ Cookie" in page.text  # both
    # Framed by the platform only; no DENY for this page.
    policy = page.headers["content-security-policy"]
    assert f"frame-ancestors {peer.base}" in policy
    assert "x-frame-options" not in page.headers
    link = continue_link(page.text)
    # Opening the link signs nobody in: it asks first (a link someone else made would sign this
    # browser into their account), and the answer needs the page's CSRF token.
    asked = kadai.get(link, follow_redirects=False)
    assert asked.status_code == 200 and "Continue as Aiko Sato" in asked.text
    assert kadai.get("/account/tokens", follow_redirects=False).status_code in (303, 401, 403)
    token = asked.text.split('name="token" value="')[1].split('"')[0]
    forged = kadai.post("/lti/continue", data={"token": token}, follow_redirects=False)
    assert forged.status_code == 403
    ja = kadai.get(link, headers={"Accept-Language": "ja"})
    assert "Aiko Sato として続ける" in ja.text
    landed = confirm_continue(kadai, link)
    assert landed.status_code == 303
    cookie = [c for c in landed.headers.get_list("set-cookie") if c.startswith("kadai_session=")]
    assert "samesite=lax" in cookie[0]  # a window of its own: first-party, not framable
    opened = kadai.get(landed.headers["location"])
    assert opened.status_code == 200  # signed in
    assert opened.headers["x-frame-options"] == "DENY"
    assert confirm_continue(kadai, link).status_code == 403  # the link works once
    with database(lti_settings) as session:
        user = session.scalar(select(User).where(User.email == "aiko@uni.example"))
        assert user is not None and user.role == "student" and user.name == "Aiko Sato"
        course = session.scalar(select(Course).where(Course.title == "Deep Learning 101"))
        enrollment = session.scalar(
            select(Enrollment).where(
                Enrollment.course_id == course.id, Enrollment.user_id == user.id
            )
        )
        assert enrollment.role == "student"


def test_the_same_sub_is_the_same_account_and_an_email_never_joins_two(kadai, peer, lti_settings):
    # The demo's student1 has this address; the LMS user is someone else until proven otherwise.
    enter(kadai, peer, "a", Launch(sub="s-1", roles=[LEARNER], email="student1@kadai.local"))
    enter(kadai, peer, "b", Launch(sub="s-1", roles=[LEARNER], email="student1@kadai.local"))
    with database(lti_settings) as session:
        accounts = session.scalars(select(LtiAccount).where(LtiAccount.sub == "s-1")).all()
        assert len(accounts) == 1
        user = session.get(User, accounts[0].user_id)
        assert user.email != "student1@kadai.local"


def test_an_instructor_launch_makes_a_course_instructor(kadai, peer, lti_settings):
    enter(kadai, peer, "i", Launch(sub="t-1", roles=[INSTRUCTOR], name="Prof. Kato"))
    with database(lti_settings) as session:
        user = session.scalar(select(User).where(User.name == "Prof. Kato"))
        assert user.role == "instructor"
        assert (
            session.scalar(select(Enrollment.role).where(Enrollment.user_id == user.id))
            == "instructor"
        )


def test_a_launch_in_its_own_window_goes_straight_to_kadai(kadai, peer):
    fields = start_launch(
        kadai, peer, "w", Launch(sub="s-9", roles=[LEARNER], document_target="window")
    )
    answer = kadai.post("/lti/launch", data=fields, follow_redirects=False)
    assert answer.status_code == 303
    assert kadai.get(answer.headers["location"]).status_code == 200


def refused_check(answer) -> str:  # type: ignore[no-untyped-def]
    return answer.text.split('data-check="')[1].split('"')[0]


@pytest.mark.parametrize(
    ("spec", "check", "status"),
    [
        (Launch(sub="x", roles=None), "roles", 403),
        (Launch(sub="x", roles=[LEARNER], claims={"aud": "another-tool"}), "audience", 401),
        (Launch(sub="x", roles=[LEARNER], claims={"azp": "another-tool"}), "audience", 401),
        (Launch(sub="x", roles=[LEARNER], expires_in=-3600), "expired", 401),
        (
            Launch(
                sub="x",
                roles=[LEARNER],
                claims={"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "elsewhere"},
            ),
            "deployment",
            403,
        ),
        (Launch(sub="x", roles=[LEARNER], claims={"iss": "https://evil.example"}), "issuer", 401),
    ],
    ids=["missing-roles", "wrong-audience", "wrong-azp", "expired", "unknown-deployment", "issuer"],
)
def test_a_bad_launch_gets_its_own_bilingual_refusal(kadai, peer, spec, check, status):
    answer = launch(kadai, peer, "bad", spec)
    assert answer.status_code == status, answer.text
    assert refused_check(answer) == check
    # Both languages, and what an administrator should fix.
    assert "What an administrator should fix" in answer.text
    assert "管理者" in answer.text or "LMS" in answer.text
    ja = kadai.post(
        "/lti/launch",
        data=start_launch(kadai, peer, "bad-ja", spec),
        headers={"Accept-Language": "ja"},
    )
    assert refused_check(ja) == check and "管理者が確認すること" in ja.text


def test_a_bad_signature_is_refused(kadai, peer):
    answer = launch(
        kadai, peer, "sig", Launch(sub="x", roles=[LEARNER], sign_with=peer.other_private_key)
    )
    assert answer.status_code == 401
    assert refused_check(answer) in ("signature", "unknown_key")
    assert "signature" in answer.text or "not publish" in answer.text


def test_a_replayed_launch_is_refused(kadai, peer):
    fields = start_launch(kadai, peer, "r", Launch(sub="replayer", roles=[LEARNER]))
    cookie = kadai.cookies.get("kadai_lti_state", path="/lti/")
    assert kadai.post("/lti/launch", data=fields).status_code == 200
    # The attacker has the form and the browser's cookie too: the nonce was used.
    again = kadai.post("/lti/launch", data=fields, cookies={"kadai_lti_state": cookie})
    assert again.status_code == 401 and refused_check(again) == "nonce"


def test_a_browser_without_the_state_cookie_is_offered_a_new_window(kadai, peer):
    fields = start_launch(kadai, peer, "c", Launch(sub="safari", roles=[LEARNER]))
    kadai.cookies.clear()
    answer = kadai.post("/lti/launch", data=fields)
    assert answer.status_code == 400 and refused_check(answer) == "cookies_blocked"
    # The new window starts the login again, where cookies are first-party.
    assert 'target="_blank"' in answer.text and "/lti/login?" in answer.text
    assert f"client_id={CLIENT_ID}" in answer.text.replace("&amp;", "&")


def test_state_from_another_browser_is_refused(kadai, peer):
    mine = start_launch(kadai, peer, "m", Launch(sub="a", roles=[LEARNER]))
    theirs = start_launch(kadai, peer, "t", Launch(sub="b", roles=[LEARNER]))  # replaces the cookie
    answer = kadai.post("/lti/launch", data=mine)
    assert refused_check(answer) == "state_mismatch"
    assert kadai.post("/lti/launch", data=theirs).status_code == 200


def test_an_unregistered_platform_is_refused_at_login(kadai, peer):
    answer = kadai.get(
        "/lti/login",
        params={
            "iss": "https://unknown.example",
            "login_hint": "x",
            "target_link_uri": f"{TOOL}/lti/launch",
        },
    )
    assert answer.status_code == 400 and refused_check(answer) == "unknown_platform"


def test_a_platform_key_rotation_is_followed_by_fetching_its_keys_again(kadai, peer):
    assert launch(kadai, peer, "k1", Launch(sub="k", roles=[LEARNER])).status_code == 303
    private, public = _key_pair()
    peer.registration.set_platform_private_key(private).set_platform_public_key(public)
    # Kadai cached the old key set; the new kid makes it fetch the platform's keys again.
    assert launch(kadai, peer, "k2", Launch(sub="k", roles=[LEARNER])).status_code == 303
    # A token signed with the retired key no longer verifies: its kid is gone from the JWKS.
    stale = launch(
        kadai, peer, "k3", Launch(sub="k", roles=[LEARNER], sign_with=peer.other_private_key)
    )
    assert stale.status_code == 401


def test_a_token_without_kid_is_checked_against_each_of_the_platforms_keys(kadai, peer):
    _, spare = _key_pair()
    peer.extra_public_keys = [spare]
    answer = launch(kadai, peer, "nokid", Launch(sub="nk", roles=[LEARNER], without_kid=True))
    assert answer.status_code == 303, answer.text
    # Signed with a key the platform does not publish: refused as a bad signature.
    forged = launch(
        kadai,
        peer,
        "nokid-bad",
        Launch(sub="nk", roles=[LEARNER], without_kid=True, sign_with=peer.other_private_key),
    )
    assert forged.status_code == 401 and refused_check(forged) == "signature"


def test_made_up_kids_fetch_the_platforms_keys_at_most_once_a_minute(kadai, peer):
    assert launch(kadai, peer, "ok", Launch(sub="f", roles=[LEARNER])).status_code == 303
    assert peer.jwks_requests == 1
    for n in range(3):
        private, _ = _key_pair()
        forged = launch(kadai, peer, f"f{n}", Launch(sub="f", roles=[LEARNER], sign_with=private))
        assert forged.status_code == 401 and refused_check(forged) == "unknown_key"
    assert peer.jwks_requests == 2


@pytest.mark.parametrize(
    "claim",
    [
        {
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitems": "http://169.254.169.254/latest/meta-data/",
            }
        },
        {
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": "https://intranet.example/members",
                "service_versions": ["2.0"],
            }
        },
    ],
)
def test_a_service_url_off_the_platforms_hosts_is_refused(kadai, peer, lti_settings, claim):
    answer = launch(kadai, peer, "ssrf", Launch(sub="s", roles=[LEARNER], claims=claim))
    assert answer.status_code == 400 and refused_check(answer) == "service_url"
    with database(lti_settings) as session:
        assert session.scalars(select(LtiAccount)).all() == []
