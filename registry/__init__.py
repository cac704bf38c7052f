"""Glasshouse: the site package and the catalogue app."""

from registry.celery import app as celery_app

__all__ = ["celery_app"]
