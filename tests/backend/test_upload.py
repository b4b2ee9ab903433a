"""Uploading a package that replaces a published exercise: nothing changes until an admin has
seen the change to its tests and confirmed; an oversized manifest is refused before parsing."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from sqlalchemy import select

from backend.models import Exercise
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, database, sign_in
from tests.backend.test_staff_and_admin import upload, zipped

FOLDER = PROJECT_ROOT / "exercises" / "normalized-dataset"
CHANGED = {"tests/test_dataset.py": lambda d: d + b"\n# a stricter check comes here\n"}


def current_version(settings) -> str:  # type: ignore[no-untyped-def]
    with database(settings) as session:
        return session.scalar(select(Exercise.current_version).where(Exercise.id == FOLDER.name))


def test_replacing_a_published_exercise_shows_the_test_diff_and_waits(app_client, settings):
    before = current_version(settings)
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = upload(app_client, zipped(FOLDER, edit=CHANGED))
    assert page.status_code == 200 and 'data-testid="confirm"' in page.text
    diff = page.text.split('data-testid="tests-diff">')[1].split("</pre>")[0]
    assert "+# a stricter check comes here" in diff and "upload/tests/test_dataset.py" in diff
    assert "PyTorch と TensorFlow 実践" in page.text  # the courses it would change
    assert current_version(settings) == before  # nothing published yet
    expired = app_client.post(
        "/admin/exercises/confirm",
        data={"token": "not-a-staged-upload", "csrf_token": csrf_of(app_client, "/admin")},
    )
    assert expired.status_code == 404


def test_an_oversized_manifest_is_refused_before_it_is_parsed(app_client):
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    manifest = b'id = "huge"\n' + b"".join(b"key%d = %d\n" % (i, i) for i in range(700_000))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("huge/exercise.toml", manifest)
    began = time.perf_counter()
    response = upload(app_client, buffer.getvalue())
    elapsed = time.perf_counter() - began
    print(f"{len(manifest) // 2**20} MiB exercise.toml: {response.status_code} in {elapsed:.2f} s")
    assert response.status_code == 413 and elapsed < 3


@pytest.mark.docker
@pytest.mark.slow
def test_a_confirmed_replacement_is_validated_and_published(app_client, settings, sandbox_grader):
    before = current_version(settings)
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = upload(app_client, zipped(FOLDER, edit=CHANGED))
    token = page.text.split('name="token" value="')[1].split('"')[0]
    published = app_client.post(
        "/admin/exercises/confirm",
        data={"token": token, "csrf_token": csrf_of(app_client, "/admin")},
    )
    assert published.status_code == 200 and 'data-testid="published"' in published.text
    assert current_version(settings) not in (before, None)
    again = app_client.post(
        "/admin/exercises/confirm",
        data={"token": token, "csrf_token": csrf_of(app_client, "/admin")},
    )
    assert again.status_code == 404  # a staged upload is used once
