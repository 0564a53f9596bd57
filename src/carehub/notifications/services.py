"""Telling people: the only code that writes notifications, preferences and reminders.

`notify(kind, users=..., title=..., link=..., count=..., acting=...)` is called by the
services that do the work (a referral placed, an escalation moved up, a job finished)
and by the periodic checks. For each recipient it follows their channel for the kind
(`kinds.Channel`): nothing when OFF; otherwise a row in their bell, merged into an
unread row of the same kind and link made within `MERGE_WINDOW` (the count grows, no
second row, no second e-mail); an e-mail at once for EMAIL, the daily digest for DIGEST.

Minimum necessary: titles and bodies carry counts, organisations and roles, never a
member's name, id, date of birth or anything else about them; an e-mail is the title, a
count and an absolute link (`settings.SITE_URL`), and the page behind the link checks
access as always.

A notification never breaks the write that caused it: the rows are written in a
savepoint (a database error there is logged and the caller's transaction goes on), and
e-mail is sent only once the caller's transaction has committed
(`transaction.on_commit`), so a rolled-back write mails nobody. Rows are written as the
database owner (`rls.as_owner`): the person told is usually not the one acting, and the
tenant role may only touch its own user's notifications.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.notifications.kinds import DEFAULTS, Channel, Kind
from carehub.notifications.models import (
    DigestState,
    Notification,
    NotificationPreference,
    Reminder,
    render,
)
from carehub.tenancy import rls
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

logger = logging.getLogger("carehub.notifications")

# The same kind and link for the same person within this window updates the count.
MERGE_WINDOW = timedelta(minutes=getattr(settings, "CAREHUB_NOTIFY_MERGE_MINUTES", 60))


@dataclass
class Notified:
    """What one `notify` did: rows made or merged into, e-mails queued for the commit."""

    rows: int = 0
    mails: int = 0


def people_with_role(organisation: Organisation | int | None, *roles: str) -> list[Any]:
    """The active users holding one of `roles` (any role when none given) in
    `organisation`: the recipients of work that goes to a role, never to a person."""
    if organisation is None:
        return []
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    query: dict[str, Any] = {"memberships__organisation_id": org_id,
                             "memberships__is_active": True}
    if roles:
        query["memberships__role__in"] = roles
    with scopes_disabled(), rls.as_owner():
        return list(get_user_model().objects.filter(is_active=True, **query)
                    .distinct().order_by("pk"))


def channels_of(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """Each user's channel for `kind` (their choice, else the default)."""
    ids = list(user_ids)
    chosen = dict(NotificationPreference.objects.filter(user_id__in=ids, kind=kind)
                  .values_list("user_id", "channel"))
    return {pk: chosen.get(pk, DEFAULTS[kind]) for pk in ids}


def notify(kind: str, *, users: Iterable[Any], title: str, acting: Acting,
           organisation: Organisation | None = None, body: str = "", link: str = "",
           count: int = 1, skip_actor: bool = True, merge: bool = True,
           now: datetime | None = None) -> Notified:
    """Tell `users` about `count` things of `kind`; see the module's docstring.

    `title` and `body` may hold `{count}`, `{s}` and `{-s}` (`models.render`); `link` is
    a path on this site. The acting person is not told about their own action unless
    `skip_actor` is False. With `merge` False a new row is made even when an unread one
    of the same kind and link is recent (a new threshold is news of its own). Audited
    once per call (kind, count, recipients)."""
    if count < 1:
        return Notified()
    actor = getattr(acting.user, "pk", None)
    recipients = {u.pk: u for u in users
                  if u is not None and u.is_active and not (skip_actor and u.pk == actor)}
    if not recipients:
        return Notified()
    moment = now or timezone.now()
    try:
        with rls.as_owner(), scopes_disabled(), transaction.atomic():
            done, mails = _write(Kind(kind), list(recipients.values()), title=title,
                                 body=body, link=link if merge else "", count=count,
                                 organisation=organisation, now=moment, keep_link=link)
            if done:
                audit.record("create", object_type="notification", object_id=str(kind),
                             acting=acting, detail={"count": count, "link": link,
                                                    "recipients": sorted(done)})
    except DatabaseError:
        # The work that caused it stands; the bell and the pages still show the work.
        logger.exception("notification %s not recorded", kind)
        return Notified()
    if mails:
        transaction.on_commit(lambda: send(mails))
    return Notified(rows=len(done), mails=len(mails))


