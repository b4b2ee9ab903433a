"""Deadlines that bend the right way: penalty arithmetic and override precedence as tables of
pure cases, then what a learner and an instructor see through the pages and the API, on both
databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.gradebook.deadlines import (
    Deadline,
    Extension,
    LatePolicy,
    Policy,
    days_late,
    effective_deadline,
    refusal,
)
from backend.gradebook.service import counted_score
from backend.models import Assignment, Submission, User
from backend.models._common import utcnow
from tests.backend.conftest import csrf_of, database, sign_in, token_any_scope, token_for

DUE = datetime(2026, 12, 24, 23, 59)
CLOSE = DUE + timedelta(days=3)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        (DUE - HOUR, 0),
        (DUE, 0),  # exactly at the due date: on time
        (DUE + SECOND, 1),  # one second late: a started day
        (DUE + DAY - SECOND, 1),
        (DUE + DAY, 1),  # 24 h late: still the first day
        (DUE + DAY + SECOND, 2),
        (DUE + 2 * DAY, 2),
        (CLOSE, 3),  # the hard close itself
    ],
)
def test_days_late_are_started_24_hour_periods(submitted, expected):
    assert days_late(submitted, DUE) == expected
    assert days_late(submitted, None) == 0  # no due date: never late


PER_DAY_10 = Policy(LatePolicy.per_day, 10)
PER_DAY_40 = Policy(LatePolicy.per_day, 40)
FIXED_25 = Policy(LatePolicy.fixed, 25)
ACCEPT = Policy(LatePolicy.accept)
REJECT = Policy(LatePolicy.reject)
WITH_CLOSE = Deadline(DUE, CLOSE, None)
NO_CLOSE = Deadline(DUE, None, None)


@pytest.mark.parametrize(
    ("raw", "submitted", "deadline", "policy", "override", "penalty", "score"),
    [
        # policy "none": late is only a flag
        (8.0, DUE + 5 * DAY, NO_CLOSE, ACCEPT, None, 0.0, 8.0),
        # per day: 10 % of the score per started day
        (8.0, DUE, WITH_CLOSE, PER_DAY_10, None, 0.0, 8.0),
        (8.0, DUE + SECOND, WITH_CLOSE, PER_DAY_10, None, 0.8, 7.2),
        (8.0, DUE + DAY, WITH_CLOSE, PER_DAY_10, None, 0.8, 7.2),
        (8.0, DUE + DAY + SECOND, WITH_CLOSE, PER_DAY_10, None, 1.6, 6.4),
        (8.0, CLOSE, WITH_CLOSE, PER_DAY_10, None, 2.4, 5.6),  # at the close: accepted, 3 days
        (3.0, DUE + 3 * DAY, NO_CLOSE, PER_DAY_10, None, 0.9, 2.1),  # no 0.30000000000000004
        # per day never takes more than everything
        (8.0, DUE + 3 * DAY, NO_CLOSE, PER_DAY_40, None, 8.0, 0.0),
        # fixed: once, however late
        (8.0, DUE + SECOND, NO_CLOSE, FIXED_25, None, 2.0, 6.0),
        (8.0, DUE + 9 * DAY, NO_CLOSE, FIXED_25, None, 2.0, 6.0),
        (8.0, DUE, NO_CLOSE, FIXED_25, None, 0.0, 8.0),
        # after the hard close (stored before the close moved): counts nothing
        (8.0, CLOSE + SECOND, WITH_CLOSE, ACCEPT, None, 8.0, 0.0),
        # "not accepted", stored before the policy changed: counts nothing
        (8.0, DUE + SECOND, NO_CLOSE, REJECT, None, 8.0, 0.0),
        (8.0, DUE, NO_CLOSE, REJECT, None, 0.0, 8.0),
        # a staff-set score replaces the raw score, then the penalty applies to it
        (2.0, DUE + SECOND, NO_CLOSE, PER_DAY_10, 6.0, 0.6, 5.4),
        (2.0, DUE, NO_CLOSE, PER_DAY_10, 6.0, 0.0, 6.0),
        (None, DUE, NO_CLOSE, PER_DAY_10, 5.0, 0.0, 5.0),
        # nothing graded: nothing counts
        (None, DUE + DAY, NO_CLOSE, PER_DAY_10, None, 0.0, None),
    ],
)
def test_the_score_that_counts(raw, submitted, deadline, policy, override, penalty, score):
    counted = counted_score(raw, submitted, deadline, policy, override)
    assert (counted.penalty, counted.score) == (penalty, score)
    assert counted.raw == raw  # the grader's score is kept, whatever counts
    assert counted.overridden == (override is not None)


LATER = DUE + 2 * DAY


@pytest.mark.parametrize(
    ("due", "close", "limit", "override", "expected"),
    [
        # no override: the assignment's own
        (DUE, CLOSE, 3, None, Deadline(DUE, CLOSE, 3, False)),
        # an extension moves the due date, and the hard close by as much
        (DUE, CLOSE, 3, Extension(LATER), Deadline(LATER, CLOSE + 2 * DAY, 3, True)),
        (DUE, None, 3, Extension(LATER), Deadline(LATER, None, 3, True)),
        # extra attempts only: the dates stay
        (DUE, CLOSE, 3, Extension(None, 2), Deadline(DUE, CLOSE, 5, True)),
        # both
        (DUE, CLOSE, 1, Extension(LATER, 1), Deadline(LATER, CLOSE + 2 * DAY, 2, True)),
        # no attempt limit: extra attempts change nothing
        (DUE, None, None, Extension(None, 2), Deadline(DUE, None, None, False)),
        # an override never makes a deadline earlier
        (DUE, CLOSE, 3, Extension(DUE - DAY), Deadline(DUE, CLOSE, 3, False)),
        # no due date on the assignment: the student's own becomes theirs
        (None, None, None, Extension(LATER), Deadline(LATER, None, None, True)),
    ],
)
def test_override_precedence(due, close, limit, override, expected):
    assert effective_deadline(due, close, limit, override) == expected


@pytest.mark.parametrize(
    ("now", "deadline", "policy", "refused"),
    [
        (DUE + DAY, WITH_CLOSE, ACCEPT, False),
        (CLOSE, WITH_CLOSE, ACCEPT, False),  # at the hard close: still accepted
        (CLOSE + SECOND, WITH_CLOSE, ACCEPT, True),
        (CLOSE + SECOND, WITH_CLOSE, PER_DAY_10, True),
        (DUE, NO_CLOSE, REJECT, False),  # at the due date: on time
        (DUE + SECOND, NO_CLOSE, REJECT, True),
        # the extended student under "not accepted": their own due date decides
        (DUE + SECOND, effective_deadline(DUE, None, None, Extension(LATER)), REJECT, False),
        (LATER + SECOND, effective_deadline(DUE, None, None, Extension(LATER)), REJECT, True),
        (DUE + 100 * DAY, NO_CLOSE, PER_DAY_10, False),
    ],
)
def test_what_is_refused(now, deadline, policy, refused):
    reason = refusal(now, deadline, policy)
    assert (reason is not None) == refused
    if reason is not None:
        assert "editor" in reason.en and "エディター" in reason.ja


# --- through the pages and the API -------------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def quiz_assignment_id(settings) -> int:
    with database(settings) as session:
        return session.scalar(select(Assignment.id).where(Assignment.exercise_id == "true-false"))


def set_schedule(settings, assignment_id: int, **values) -> None:
    with database(settings) as session:
        assignment = session.get(Assignment, assignment_id)
        for name, value in values.items():
            setattr(assignment, name, value)


def count_submissions(settings, assignment_id: int) -> int:
    with database(settings) as session:
        query = select(func.count(Submission.id)).where(Submission.assignment_id == assignment_id)
        return session.scalar(query)


QUIZ_ANSWERS = '{"answers": [true, true, false, true]}'


def submit_in_browser(client, assignment_id: int):
    return client.post(
        f"/assignments/{assignment_id}/submissions",
        json={"code": QUIZ_ANSWERS},
        headers={"x-csrf-token": csrf_of(client), "accept": "application/json"},
    )


def test_the_learner_reads_the_policy_before_submitting_in_both_languages(app_client, settings):
    quiz = quiz_assignment_id(settings)
    set_schedule(
        settings,
        quiz,
        due_at=utcnow() + DAY,
        late_until=utcnow() + 3 * DAY,
        late_policy="per_day",
        late_penalty=10.0,
    )
    sign_in(app_client, "student1@kadai.local")
    english = app_client.get(f"/assignments/{quiz}", headers={"accept-language": "en"}).text
    assert "loses 10% of its score per started day late" in english
    assert "Nothing is accepted after the late deadline." in english
    assert "Submissions close" in english
    app_client.cookies.set("lang", "ja")
    japanese = app_client.get(f"/assignments/{quiz}").text
    assert (
        "得点の 10% が減点されます" in japanese
        and "遅延提出の期限を過ぎると提出できません" in japanese
    )


def test_after_the_hard_close_a_submission_is_refused_in_both_languages_and_nothing_stored(
    app_client, settings
):
    quiz = quiz_assignment_id(settings)
    set_schedule(settings, quiz, due_at=utcnow() - 2 * DAY, late_until=utcnow() - HOUR)
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/assignments/{quiz}").text
    assert 'data-testid="closed"' in page and 'data-testid="past-due"' not in page
    refused = submit_in_browser(app_client, quiz)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert "closed" in error["message"] and "still in the editor" in error["message"]
    assert (
        "締め切られました" in error["message_ja"]
        and "エディターに残っています" in error["message_ja"]
    )
    api = app_client.post(
        f"/api/v1/assignments/{quiz}/submissions",
        json={"code": QUIZ_ANSWERS},
        headers=auth(token_for(settings, "student1@kadai.local", "submit")),
    )
    assert api.status_code == 403
    assert count_submissions(settings, quiz) == 0


def test_an_extension_for_a_group_lets_them_submit_late_under_not_accepted(app_client, settings):
    quiz = quiz_assignment_id(settings)
    set_schedule(settings, quiz, due_at=utcnow() - HOUR, late_policy="reject")
    teacher = auth(token_for(settings, "teacher@kadai.local", "manage"))
    extended = (utcnow() + 2 * DAY).replace(microsecond=0)
    granted = app_client.put(
        f"/api/v1/assignments/{quiz}/overrides",
        json={
            "emails": ["student1@kadai.local", "Student2@kadai.local "],
            "due_at": extended.isoformat() + "Z",
            "extra_attempts": 1,
            "reason": "Accommodation: exam clash",
        },
        headers=teacher,
    )
    assert granted.status_code == 200, granted.text
    assert {o["email"] for o in granted.json()} == {"student1@kadai.local", "student2@kadai.local"}
    listed = app_client.get(f"/api/v1/assignments/{quiz}/overrides", headers=teacher).json()
    assert [o["reason"] for o in listed] == ["Accommodation: exam clash"] * 2
    assert listed[0]["effective_due_at"].startswith(extended.isoformat())

    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/assignments/{quiz}", headers={"accept-language": "en"}).text
    assert "extended for you" in page
    assert 'data-testid="past-due"' not in page  # their own due date has not passed
    assert "exam clash" not in page  # the reason is for staff only
    assert submit_in_browser(app_client, quiz).status_code == 201

    # Removing student1's override: the due date (past, late not accepted) is theirs again.
    student1 = (
        listed[0]["user_id"] if listed[0]["email"].startswith("student1") else listed[1]["user_id"]
    )
    removed = app_client.delete(f"/api/v1/assignments/{quiz}/overrides/{student1}", headers=teacher)
    assert removed.status_code == 204
    refused = submit_in_browser(app_client, quiz)
    assert (
        refused.status_code == 403
        and "does not accept late work" in refused.json()["error"]["message"]
    )
    assert count_submissions(settings, quiz) == 1


def test_overrides_name_only_students_of_the_course_and_change_nothing_otherwise(
    app_client, settings
):
    quiz = quiz_assignment_id(settings)
    teacher = auth(token_for(settings, "teacher@kadai.local", "manage"))
    refused = app_client.put(
        f"/api/v1/assignments/{quiz}/overrides",
        json={"emails": ["student1@kadai.local", "nobody@example.com"], "extra_attempts": 2},
        headers=teacher,
    )
    assert refused.status_code == 422
    assert "nobody@example.com" in refused.json()["error"]["message"]
    assert app_client.get(f"/api/v1/assignments/{quiz}/overrides", headers=teacher).json() == []
    # A learner's token, even with the scope, is not course staff.
    learner = auth(token_any_scope(settings, "student1@kadai.local", "manage"))
    assert (
        app_client.get(f"/api/v1/assignments/{quiz}/overrides", headers=learner).status_code == 403
    )
    # A token without the manage scope cannot set them.
    grades_only = auth(token_for(settings, "teacher@kadai.local", "grades"))
    denied = app_client.put(
        f"/api/v1/assignments/{quiz}/overrides",
        json={"emails": ["student1@kadai.local"], "extra_attempts": 1},
        headers=grades_only,
    )
    assert denied.status_code == 403


def test_extra_attempts_raise_the_limit_for_that_student_only(app_client, settings):
    quiz = quiz_assignment_id(settings)
    set_schedule(settings, quiz, max_attempts=1)
    sign_in(app_client, "student1@kadai.local")
    assert submit_in_browser(app_client, quiz).status_code == 201
    assert submit_in_browser(app_client, quiz).status_code == 403
    teacher = auth(token_for(settings, "teacher@kadai.local", "manage"))
    app_client.put(
        f"/api/v1/assignments/{quiz}/overrides",
        json={"emails": ["student1@kadai.local"], "extra_attempts": 1, "reason": "outage"},
        headers=teacher,
    ).raise_for_status()
    assert "/ 2" in app_client.get(f"/assignments/{quiz}").text
    assert submit_in_browser(app_client, quiz).status_code == 201
    assert submit_in_browser(app_client, quiz).status_code == 403


def graded(session, assignment_id: int, email: str, attempt: int, score: float, at: datetime):
    user = session.scalar(select(User).where(User.email == email))
    session.add(
        Submission(
            assignment_id=assignment_id,
            user_id=user.id,
            attempt=attempt,
            code="{}",
            status="graded",
            score=score,
            max_score=4,
            result_json='{"tests": []}',
            exercise_version="v",
            created_at=at,
        )
    )


def cell_of(client, headers, email: str, assignment_id: int) -> dict:
    book = client.get("/api/v1/courses/1/gradebook", headers=headers).json()
    row = next(r for r in book["students"] if r["email"] == email)
    return next(c for c in row["cells"] if c["assignment_id"] == assignment_id)


def test_the_gradebook_shows_raw_penalty_and_counted_and_follows_a_policy_change(
    app_client, settings
):
    quiz = quiz_assignment_id(settings)
    due = utcnow() - 5 * DAY
    set_schedule(settings, quiz, due_at=due, late_policy="per_day", late_penalty=10.0)
    with database(settings) as session:
        # Two days late (a day and a bit): 4 less 20 % = 3.2.
        graded(session, quiz, "student1@kadai.local", 1, 4.0, due + DAY + HOUR)
    grades = auth(token_for(settings, "teacher@kadai.local", "grades"))
    cell = cell_of(app_client, grades, "student1@kadai.local", quiz)
    assert (cell["raw_score"], cell["late_penalty"], cell["score"], cell["days_late"]) == (
        4.0,
        0.8,
        3.2,
        2,
    )
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get("/courses/1/gradebook", headers={"accept-language": "en"}).text
    assert 'data-testid="penalty"' in page and "raw 4" in page and "penalty 0.8" in page
    csv_text = app_client.get("/courses/1/gradebook.csv").text
    header, student1 = (
        csv_text.splitlines()[0],
        next(line for line in csv_text.splitlines() if line.startswith("student1@")),
    )
    assert "raw score" in header and "late penalty" in header
    assert ",3.2,1,yes," in student1 and ",4,0.8," in student1
    sign_in(app_client, "student1@kadai.local")  # the learner's own course page agrees
    row = next(
        line
        for line in app_client.get("/courses/1", headers={"accept-language": "en"}).text.split(
            "<tr>"
        )
        if f"/assignments/{quiz}" in line
    )
    assert "3.2 / 4" in row

    manage = auth(token_for(settings, "teacher@kadai.local", "manage"))
    changed = app_client.patch(
        f"/api/v1/assignments/{quiz}",
        json={"late_policy": "fixed", "late_penalty": 50},
        headers=manage,
    )
    assert changed.status_code == 200 and changed.json()["late_policy"] == "fixed"
    assert cell_of(app_client, grades, "student1@kadai.local", quiz)["score"] == 2.0
    app_client.patch(f"/api/v1/assignments/{quiz}", json={"late_policy": "accept"}, headers=manage)
    cell = cell_of(app_client, grades, "student1@kadai.local", quiz)
    assert (cell["score"], cell["late_penalty"], cell["late"]) == (4.0, 0.0, True)
    # An extension past the submission makes it on time: no penalty, not late.
    app_client.patch(
        f"/api/v1/assignments/{quiz}",
        json={"late_policy": "per_day", "late_penalty": 10},
        headers=manage,
    )
    app_client.put(
        f"/api/v1/assignments/{quiz}/overrides",
        json={"emails": ["student1@kadai.local"], "due_at": (due + 2 * DAY).isoformat()},
        headers=manage,
    ).raise_for_status()
    cell = cell_of(app_client, grades, "student1@kadai.local", quiz)
    assert (cell["score"], cell["late"], cell["extended"]) == (4.0, False, True)
    with database(settings) as session:  # nothing was regraded
        stored = session.scalars(select(Submission).where(Submission.assignment_id == quiz)).all()
        assert [(s.status, s.score) for s in stored] == [("graded", 4.0)]


def test_best_attempt_is_chosen_by_the_score_that_counts(app_client, settings):
    quiz = quiz_assignment_id(settings)
    due = utcnow() - 5 * DAY
    set_schedule(settings, quiz, due_at=due, late_policy="fixed", late_penalty=50.0)
    with database(settings) as session:
        graded(session, quiz, "student1@kadai.local", 1, 3.0, due - HOUR)  # on time: 3
        graded(session, quiz, "student1@kadai.local", 2, 4.0, due + HOUR)  # late: 4 → 2
    grades = auth(token_for(settings, "teacher@kadai.local", "grades"))
    cell = cell_of(app_client, grades, "student1@kadai.local", quiz)
    assert (cell["score"], cell["raw_score"], cell["late"]) == (3.0, 3.0, False)


def test_a_policy_that_does_not_fit_is_refused_and_changes_nothing(app_client, settings):
    quiz = quiz_assignment_id(settings)
    manage = auth(token_for(settings, "teacher@kadai.local", "read,manage"))
    before = app_client.get("/api/v1/courses/1/assignments", headers=manage).json()["items"]
    due = utcnow() + DAY
    for body in (
        {"due_at": due.isoformat(), "late_until": (due - HOUR).isoformat()},  # close before due
        {"late_until": (due + DAY).isoformat(), "due_at": None},  # a close without a due date
        {"late_policy": "sometimes"},
        {"late_penalty": 150},
    ):
        response = app_client.patch(f"/api/v1/assignments/{quiz}", json=body, headers=manage)
        assert response.status_code == 422, body
        assert set(response.json()["error"]) == {"code", "message", "message_ja"}
    after = app_client.get("/api/v1/courses/1/assignments", headers=manage).json()["items"]
    assert after == before


def test_after_due_feedback_waits_for_the_learners_own_extended_due_date(app_client, settings):
    from tests.backend.test_result_output import stored_submission

    quiz = quiz_assignment_id(settings)
    set_schedule(settings, quiz, due_at=utcnow() - HOUR)
    submission_id = stored_submission(settings)  # student1's, with an after-due-date test
    sign_in(app_client, "student1@kadai.local")
    assert "late-print-9e2" in app_client.get(f"/submissions/{submission_id}").text
    teacher = auth(token_for(settings, "teacher@kadai.local", "manage"))
    app_client.put(
        f"/api/v1/assignments/{quiz}/overrides",
        json={"emails": ["student1@kadai.local"], "due_at": (utcnow() + DAY).isoformat()},
        headers=teacher,
    ).raise_for_status()
    assert "late-print-9e2" not in app_client.get(f"/submissions/{submission_id}").text
    learner = auth(token_for(settings, "student1@kadai.local", "read"))
    assert (
        "late-print-9e2"
        not in app_client.get(f"/api/v1/submissions/{submission_id}", headers=learner).text
    )


def test_staff_grant_and_remove_overrides_on_the_assignment_page(app_client, settings):
    quiz = quiz_assignment_id(settings)
    set_schedule(settings, quiz, due_at=utcnow() + DAY)
    sign_in(app_client, "teacher@kadai.local")
    granted = app_client.post(
        f"/assignments/{quiz}/overrides",
        data={
            "emails": "student1@kadai.local,\nstudent2@kadai.local",
            "due_at": "2030-01-10T09:00",  # the course's clock (Asia/Tokyo)
            "extra_attempts": "",
            "reason": "Learning support plan",
            "csrf_token": csrf_of(app_client),
        },
        follow_redirects=False,
    )
    assert granted.status_code == 303
    page = app_client.get(f"/assignments/{quiz}/settings", headers={"accept-language": "en"}).text
    table = page.split('data-testid="overrides"')[1].split("</table>")[0]
    assert table.count("Learning support plan") == 2 and table.count("2030-01-10 09:00 JST") == 2
    with database(settings) as session:
        student2 = session.scalar(select(User.id).where(User.email == "student2@kadai.local"))
    assert f"/overrides/{student2}/delete" in table
    removed = app_client.post(
        f"/assignments/{quiz}/overrides/{student2}/delete",
        data={"csrf_token": csrf_of(app_client)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    table = app_client.get(f"/assignments/{quiz}/settings").text.split('data-testid="overrides"')[1]
    assert table.split("</table>")[0].count("Learning support plan") == 1
    # Nothing to grant is said, not silently ignored.
    empty = app_client.post(
        f"/assignments/{quiz}/overrides",
        data={"emails": "student1@kadai.local", "csrf_token": csrf_of(app_client)},
    )
    assert empty.status_code == 422 and "later due date, extra attempts, or both" in empty.text
