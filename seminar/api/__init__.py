"""JSON API v1: tokens, the OpenAPI document, registrations and statistics.

Other features add their own API blueprints under /api/v1 and their OpenAPI paths through
`features(app).add_api` (see docs/ARCHITECTURE.md).
"""
from flask import Flask

from ..features import features


def register(app: Flask) -> None:
    from . import openapi, views

    registry = features(app)
    registry.add_blueprint(views.bp, api=True)
    registry.add_api(openapi.PATHS, openapi.SCHEMAS)