def _write(kind: Kind, users: list[Any], *, title: str, body: str, link: str, count: int,
           organisation: Organisation | None, now: datetime,
           keep_link: str) -> tuple[list[int], list[EmailMessage]]:
    """`link` is what merging matches on (empty: no merging); `keep_link` is stored."""
    channels = channels_of([u.pk for u in users], kind)
    done: list[int] = []
    mails: list[EmailMessage] = []
    for user in users:
        channel = channels[user.pk]
        if channel == Channel.OFF:
            continue
        row = None
        if link:
            row = (Notification.objects.select_for_update()
                   .filter(recipient=user, kind=kind, link=link, read_at__isnull=True,
                           created_at__gte=now - MERGE_WINDOW)
                   .order_by("-created_at", "-pk").first())
        digest = DigestState.PENDING if channel == Channel.DIGEST else DigestState.NONE
        if row is None:
            row = Notification.objects.create(
                recipient=user, organisation=organisation, kind=kind, title=title[:300],
                body=body, link=keep_link, count=count, created_at=now, updated_at=now,
                digest_state=digest)
        else:
            row.count += count
            row.title, row.body, row.updated_at = title[:300], body, now
            if digest:
                row.digest_state = digest
            row.save(update_fields=["count", "title", "body", "updated_at", "digest_state"])
        done.append(user.pk)
        if channel == Channel.EMAIL and row.emailed_at is None and user.email:
            row.emailed_at = now
            row.save(update_fields=["emailed_at"])
            mails.append(message_for(row, user.email))
    return done, mails


def absolute(link: str) -> str:
    return settings.SITE_URL + link if link.startswith("/") else link


def message_for(row: Notification, address: str) -> EmailMessage:
    """One notification as an e-mail: its title, its count, a link; nothing more."""
    lines = [row.heading]
    if row.body:
        lines += ["", row.text]
    if row.link:
        lines += ["", f"Open it: {absolute(row.link)}"]
    lines += ["", f"All your notifications: {absolute(reverse('notifications:list'))}",
              f"Choose what you are told, and how: "
              f"{absolute(reverse('notifications:settings'))}"]
    return EmailMessage(subject=f"carehub: {row.heading}", body="\n".join(lines) + "\n",
                        to=[address])


def send(messages: list[EmailMessage]) -> int:
    """Send after commit. A mail server that fails is logged, not retried: the bell and
    the pages still show the work."""
    try:
        return get_connection(fail_silently=False).send_messages(messages) or 0
    except OSError:  # smtplib's errors are OSErrors
        logger.exception("%d notification e-mails not sent", len(messages))
        return 0


def notify_once(key: str, kind: str, **kwargs: Any) -> Notified:
    """`notify`, unless a notice with this key was already given (periodic checks: each
    threshold is told once however often the check runs)."""
    with transaction.atomic():
        if not remember(key):
            return Notified()
        return notify(kind, **kwargs)


def remember(key: str) -> bool:
    """Record that the notice `key` was given; False when it already was."""
    try:
        with rls.as_owner(), transaction.atomic():
            _, created = Reminder.objects.get_or_create(key=key[:200])
    except IntegrityError:  # a simultaneous run made it first
        return False
    return created


def remembered(keys: Iterable[str]) -> set[str]:
    """Which of `keys` were already given."""
    with rls.as_owner():
        return set(Reminder.objects.filter(key__in=list(keys)).values_list("key", flat=True))


# --- the reader's own actions -------------------------------------------------------------

