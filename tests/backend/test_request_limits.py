"""Requests are bounded before anyone is trusted: bodies by the bytes really received (chunked
too), authentication before the body is read, and a sign-in limiter that costs fixed memory and
cannot be sidestepped by spelling an address differently or claiming another client address.

Against `kadai serve` in a child process (as `make up` runs it), whose memory is measured.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from backend.settings import Settings
from tests.backend.browser_http import client, csrf, sign_in
from tests.backend.conftest import token_for
from tests.backend.served import Served, kadai_serve, stream_post

pytestmark = pytest.mark.slow
MiB = 1024 * 1024
SUBMIT = "/api/v1/assignments/1/submissions"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    with kadai_serve(tmp_path_factory.mktemp("limits") / "var") as server:
        yield server


def token(served: Served, email: str, scopes: str) -> str:
    data_dir = Path(served.log).parent / "var"
    return token_for(Settings(data_dir=data_dir, secret_key="unused"), email, scopes)


def test_an_unauthenticated_chunked_upload_is_refused_before_its_body_is_read(served):
    before = served.rss_kib()
    answer = stream_post(
        served, SUBMIT, {"Content-Type": "application/json"}, 200 * MiB, watch_memory=True
    )
    grown = (served.peak_rss_kib - before) // 1024
    print(
        f"no token, 200 MiB chunked: {answer.status} after {answer.sent // MiB} MiB sent, "
        f"server RSS +{grown} MiB"
    )
    assert answer.status == 401
    assert answer.sent < 20 * MiB  # answered without waiting for the body
    assert grown < 30


def test_a_chunked_submission_is_cut_at_the_routes_limit(served):
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token(served, 'student1@kadai.local', 'read,submit')}",
    }
    before = served.rss_kib()
    answer = stream_post(served, SUBMIT, headers, 200 * MiB, watch_memory=True)
    grown = (served.peak_rss_kib - before) // 1024
    print(
        f"valid token, 200 MiB chunked: {answer.status} after {answer.sent // MiB} MiB sent, "
        f"server RSS +{grown} MiB"
    )
    assert answer.status == 413 and b'"code":"payload_too_large"' in answer.head
    assert answer.sent < 20 * MiB
    assert grown < 30


def test_every_other_route_has_a_small_limit_counted_on_chunked_bodies(served):
    answer = stream_post(
        served, "/login", {"Content-Type": "application/x-www-form-urlencoded"}, 8 * MiB
    )
    assert answer.status == 413 and answer.sent < 8 * MiB


MULTIPART = (
    b'--kadai\r\nContent-Disposition: form-data; name="package"; filename="big.zip"\r\n'
    b"Content-Type: application/zip\r\n\r\n"
)


def test_an_upload_from_anyone_but_an_admin_is_refused_before_it_is_read(served):
    headers = {"Content-Type": "multipart/form-data; boundary=kadai"}
    anonymous = stream_post(served, "/admin/exercises", headers, 40 * MiB, prefix=MULTIPART)
    assert anonymous.status == 303 and anonymous.sent < 20 * MiB
    with client(served.base) as http:
        sign_in(http, "student1@kadai.local")
        cookie = f"kadai_session={http.cookies['kadai_session']}"
    student = stream_post(
        served, "/admin/exercises", {**headers, "Cookie": cookie}, 40 * MiB, prefix=MULTIPART
    )
    assert student.status == 403 and student.sent < 20 * MiB
    declared = stream_post(
        served, "/admin/exercises", headers, 40 * MiB, chunked=False, prefix=MULTIPART
    )
    assert declared.status == 413 and declared.sent < 20 * MiB  # a declared size over 16 MiB


EMAIL_BYTES = 60 * 1024
SIGN_INS = 200


def test_the_sign_in_limiter_keeps_no_memory_per_typed_address(served):
    with client(served.base) as http:
        token_ = csrf(http)

        def attempt(index: int) -> int:
            email = f"{index:06d}" + "a" * EMAIL_BYTES + "@kadai.local"
            form = {"email": email, "password": "wrong-password", "csrf_token": token_}
            return http.post("/login", data=form).status_code

        with ThreadPoolExecutor(4) as pool:
            # Warm-up: the allocator's arenas grow to what concurrent requests reuse after.
            list(pool.map(attempt, range(-40, 0)))
            before = served.rss_kib()
            codes = list(pool.map(attempt, range(SIGN_INS)))
    grown = (served.rss_kib() - before) / 1024
    print(f"{SIGN_INS} sign-ins with {EMAIL_BYTES // 1024} KiB addresses: RSS +{grown:.1f} MiB")
    assert set(codes) == {401}
    assert grown < SIGN_INS * EMAIL_BYTES / MiB / 3  # kept, they would be the whole sum


VARIANTS = [
    prefix + "student2@kadai.local" + suffix
    for prefix in ("", " ", "  ", "\t", "\n")
    for suffix in ("", " ", "  ", "\t", "\n")
]


def test_spelling_variants_of_an_address_share_one_count(served):
    with client(served.base) as http:
        codes = [
            sign_in(http, variant.upper() if i % 2 else variant, "wrong-password").status_code
            for i, variant in enumerate(VARIANTS)
        ]
        right = sign_in(http, " STUDENT2@kadai.local ")
    print(f"25 variants: {codes.count(401)} tried, {codes.count(429)} refused")
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    assert right.status_code == 429  # the right password, but the count is spent


def test_a_client_cannot_claim_other_addresses_unless_a_proxy_is_trusted(served, tmp_path):
    with client(served.base) as http:
        codes = [
            sign_in(
                http, "teacher@kadai.local", "wrong-password", **{"X-Forwarded-For": f"10.0.0.{i}"}
            ).status_code
            for i in range(12)
        ]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    trusted = {"KADAI_TRUSTED_PROXIES": "127.0.0.1"}
    with kadai_serve(tmp_path / "var", trusted) as proxied, client(proxied.base) as http:
        codes = [
            sign_in(
                http, "teacher@kadai.local", "wrong-password", **{"X-Forwarded-For": f"10.0.0.{i}"}
            ).status_code
            for i in range(12)
        ]
    assert codes == [401] * 12  # behind a trusted proxy each client has its own count
