"""What people are told about, and how each kind reaches them unless they choose otherwise.

Channels: every channel but OFF keeps the notification in the bell and the list;
EMAIL also sends an e-mail at once; DIGEST gathers it into one e-mail a day. OFF keeps
nothing. The defaults: work given to a person or waiting for their role reaches them
at once by e-mail (it has a due time); daily counts (overdue work) stay in the bell,
since they come once a day anyway; dates weeks away (renewals, credentials) go by
e-mail once per threshold; a job the person watched finish stays in the bell, a failed
one is mailed.
"""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    ASSIGNED_TO_ME = "assigned_to_me", "A referral assigned to me"
    FOR_MY_ORGANISATION = "for_my_organisation", "Referrals for my organisation"
    ESCALATION = "escalation", "An escalation reaching my role"
    OVERDUE = "overdue", "Overdue work in my team"
    RENEWAL = "renewal", "A contract renewal coming"
    CREDENTIAL = "credential", "A staff credential expiring"
    JOB_FINISHED = "job_finished", "My job finished"
    JOB_FAILED = "job_failed", "My job failed"
    BILL_QUESTION = "bill_question", "A payer's question about a bill"
    PAYOUT = "payout", "A payment to my organisation"
    FEEDBACK_ANSWERED = "feedback_answered", "An answer to feedback I sent"
    JOC_PACK_SENT = "joc_pack_sent", "A joint operating committee's pack and notes"
    EXCHANGE_DELIVERY_LATE = "exchange_delivery_late", "A data set's file is late"
    EXCHANGE_DELIVERY_REFUSED = "exchange_delivery_refused", "A delivered file was refused"
    EXCHANGE_DELIVERY_RECEIVED = "exchange_delivery_received", "A delivered file was accepted"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the app only"
    EMAIL = "email", "In the app and by e-mail at once"
    DIGEST = "digest", "In the app and in the daily digest"
    OFF = "off", "Off"


DEFAULTS: dict[str, str] = {
    Kind.ASSIGNED_TO_ME: Channel.EMAIL,
    Kind.FOR_MY_ORGANISATION: Channel.EMAIL,
    Kind.ESCALATION: Channel.EMAIL,
    Kind.OVERDUE: Channel.IN_APP,
    Kind.RENEWAL: Channel.EMAIL,
    Kind.CREDENTIAL: Channel.EMAIL,
    Kind.JOB_FINISHED: Channel.IN_APP,
    Kind.JOB_FAILED: Channel.EMAIL,
    Kind.BILL_QUESTION: Channel.EMAIL,
    Kind.PAYOUT: Channel.EMAIL,
    Kind.FEEDBACK_ANSWERED: Channel.EMAIL,
    Kind.JOC_PACK_SENT: Channel.EMAIL,
    Kind.EXCHANGE_DELIVERY_LATE: Channel.EMAIL,
    Kind.EXCHANGE_DELIVERY_REFUSED: Channel.EMAIL,
    Kind.EXCHANGE_DELIVERY_RECEIVED: Channel.IN_APP,
}

# When each kind comes, in words for the preferences page.
WHO: dict[str, str] = {
    Kind.ASSIGNED_TO_ME: "A supervisor gives you referrals.",
    Kind.FOR_MY_ORGANISATION: "Referrals are placed with your organisation (supervisors) or "
                              "wait in the hub's needs-routing queue (coordinators).",
    Kind.ESCALATION: "An escalation is raised at your role, or moves up to it.",
    Kind.OVERDUE: "Once a day: how many of your team's open referrals are overdue.",
    Kind.RENEWAL: "90, 60 and 30 days before a contract of yours ends.",
    Kind.CREDENTIAL: "30 days before a staff credential you keep expires.",
    Kind.JOB_FINISHED: "Background work you started has finished.",
    Kind.JOB_FAILED: "Background work you started has failed.",
    Kind.BILL_QUESTION: "A plan pends a bill of your hub with a question (hub administrators).",
    Kind.PAYOUT: "The hub issues or pays a remittance advice to your CBO (supervisors).",
    Kind.FEEDBACK_ANSWERED: "The hub or plan answers feedback you sent them.",
    Kind.JOC_PACK_SENT: "A committee meeting you are on the core team of, or missed, is "
                        "finished: its pack and notes.",
    Kind.EXCHANGE_DELIVERY_LATE: "A contract's data set file is past its due day and has "
                                 "not come or been sent (hub and plan managers, CBO "
                                 "supervisors of the other side).",
    Kind.EXCHANGE_DELIVERY_REFUSED: "A file delivered to a data set of your contract was "
                                    "refused; its receipt names each row and column.",
    Kind.EXCHANGE_DELIVERY_RECEIVED: "A file delivered to a data set of your contract was "
                                     "accepted.",
}
