"""Deep Linking → student launch → graded submission → the score on the platform's line item;
line items made once, tokens reused, retries with backoff, failures shown to staff, resend."""

from __future__ import annotations

import time

import requests
from sqlalchemy import select

from backend.lti import passback
from backend.models import Assignment, LtiResourceLink, LtiScoreSend, Submission
from tests.backend.conftest import csrf_of, database
from tests.backend.lti.conftest import enter, form_fields, launch, wait_for
from tests.backend.lti.platform_peer import INSTRUCTOR, LEARNER, Launch

CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"


def deep_link(kadai, peer, exercises: list[str]) -> list[dict]:  # type: ignore[no-untyped-def]
    """The instructor adds Kadai in the LMS and picks ``exercises``; returns what the platform
    received (after checking Kadai's signature)."""
    picker = launch(
        kadai, peer, "dl", Launch(sub="teacher-1", roles=[INSTRUCTOR], deep_linking=True)
    )
    assert picker.status_code == 200, picker.text
    token = picker.text.split('name="token" value="')[1].split('"')[0]
    answer = kadai.post("/lti/deep-link", data={"token": token, "exercise": exercises})
    assert answer.status_code == 200, answer.text
    # The page posts the signed answer to the LMS: its policy allows that one form target.
    assert f"form-action 'self' {peer.base}" in answer.headers["content-security-policy"]
    action, fields = form_fields(answer.text)
    received = requests.post(action, data=fields, timeout=10)
    assert received.status_code == 200, received.text
    # The same choice cannot be sent twice.
    assert (
        kadai.post("/lti/deep-link", data={"token": token, "exercise": exercises}).status_code
        == 403
    )
    return peer.deep_link_items


