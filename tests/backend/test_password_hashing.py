"""Password hashes: argon2 with RFC 9106's parameters in production, argon2-cffi's cheapest
profile only where a test suite asks for it, and every stored hash verifying under either."""

from __future__ import annotations

import secrets

import pytest
from argon2 import extract_parameters, profiles
from pydantic import ValidationError

from backend.auth.security import hash_password, use_hash_profile, verify_password
from backend.settings import Settings


@pytest.fixture
def suite_profile():
    yield
    use_hash_profile("cheapest")


def test_production_hashes_with_rfc_9106_parameters(production_env, tmp_path):
    settings = Settings(environment="production", secret_key=secrets.token_urlsafe(32))
    assert settings.password_hash_profile == "rfc9106_low_memory"
    use_hash_profile(settings.password_hash_profile)
    stored = hash_password("correct horse")
    wanted = profiles.RFC_9106_LOW_MEMORY
    found = extract_parameters(stored)
    assert (found.time_cost, found.memory_cost, found.parallelism) == (
        wanted.time_cost,
        wanted.memory_cost,
        wanted.parallelism,
    )


def test_production_refuses_the_test_suites_profile(production_env):
    with pytest.raises(ValidationError, match="KADAI_PASSWORD_HASH_PROFILE"):
        Settings(
            environment="production",
            secret_key=secrets.token_urlsafe(32),
            password_hash_profile="cheapest",
        )


def test_a_hash_of_either_profile_verifies_under_the_other(suite_profile):
    use_hash_profile("cheapest")
    cheap = hash_password("pa55word")
    use_hash_profile("rfc9106_low_memory")
    strong = hash_password("pa55word")
    assert verify_password(cheap, "pa55word") and not verify_password(cheap, "other")
    use_hash_profile("cheapest")
    assert verify_password(strong, "pa55word") and not verify_password(strong, "other")
