"""The one import of the task library.

django-tasks is the API Django 6 ships as `django.tasks`; moving to Django 6 changes the
imports below and nothing else (docs/decisions/0009-background-jobs.md).
"""

from django_tasks import task, task_backends
from django_tasks.base import Task, TaskResultStatus

__all__ = ["Task", "TaskResultStatus", "task", "task_backends"]