def submit(kadai, assignment_id: int, score: float) -> None:  # type: ignore[no-untyped-def]
    path = f"/assignments/{assignment_id}"
    answer = kadai.post(
        f"{path}/submissions",
        data={"code": f"score = {score}", "csrf_token": csrf_of(kadai, path)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def student_launch(kadai, peer, sub: str, item: dict) -> str:  # type: ignore[no-untyped-def]
    """The platform launches the link Deep Linking made (its custom parameter included)."""
    return enter(
        kadai,
        peer,
        f"launch-{sub}",
        Launch(
            sub=sub,
            roles=[LEARNER],
            name=sub,
            resource_link_id="link-" + item["custom"]["kadai_assignment_id"],
            custom=item["custom"],
        ),
    )


def test_deep_linking_makes_assignments_and_the_score_reaches_the_right_line_item(
    kadai, peer, lti_settings
):
    items = deep_link(kadai, peer, ["fix-training-loop", "true-false"])
    assert [i["type"] for i in items] == ["ltiResourceLink", "ltiResourceLink"]
    assert items[0]["lineItem"]["scoreMaximum"] > 0 and items[0]["lineItem"]["label"]
    with database(lti_settings) as session:
        made = {a.id: a.exercise_id for a in session.scalars(select(Assignment)).all()}
    first = int(items[0]["custom"]["kadai_assignment_id"])
    second = int(items[1]["custom"]["kadai_assignment_id"])
    assert made[first] == "fix-training-loop" and made[second] == "true-false"

    landed = student_launch(kadai, peer, "stu-1", items[0])
    assert landed == f"/assignments/{first}"
    submit(kadai, first, 1.5)
    wait_for(lambda: peer.scores)
    line_item, score = peer.scores[0]
    created = peer.line_items[line_item]
    assert created["resourceId"] == str(first)
    assert score["userId"] == "stu-1" and score["scoreGiven"] == 1.5
    assert score["scoreMaximum"] == items[0]["lineItem"]["scoreMaximum"]
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert score["timestamp"].endswith("Z")

    # Another student on the same assignment: the same line item, no new token.
    student_launch(kadai, peer, "stu-2", items[0])
    submit(kadai, first, 1.0)
    wait_for(lambda: len(peer.scores) == 2)
    assert {li for li, _ in peer.scores} == {line_item}
    assert peer.lineitem_creations == 1
    assert peer.token_requests == 1


def test_a_failing_platform_is_retried_until_it_answers(kadai, peer, lti_settings):
    items = deep_link(kadai, peer, ["fix-training-loop"])
    student_launch(kadai, peer, "stu-r", items[0])
    peer.fail_next_scores = 2
    submit(kadai, int(items[0]["custom"]["kadai_assignment_id"]), 2.0)
    wait_for(lambda: peer.scores, timeout=60)
    assert peer.failed_scores == 2
    assert peer.token_requests == 1  # the token outlived the failed sends
    assert peer.lineitem_creations == 1

    def recorded() -> LtiScoreSend | None:
        # The platform has the score a moment before the runner commits that it was sent.
        with database(lti_settings) as session:
            send = session.scalars(select(LtiScoreSend)).one()
            return send if send.state == "sent" else None

    send = wait_for(recorded, timeout=30)
    assert send.tries == 3 and send.last_error is None


def test_a_failure_for_one_student_never_stops_another_and_staff_can_resend(
    kadai, peer, lti_settings
):
    items = deep_link(kadai, peer, ["fix-training-loop"])
    assignment = int(items[0]["custom"]["kadai_assignment_id"])
    peer.fail_users = {"stu-bad"}
    student_launch(kadai, peer, "stu-bad", items[0])
    submit(kadai, assignment, 1.0)
    student_launch(kadai, peer, "stu-good", items[0])
    submit(kadai, assignment, 2.0)
    wait_for(lambda: peer.scores)
    assert [s["userId"] for _, s in peer.scores] == ["stu-good"]

    def failed() -> LtiScoreSend | None:
        with database(lti_settings) as session:
            return session.scalar(select(LtiScoreSend).where(LtiScoreSend.state == "failed"))

    gave_up = wait_for(failed, timeout=60)
    assert gave_up.tries == lti_settings.lti_passback_tries
    assert "503" in gave_up.last_error and "gradebook locked" in gave_up.last_error

    # The instructor sees it (with the platform's answer) and resends once the LMS is back.
    enter(kadai, peer, "teacher", Launch(sub="teacher-1", roles=[INSTRUCTOR]))
    with database(lti_settings) as session:
        course_id = session.get(Assignment, assignment).course_id
    page = kadai.get(f"/lti/courses/{course_id}")
    assert page.status_code == 200
    assert 'data-state="failed"' in page.text and "gradebook locked" in page.text
    assert 'data-state="sent"' in page.text
    peer.fail_users = set()
    resent = kadai.post(
        f"/lti/sends/{gave_up.id}/resend",
        data={"csrf_token": csrf_of(kadai, f"/lti/courses/{course_id}")},
        follow_redirects=False,
    )
    assert resent.status_code == 303
    wait_for(lambda: len(peer.scores) == 2)
    assert peer.scores[1][1]["userId"] == "stu-bad"


def test_a_student_cannot_see_the_passback_page_or_pick_exercises(kadai, peer, lti_settings):
    enter(kadai, peer, "s", Launch(sub="stu-x", roles=[LEARNER]))
    with database(lti_settings) as session:
        course_id = session.scalars(select(Assignment.course_id)).first()
    assert kadai.get(f"/lti/courses/{course_id}").status_code in (403, 404)
    picker = launch(kadai, peer, "dl-s", Launch(sub="stu-x", roles=[LEARNER], deep_linking=True))
    assert picker.status_code == 403 and 'data-check="instructors_only"' in picker.text


def test_a_worse_attempt_sends_nothing_and_a_regrade_down_is_taken_with_a_later_timestamp(
    kadai, peer, lti_settings
):
    items = deep_link(kadai, peer, ["fix-training-loop"])
    assignment = int(items[0]["custom"]["kadai_assignment_id"])
    student_launch(kadai, peer, "stu-t", items[0])

    def settled() -> bool:
        with database(lti_settings) as session:
            return session.scalars(select(LtiScoreSend.state)).all() == ["sent"]

    submit(kadai, assignment, 1.5)
    wait_for(lambda: peer.scores)
    # A worse attempt under "best": the platform already has the score that counts.
    submit(kadai, assignment, 0.5)
    wait_for(lambda: graded(lti_settings, assignment) == 2)
    time.sleep(1.0)  # a send, if one were queued, would be on its way by now
    assert wait_for(settled)
    assert [s["scoreGiven"] for _, s in peer.scores] == [1.5]

    # A better attempt, then a regrade takes it down: the first attempt's 1.5 counts again, sent
    # with a timestamp after the last one the platform took.
    submit(kadai, assignment, 2.5)
    wait_for(lambda: len(peer.scores) == 2)
    with database(lti_settings) as session:
        best = session.scalars(select(Submission).where(Submission.score == 2.5)).one()
        best.score = 0.25
        passback.score_changed(session, best)
    wait_for(lambda: len(peer.scores) == 3 or peer.refused_stale_scores, timeout=30)
    assert peer.refused_stale_scores == 0
    assert [s["scoreGiven"] for _, s in peer.scores] == [1.5, 2.5, 1.5]
    stamps = [s["timestamp"] for _, s in peer.scores]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert wait_for(settled)


def graded(lti_settings, assignment: int) -> int:  # type: ignore[no-untyped-def]
    with database(lti_settings) as session:
        states = session.scalars(
            select(Submission.status).where(Submission.assignment_id == assignment)
        ).all()
    return sum(s == "graded" for s in states)


def test_a_platform_answering_html_fails_the_send_with_its_answer_for_staff(
    kadai, peer, lti_settings
):
    items = deep_link(kadai, peer, ["fix-training-loop"])
    student_launch(kadai, peer, "stu-h", items[0])
    peer.garble_lineitems = True
    submit(kadai, int(items[0]["custom"]["kadai_assignment_id"]), 2.0)

    def gave_up() -> LtiScoreSend | None:
        with database(lti_settings) as session:
            return session.scalar(select(LtiScoreSend).where(LtiScoreSend.state == "failed"))

    send = wait_for(gave_up, timeout=30)
    assert send.tries == lti_settings.lti_passback_tries
    assert "not JSON" in send.last_error and "Please sign in" in send.last_error
    assert not peer.scores


def test_a_link_launched_from_another_course_is_not_that_courses_assignment(
    kadai, peer, lti_settings
):
    items = deep_link(kadai, peer, ["fix-training-loop"])
    first = int(items[0]["custom"]["kadai_assignment_id"])
    assert student_launch(kadai, peer, "stu-a", items[0]) == f"/assignments/{first}"
    # A copied course in the LMS launches the same link id, naming its own line item.
    elsewhere = enter(
        kadai,
        peer,
        "copy",
        Launch(
            sub="stu-c",
            roles=[LEARNER],
            resource_link_id="link-" + items[0]["custom"]["kadai_assignment_id"],
            custom=items[0]["custom"],
            lineitem=f"{peer.base}/contexts/copy/lineitems/7",
            claims={CONTEXT_CLAIM: {"id": "copied-course", "title": "Copy"}},
        ),
    )
    assert elsewhere != f"/assignments/{first}"
    with database(lti_settings) as session:
        link = session.scalars(select(LtiResourceLink)).one()
        assert link.assignment_id == first and link.lineitem_url is None


def test_a_late_submission_sends_the_score_that_counts_after_its_penalty(kadai, peer, lti_settings):
    from datetime import timedelta

    from backend.models._common import utcnow

    items = deep_link(kadai, peer, ["fix-training-loop"])
    assignment = int(items[0]["custom"]["kadai_assignment_id"])
    with database(lti_settings) as session:
        row = session.get(Assignment, assignment)
        row.due_at = utcnow() - timedelta(hours=1)  # one started day late: half off
        row.late_policy, row.late_penalty = "per_day", 50.0
    student_launch(kadai, peer, "stu-late", items[0])
    submit(kadai, assignment, 2.0)
    wait_for(lambda: peer.scores)
    assert [s["scoreGiven"] for _, s in peer.scores] == [1.0]

    # Staff then accept late work without a penalty: nothing is regraded, and the LMS is sent the
    # score that counts now; an extension for the learner afterwards changes nothing more.
    from backend.courses.editing import AssignmentEdit, edit_assignment
    from backend.courses.overrides import set_overrides
    from backend.models import User

    with database(lti_settings) as session:
        admin = session.scalars(select(User).where(User.role == "admin")).first()
        row = session.get(Assignment, assignment)
        edit_assignment(session, admin, row, AssignmentEdit(late_policy="accept"))
    wait_for(lambda: len(peer.scores) == 2)
    assert [s["scoreGiven"] for _, s in peer.scores] == [1.0, 2.0]
    with database(lti_settings) as session:
        admin = session.scalars(select(User).where(User.role == "admin")).first()
        row = session.get(Assignment, assignment)
        learner = session.scalars(
            select(Submission.user_id).where(Submission.assignment_id == assignment)
        ).first()
        email = session.get(User, learner).email
        set_overrides(session, admin, row, [email], utcnow() + timedelta(days=1))
    time.sleep(3.0)  # the passback thread's poll: a send, were one queued, would be made by now
    assert [s["scoreGiven"] for _, s in peer.scores] == [1.0, 2.0]
