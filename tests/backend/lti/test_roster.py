"""Names and Role Provisioning: the instructor syncs the LMS roster, page by page, and the
gradebook lists students who never launched Kadai."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.models import Enrollment, LtiAccount, User
from tests.backend.conftest import csrf_of, database
from tests.backend.lti.conftest import enter
from tests.backend.lti.platform_peer import INSTRUCTOR, LEARNER, Launch, platform_peer


def member(sub: str, name: str, roles: list[str], status: str = "Active") -> dict:
    return {
        "user_id": sub,
        "name": name,
        "email": f"{sub}@uni.example",
        "roles": roles,
        "status": status,
    }


def test_roster_sync_pages_through_the_members_and_fills_the_gradebook(kadai, peer, lti_settings):
    peer.members = [
        member("r-1", "Haruto Ito", [LEARNER]),
        member("r-2", "Yui Tanaka", [LEARNER]),
        member("r-3", "Sota Suzuki", [LEARNER], status="Inactive"),
        member("teacher-1", "Prof. Kato", [INSTRUCTOR]),
        member("r-5", "Mei Watanabe", [LEARNER]),
    ]
    landed = enter(kadai, peer, "t", Launch(sub="teacher-1", roles=[INSTRUCTOR], name="Prof. Kato"))
    course_id = int(landed.rsplit("/", 1)[1])
    page = f"/lti/courses/{course_id}"
    answer = kadai.post(
        f"{page}/roster", data={"csrf_token": csrf_of(kadai, page)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    assert peer.membership_pages == 3  # limit 2: five members on three pages
    assert kadai.get(answer.headers["location"]).text.count("Haruto") == 0  # a notice, not a list
    with database(lti_settings) as session:
        students = session.scalars(
            select(User.name)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course_id, Enrollment.role == "student")
        ).all()
        assert sorted(students) == ["Haruto Ito", "Mei Watanabe", "Yui Tanaka"]
        # The instructor who launched is the same account, not a second one.
        assert (
            len(session.scalars(select(LtiAccount).where(LtiAccount.sub == "teacher-1")).all()) == 1
        )
    gradebook = kadai.get(f"/courses/{course_id}/gradebook")
    assert gradebook.status_code == 200
    assert "Yui Tanaka" in gradebook.text and "Sota Suzuki" not in gradebook.text

    # A second sync adds nobody twice; a student who launches later is the synced account.
    again = kadai.post(
        f"{page}/roster", data={"csrf_token": csrf_of(kadai, page)}, follow_redirects=False
    )
    assert again.headers["location"].endswith("done=roster_0")
    enter(kadai, peer, "s", Launch(sub="r-2", roles=[LEARNER]))
    with database(lti_settings) as session:
        assert len(session.scalars(select(User).where(User.name == "Yui Tanaka")).all()) == 1


def test_only_the_course_staff_sync_the_roster(kadai, peer):
    landed = enter(kadai, peer, "s", Launch(sub="s-1", roles=[LEARNER]))
    assert landed.startswith("/courses/")
    course_id = int(landed.rsplit("/", 1)[1])
    answer = kadai.post(
        f"/lti/courses/{course_id}/roster",
        data={"csrf_token": csrf_of(kadai, landed)},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert peer.membership_pages == 0


@pytest.mark.parametrize("in_link", [False, True], ids=["body-next", "link-header"])
def test_a_next_page_on_another_origin_is_refused_before_the_token_goes_there(
    kadai, peer, lti_settings, in_link
):
    """The roster's ``next`` link gets the platform's bearer token if followed: one pointing to
    another origin (here a second platform on another port) is refused, and nobody is added."""
    peer.members = [member(f"m-{n}", f"Member {n}", [LEARNER]) for n in range(3)]
    landed = enter(kadai, peer, "t", Launch(sub="teacher-1", roles=[INSTRUCTOR], name="Prof."))
    course_id = int(landed.rsplit("/", 1)[1])
    page = f"/lti/courses/{course_id}"
    with platform_peer("https://testserver") as elsewhere:
        elsewhere.members = [member("intruder", "Intruder", [LEARNER])]
        peer.membership_next = f"{elsewhere.base}/contexts/course-101/memberships?limit=2&page=2"
        peer.membership_next_in_link = in_link
        answer = kadai.post(
            f"{page}/roster", data={"csrf_token": csrf_of(kadai, page)}, follow_redirects=False
        )
        assert answer.status_code == 403, answer.text
        assert "own hosts" in answer.text and elsewhere.base in answer.text
        assert peer.membership_pages == 1
        assert elsewhere.membership_requests == 0  # the token never left for the other origin
    with database(lti_settings) as session:
        students = session.scalars(
            select(Enrollment).where(
                Enrollment.course_id == course_id, Enrollment.role == "student"
            )
        ).all()
        assert students == []  # the first page's members are not half-added either
