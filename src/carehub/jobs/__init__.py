"""Background jobs: long work runs on the task queue with progress people can see.

A `Job` row is the user-facing record of one piece of long work (who started it, for
which organisation, how far it got, its result or errors). The queue underneath is
django-tasks with its database backend; a task carries only the job's id.
"""
