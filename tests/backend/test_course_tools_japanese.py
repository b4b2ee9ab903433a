"""The regrade, similarity and analytics pages in Japanese: no English UI text left (the same
check as tests/backend/test_japanese_pages.py, on the pages of running a course)."""

from __future__ import annotations

from sqlalchemy import select

from backend.db import make_engine, make_session_factory
from backend.models import User
from backend.similarity import service as similarity
from tests.backend.conftest import csrf_of, database, sign_in
from tests.backend.test_analytics import seed
from tests.backend.test_japanese_pages import scan
from tests.backend.test_regrade_requests import graded
from tests.backend.test_similarity import add_corpus

FEEDBACK = {"AssertionError", "ValueError"}


def test_the_pages_of_running_a_course_are_japanese(app_client, settings):
    analytics_id = seed(settings)
    similarity_id, _counted = add_corpus(settings)
    answered, waiting = graded(settings), graded(settings, "student2@kadai.local")
    for email, submission_id in (
        ("student1@kadai.local", answered),
        ("student2@kadai.local", waiting),
    ):
        sign_in(app_client, email)
        app_client.post(
            f"/submissions/{submission_id}/regrade-requests",
            data={"message": "見直してください", "csrf_token": csrf_of(app_client)},
        )
    sign_in(app_client, "teacher@kadai.local")
    queue = app_client.get("/courses/1/regrade-requests").text
    request_id = int(queue.split('action="/regrade-requests/')[1].split("/")[0])
    app_client.post(
        f"/regrade-requests/{request_id}/answer",
        data={"answer": "確認しました", "score": "4", "reason": "設問 2 があいまい",
              "csrf_token": csrf_of(app_client)},
    )  # fmt: skip
    with database(settings) as session:
        teacher = session.scalar(select(User).where(User.email == "teacher@kadai.local"))
        similarity.start(session, teacher, similarity_id)
        student1 = session.scalar(select(User).where(User.email == "student1@kadai.local")).id
    engine = make_engine(settings.sqlalchemy_url)
    try:
        similarity.run_due(make_session_factory(engine))
    finally:
        engine.dispose()
    with database(settings) as session:
        run = similarity.runs(session, teacher, similarity_id)[0]
        pair_id = similarity.ranked(session, run)[0].pair.id

    left = scan(
        app_client,
        settings,
        [
            "/courses/1",
            "/courses/1/regrade-requests",
            "/courses/1/regrade-requests?show=all",
            f"/submissions/{answered}",
            f"/assignments/{analytics_id}/analytics",
            f"/assignments/{similarity_id}/similarity",
            f"/similarity/pairs/{pair_id}",
            f"/courses/1/students/{student1}",
        ],
    )
    app_client.cookies.clear()
    sign_in(app_client, "student1@kadai.local")
    left |= {
        f"student {k}": v
        for k, v in scan(app_client, settings, [f"/submissions/{answered}"]).items()
    }
    # The learners' feedback is data, shown as the grader wrote it: exception names stay.
    left = {page: [w for w in words if w not in FEEDBACK] for page, words in left.items()}
    left = {page: words for page, words in left.items() if words}
    assert left == {}, "\n".join(f"{page}: {sorted(set(words))}" for page, words in left.items())
