"""Proof-Free City API: registers the blueprints and the HTTP middleware. No logic here."""

from chalicelib.api.application import ThreadSafeChalice
from chalicelib.api.catalogue import catalogue
from chalicelib.api.matters import matters
from chalicelib.api.public import public
from chalicelib.api.units import units
from chalicelib.observability import http_middleware

# Powertools Logger prints the log lines; Chalice's own handler would print them twice.
app = ThreadSafeChalice(app_name="proof-free-city", configure_logs=False)
app.register_middleware(http_middleware, "http")
for blueprint in (units, catalogue, matters, public):
    app.register_blueprint(blueprint)
