"""A staff override after a regrade request is the score that counts on the LMS too: it is sent
like a new grading, with a later timestamp."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import Submission, User
from backend.regrades.service import override_score
from tests.backend.conftest import database
from tests.backend.lti.conftest import wait_for
from tests.backend.lti.test_passback import deep_link, student_launch, submit


def test_an_override_is_sent_to_the_platform(kadai, peer, lti_settings):
    items = deep_link(kadai, peer, ["fix-training-loop"])
    assignment = int(items[0]["custom"]["kadai_assignment_id"])
    student_launch(kadai, peer, "stu-o", items[0])
    submit(kadai, assignment, 1.5)
    wait_for(lambda: peer.scores)
    with database(lti_settings) as session:
        submission = session.scalars(select(Submission).where(Submission.score == 1.5)).one()
        staff = session.scalars(select(User).where(User.role == "admin")).first()
        override_score(session, staff, submission, 9.0, "the test was too strict")
    wait_for(lambda: len(peer.scores) == 2, timeout=30)
    assert [s["scoreGiven"] for _, s in peer.scores] == [1.5, 9.0]
    stamps = [s["timestamp"] for _, s in peer.scores]
    assert stamps == sorted(stamps) and len(set(stamps)) == 2