def mark_read(row: Notification, *, acting: Acting) -> Notification:
    """Mark one of the acting user's notifications read (the caller found it through
    `selectors.get_notification`, so it is theirs)."""
    if row.read_at is None:
        with transaction.atomic():
            row.read_at = timezone.now()
            if row.digest_state == DigestState.PENDING:
                row.digest_state = DigestState.SKIPPED
            row.save(update_fields=["read_at", "digest_state"])
            audit.record("update", object_type="notification", object_id=str(row.pk),
                         acting=acting, detail={"read": True})
    return row


def mark_all_read(user: Any, *, acting: Acting) -> int:
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
        now = timezone.now()
        unread.filter(digest_state=DigestState.PENDING).update(
            digest_state=DigestState.SKIPPED)
        marked = unread.update(read_at=now)
        if marked:
            audit.record("update", object_type="notification", object_id="all",
                         acting=acting, detail={"read": marked})
    return marked


def set_preferences(user: Any, channels: dict[str, str], *, acting: Acting) -> list[str]:
    """Save the user's channel per kind; returns the kinds that changed (audited). A
    choice equal to the default keeps no row, so a kind the person never changed follows
    the default."""
    changed: list[str] = []
    with transaction.atomic():
        have = dict(NotificationPreference.objects.filter(user=user)
                    .values_list("kind", "channel"))
        for kind, channel in channels.items():
            Kind(kind), Channel(channel)  # refuse unknown values
            if have.get(kind, DEFAULTS[kind]) == channel:
                continue
            changed.append(kind)
            if channel == DEFAULTS[kind]:
                NotificationPreference.objects.filter(user=user, kind=kind).delete()
            else:
                NotificationPreference.objects.update_or_create(
                    user=user, kind=kind, defaults={"channel": channel})
        if changed:
            audit.record("update", object_type="notification_preference",
                         object_id=str(user.pk), acting=acting,
                         detail={k: channels[k] for k in changed})
    return changed


# --- the daily digest ---------------------------------------------------------------------

def pending_digests() -> QuerySet[Notification]:
    return Notification.objects.filter(digest_state=DigestState.PENDING)


def send_digests(*, now: datetime | None = None) -> int:
    """One e-mail per person with notifications waiting for the digest: counts per kind
    and a link for each; each sent row is marked so a second run sends nothing. Rows
    read in the meantime are left out. Returns the number of e-mails queued."""
    moment = now or timezone.now()
    sent = 0
    with rls.as_owner(), scopes_disabled():
        people = list(pending_digests().order_by().values_list("recipient_id", flat=True)
                      .distinct())
        users = get_user_model().objects.in_bulk(people)
        for pk in sorted(people):
            with transaction.atomic():
                rows = list(pending_digests().select_for_update()
                            .filter(recipient_id=pk).order_by("kind", "-updated_at"))
                unread = [r for r in rows if r.read_at is None]
                Notification.objects.filter(pk__in=[r.pk for r in rows if r.read_at]).update(
                    digest_state=DigestState.SKIPPED)
                Notification.objects.filter(pk__in=[r.pk for r in unread]).update(
                    digest_state=DigestState.SENT, emailed_at=moment)
                user = users.get(pk)
                if not unread or user is None or not user.email or not user.is_active:
                    continue
                message = digest_for(unread, user.email)
                transaction.on_commit(lambda m=message: send([m]))  # type: ignore[misc]
                sent += 1
    return sent


def digest_for(rows: list[Notification], address: str) -> EmailMessage:
    by_kind: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    total = sum(r.count for r in rows)
    lines = [render("Your carehub digest: {count} thing{s} for you since the last one.",
                    total), ""]
    for kind in Kind:
        found = by_kind.get(kind.value)
        if not found:
            continue
        lines.append(f"{kind.label}: {sum(r.count for r in found):,}")
        lines.extend(f"  - {r.heading}" + (f": {absolute(r.link)}" if r.link else "")
                     for r in found)
        lines.append("")
    lines += [f"All your notifications: {absolute(reverse('notifications:list'))}",
              f"Choose what you are told, and how: "
              f"{absolute(reverse('notifications:settings'))}"]
    return EmailMessage(subject=render("carehub daily digest: {count} notification{s}", total),
                        body="\n".join(lines) + "\n", to=[address])
