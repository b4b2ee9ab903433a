"""Kadai's tool keys: generated on first need, rotated on demand, published as a JWKS.

The newest live key signs. A rotated-out key stays in the JWKS for ``OVERLAP`` so that a platform
still checking something it signed (a client assertion, a Deep Linking answer) finds it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from joserfc.jwk import RSAKey
from sqlalchemy.orm import Session

from backend.lti.repository import LtiRepository
from backend.models import LtiToolKey
from backend.models._common import utcnow

OVERLAP = timedelta(days=7)
KEY_BITS = 2048


def _new_key(session: Session) -> LtiToolKey:
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(KEY_BITS, parameters={"kid": kid}, auto_kid=False)
    row = LtiToolKey(kid=kid, private_pem=key.as_pem(private=True).decode())
    LtiRepository(session).add(row)
    return row


def signing_key(session: Session) -> tuple[str, RSAKey]:
    """(kid, private key) of the key that signs now; made on first use."""
    live = [k for k in LtiRepository(session).keys() if k.retired_at is None]
    row = live[-1] if live else _new_key(session)
    return row.kid, RSAKey.import_key(row.private_pem, parameters={"kid": row.kid})


def rotate(session: Session) -> str:
    """A new signing key; the old ones retire now and leave the JWKS after the overlap."""
    now = utcnow()
    for row in LtiRepository(session).keys():
        if row.retired_at is None:
            row.retired_at = now
    return _new_key(session).kid


def jwks(session: Session) -> dict:
    """The public keys a platform verifies Kadai's signatures with."""
    cutoff = utcnow() - OVERLAP
    rows = [
        k for k in LtiRepository(session).keys() if k.retired_at is None or k.retired_at > cutoff
    ]
    if not rows:
        signing_key(session)
        rows = list(LtiRepository(session).keys())
    keys = []
    for row in rows:
        public = RSAKey.import_key(row.private_pem).as_dict(private=False)
        keys.append({**public, "kid": row.kid, "alg": "RS256", "use": "sig"})
    return {"keys": keys}
