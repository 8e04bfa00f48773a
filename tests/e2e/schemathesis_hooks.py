"""Schemathesis hooks for this API (SCHEMATHESIS_HOOKS): a peer's message is a JWS, text in the
`application/jose` media type, which Schemathesis sends as it sends text/plain."""

import schemathesis

schemathesis.serializer.alias("application/jose", "text/plain")
