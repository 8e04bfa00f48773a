"""Bearer-token verification: HS256 with the dev secret on stage `local`, JWKS elsewhere (and on
a local stage given an issuer, for that issuer's tokens)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import unauthenticated
from chalicelib.domain.identity import Identity, identity_from_claims
from chalicelib.settings import Settings

if TYPE_CHECKING:
    import jwt

# PyJWT is imported on first use, not at import: it loads `cryptography` (about 50 ms), which a
# cold start serving a public route never needs (bench/cold_start.py measures this).

ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"]
REQUIRED = ["sub", "role", "exp"]


def identify(headers: Any, settings: Settings) -> Identity:
    """The caller named by the Authorization header; 401 when absent or not valid."""
    header = headers.get("authorization") if headers else None
    if not header:
        raise unauthenticated("no Authorization header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("the Authorization header must be 'Bearer <token>'")
    import jwt

    try:
        claims = _verify(token.strip(), settings)
    except jwt.PyJWTError as error:
        raise unauthenticated(type(error).__name__) from None
    return identity_from_claims(claims)


def _verify(token: str, settings: Settings) -> dict[str, Any]:
    import jwt

    options: jwt.types.Options = {"require": REQUIRED}
    # A local stage given an issuer (the e2e tests' OpenID provider) also takes its tokens, checked
    # as a deployed stage checks them; its development tokens stay HS256 (API.md, Identity).
    algorithm = jwt.get_unverified_header(token).get("alg")
    from_issuer = bool(settings.auth_issuer) and algorithm in ASYMMETRIC_ALGORITHMS
    if settings.is_local and not from_issuer:
        return jwt.decode(
            token,
            settings.auth_dev_secret,
            algorithms=["HS256"],
            options={**options, "verify_aud": False, "verify_iss": False},
        )
    key = _jwks_client(settings.auth_jwks_url).get_signing_key_from_jwt(token).key
    return jwt.decode(
        token,
        key,
        algorithms=ASYMMETRIC_ALGORITHMS,
        audience=settings.auth_audience,
        issuer=settings.auth_issuer,
        options={"require": [*REQUIRED, "iss", "aud"]},
    )


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    import jwt

    # Cached across invocations: the client keeps the fetched keys for `lifespan` seconds.
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300)


def dev_token(settings: Settings, claims: dict[str, Any]) -> str:
    """A token for stage `local` (make token, tests)."""
    import jwt

    return jwt.encode(claims, settings.auth_dev_secret, algorithm="HS256")
