"""What a client can put in a submission's ``code``: text that is not text (lone surrogates), empty
or whitespace-only code, a NUL byte, the code as an uploaded file. Each is graded or refused with
a 4xx in the standard shape before it costs an attempt, through the API and the browser form."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.app import create_app
from backend.models import Submission
from tests.backend.conftest import csrf_of, database, sign_in, token_for
from tests.backend.test_pages import assignment_id

JSON = {"Accept": "application/json"}
DATASET = b"import torch\n\n# \xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf\xe3\x82\xbb\xe3\x83\x83\xe3\x83\x88\nx = 1\n"


@pytest.fixture
def client(settings, prepare_demo) -> Iterator[TestClient]:
    """No grading threads (nothing here needs a grade); a 500 comes back as a response."""
    settings = settings.model_copy(update={"grading_threads": 0, "submissions_per_minute": 1000})
    prepare_demo(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def stored(settings) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with database(settings) as session:
        return list(session.execute(select(Submission.attempt, Submission.code)).tuples())


def refused(response, status: int = 422) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert set(error) == {"code", "message", "message_ja"}
    assert error["message"] != error["message_ja"]  # said in both languages
    return error


def api(settings) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    token = token_for(settings, "student1@kadai.local", "submit")
    path = f"/api/v1/assignments/{assignment_id(settings, 'normalized-dataset')}/submissions"
    return path, {"Authorization": f"Bearer {token}"}


NOT_GRADABLE = {
    "lone high surrogate": (b'{"code": "x = \\"\\ud800\\""}', "UTF-8"),
    "lone low surrogate": (b'{"code": "\\udfff"}', "UTF-8"),
    "empty": (b'{"code": ""}', "empty"),
    "whitespace only": (b'{"code": " \\n\\t\\r\\n  "}', "empty"),
    "NUL byte": (b'{"code": "x = 1\\ny = 2\\u0000\\n"}', "NUL character (line 2)"),
}


@pytest.mark.parametrize("case", NOT_GRADABLE, ids=list(NOT_GRADABLE))
def test_the_api_refuses_code_that_cannot_be_graded_without_spending_an_attempt(
    client, settings, case
):
    body, said = NOT_GRADABLE[case]
    path, headers = api(settings)
    error = refused(
        client.post(path, content=body, headers={**headers, "Content-Type": "application/json"})
    )
    assert said in error["message"]
    assert stored(settings) == []
    assert client.post(path, json={"code": "x = 1"}, headers=headers).json()["attempt"] == 1


@pytest.mark.parametrize("case", NOT_GRADABLE, ids=list(NOT_GRADABLE))
def test_the_browser_is_refused_the_same_with_a_message_on_the_page(client, settings, case):
    body, said = NOT_GRADABLE[case]
    sign_in(client, "student1@kadai.local")
    path = f"/assignments/{assignment_id(settings, 'normalized-dataset')}/submissions"
    headers = {**JSON, "Content-Type": "application/json", "X-CSRF-Token": csrf_of(client)}
    assert said in refused(client.post(path, content=body, headers=headers))["message"]
    if "surrogate" not in case:  # a form field cannot hold one: the browser sends UTF-8
        code = json.loads(body)["code"]
        page = client.post(path, data={"code": code, "csrf_token": csrf_of(client)})
        assert page.status_code == 422 and said in page.text
        assert "<!doctype html>" in page.text.lower()
    assert stored(settings) == []


def test_a_file_uploaded_as_code_is_stored_as_its_text(client, settings):
    path, headers = api(settings)
    files = {"code": ("dataset.py", b"\xef\xbb\xbf" + DATASET, "text/x-python")}
    response = client.post(path, files=files, headers=headers)
    assert response.status_code == 202, response.text
    assert stored(settings) == [(1, DATASET.decode())]  # the byte-order mark is not code


def test_the_browser_form_accepts_the_file_too(client, settings):
    sign_in(client, "student1@kadai.local")
    path = f"/assignments/{assignment_id(settings, 'normalized-dataset')}/submissions"
    response = client.post(
        path,
        data={"csrf_token": csrf_of(client)},
        files={"code": ("dataset.py", DATASET, "text/x-python")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert stored(settings) == [(1, DATASET.decode())]


BAD_FILES = {
    "not UTF-8": (b"x = '\xe9'\n", 422, "not UTF-8 text (byte 6)"),
    "empty": (b"", 422, "empty"),
    "a NUL byte": (b"x = 1\x00\n", 422, "NUL character"),
    "too large": (b"#" * (256 * 1024 + 1), 413, "256 KB"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_file_that_is_not_gradable_text_is_refused_saying_why(client, settings, case):
    content, status, said = BAD_FILES[case]
    path, headers = api(settings)
    response = client.post(path, files={"code": ("dataset.py", content)}, headers=headers)
    assert said in refused(response, status)["message"]
    assert stored(settings) == []


def test_a_form_without_code_or_one_that_cannot_be_parsed_is_a_clear_4xx(client, settings):
    path, headers = api(settings)
    missing = client.post(path, files={"dataset": ("dataset.py", DATASET)}, headers=headers)
    assert '"code"' in refused(missing)["message"]
    unparsable = client.post(
        path, content=b"x", headers={**headers, "Content-Type": "multipart/form-data"}
    )
    assert "could not be read" in refused(unparsable, 400)["message"]
    assert stored(settings) == []
