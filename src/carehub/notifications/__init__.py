"""Notifications: people are told what needs them.

A source (a referral placed, an escalation moved up, a job finished, a nightly check)
calls `services.notify`; each recipient's preference for that kind decides whether it
shows in the bell only, also goes by e-mail at once, goes into the daily digest, or is
not kept at all. E-mail carries a count and a link, never a member's details.
"""
