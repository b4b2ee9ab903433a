"""Every page, rendered in Japanese for a student, an instructor and an admin, has no English UI
text left untranslated. Code, identifiers, numbers, names people typed (users, courses) and a short
list of product and technical names are allowed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from backend.auth.repository import UserRepository
from backend.courses.repository import CourseRepository
from backend.exercises.repository import ExerciseRepository
from backend.models import ApiToken
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, database, sign_in
from tests.backend.test_staff_and_admin import ANSWERS, submit_quiz

# Names that stay as they are in Japanese UI text.
ALLOWED = {
    "Kadai", "API", "CSV", "UTC", "JST", "ID", "zip", "English", "PyTorch", "TensorFlow",
    "Keras", "Python", "Dataset", "Early", "Stopping", "Ctrl", "Enter", "Esc", "Tab", "Dropout",
    "Mac", "KB", "Jupyter", "Colab",
    "JSON", "true", "false",
    # Technical terms the exercises' Japanese texts use as they are.
    "DataLoader", "Define-by-Run", "Eager", "Execution", "forward",
}  # fmt: skip
# Elements whose text is code, data or exercise content, not UI.
SKIPPED = {"code", "pre", "script", "style", "textarea", "datalist"}
SPOKEN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
WORD = re.compile(r"[^\s()()、。:・,·|→←↑↓×–—]+")


class VisibleText(HTMLParser):
    """The text a person reads or hears: element text and spoken attributes, minus code."""

    def __init__(self) -> None:
        super().__init__()
        self.skipping: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in SKIPPED or "statement" in (found.get("class") or "").split():
            self.skipping.append(tag)
        if not self.skipping:
            self.parts += [found[name] or "" for name in SPOKEN_ATTRIBUTES if name in found]
            if tag == "input" and found.get("type") in ("submit", "button"):
                self.parts.append(found.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def english_left(html: str, data: list[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html.split("<body>", 1)[-1])
    text = " ".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    left = []
    for word in WORD.findall(text):
        if not re.fullmatch(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]", word):
            continue  # numbers, identifiers (a.b, a_b), code, Japanese
        if word not in ALLOWED:
            left.append(word)
    return left


def data_values(settings) -> list[str]:
    """What users typed or exercise authors named: shown as it is in any language."""
    with database(settings) as session:
        values = []
        for user in UserRepository(session).list():
            values += [user.name, user.email]
        for course in CourseRepository(session).all():
            values += [course.title, course.code, getattr(course, "time_zone", "UTC")]
        for exercise in ExerciseRepository(session).list():
            values += [exercise.id, exercise.title_ja]
        values += [token.name for token in session.query(ApiToken)]
    return values


def scan(client, settings, paths: list[str]) -> dict[str, list[str]]:
    client.cookies.set("lang", "ja")
    data = data_values(settings)
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        assert '<html lang="ja">' in response.text, path
        left = english_left(response.text, data)
        if left:
            found[path] = left
    return found


def post_page(client, path: str, fields: dict) -> str:
    response = client.post(path, data={"csrf_token": csrf_of(client), **fields})
    return response.text


def test_every_page_is_japanese_for_students_instructors_and_admins(app_client, settings):
    quiz, graded, _ = submit_quiz(
        app_client, settings, "student1@kadai.local", ANSWERS["one_wrong"]
    )
    with database(settings) as session:
        student_id = UserRepository(session).by_email("student1@kadai.local").id
        assignments = [a.id for a in CourseRepository(session).assignments(1)]
    left: dict[str, list[str]] = {}
    app_client.cookies.set("lang", "ja")
    left |= scan(app_client, settings, ["/login"])

    sign_in(app_client, "student1@kadai.local")
    student_pages = ["/", "/courses/1", "/account/tokens", f"/submissions/{graded['id']}"]
    student_pages += [f"/assignments/{a}" for a in assignments]
    student_pages += ["/courses/1/gradebook"]  # refused: the error page
    left |= {f"student {k}": v for k, v in scan(app_client, settings, student_pages).items()}

    app_client.cookies.clear()
    sign_in(app_client, "teacher@kadai.local")
    teacher_pages = ["/", "/courses/1", "/courses/1/gradebook", f"/assignments/{quiz['id']}/stats"]
    teacher_pages += [f"/courses/1/students/{student_id}", f"/submissions/{graded['id']}"]
    teacher_pages += [f"/assignments/{quiz['id']}/stats?regraded=1", "/account/tokens"]
    left |= {f"teacher {k}": v for k, v in scan(app_client, settings, teacher_pages).items()}
    confirm = post_page(app_client, f"/assignments/{quiz['id']}/regrade", {})
    left |= {"teacher regrade confirmation": english_left(confirm, data_values(settings))}

    app_client.cookies.clear()
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    admin_pages = ["/admin", "/admin?done=assignment_added", "/", "/courses/1", "/account/tokens"]
    left |= {f"admin {k}": v for k, v in scan(app_client, settings, admin_pages).items()}
    app_client.cookies.set("lang", "ja")
    invalid = post_page(
        app_client, "/admin/enrollments", {"course_id": "abc", "email": "x@kadai.local"}
    )
    left |= {"admin invalid form": english_left(invalid, data_values(settings))}
    left = {page: sorted(set(words)) for page, words in left.items() if words}
    assert left == {}, "\n".join(f"{page}: {words}" for page, words in left.items())


def test_a_form_error_is_a_page_in_the_readers_language(app_client):
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    app_client.cookies.set("lang", "ja")
    response = app_client.post(
        "/admin/enrollments",
        data={"course_id": "abc", "email": "x@kadai.local", "csrf_token": csrf_of(app_client)},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "course_id は整数で入力してください。" in response.text
    api = app_client.post(
        "/admin/enrollments",
        data={"course_id": "abc", "email": "x", "csrf_token": csrf_of(app_client)},
        headers={"Accept": "application/json"},
    ).json()["error"]
    assert api["message"] == "course_id must be a whole number."
    assert api["message_ja"] == "course_id は整数で入力してください。"
