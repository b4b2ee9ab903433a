"""An uploaded exercise whose solution is wrong is refused with the checks it failed and why."""

from __future__ import annotations

import pytest

from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD, sign_in
from tests.backend.test_staff_and_admin import confirmed, upload, zipped

pytestmark = [pytest.mark.docker, pytest.mark.slow]

FOLDER = PROJECT_ROOT / "exercises" / "normalized-dataset"


def sample_std(source: bytes) -> bytes:
    """The classic mistake: the sample standard deviation instead of the population's."""
    return source.replace(b"data.std(axis=0) + eps", b"data.std(axis=0, ddof=1) + eps")


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_a_wrong_solution_shows_its_failing_checks_and_their_messages(app_client, sandbox_grader):
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    wrong = zipped(FOLDER, edit={"solution.py": sample_std})
    page = confirmed(app_client, upload(app_client, wrong))
    assert page.status_code == 422 and 'data-testid="rejected"' in page.text
    detail = page.text.split('data-testid="failing-tests-solution"')[1].split("</td>")[0]
    assert "Features are standardised per column" in detail  # the failing check, by its title
    assert "<pre>" in detail  # with the message it gave
    assert "Length, shapes and dtypes" not in detail  # a check that passed is not listed
