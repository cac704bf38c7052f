"""The Celery application: configured from Django settings (CELERY_*), tasks found in each app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

# Named by path: importing it here would load Django's ORM wherever `registry` is imported, and
# the pure modules (registry.components, the audit rules) must stay free of it.
app = Celery("registry", task_cls="registry.task_class:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
