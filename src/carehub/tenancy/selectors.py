"""Reads of organisations and networks that need no audit (no member data)."""

from __future__ import annotations

from carehub.tenancy.models import NetworkMember, NetworkStatus, Organisation


def invitations_for(cbo: Organisation) -> list[NetworkMember]:
    """Network invitations waiting for `cbo`'s decision."""
    return list(NetworkMember.objects.filter(cbo=cbo, status=NetworkStatus.INVITED)
                .select_related("network__hub").order_by("invited_at", "pk"))
