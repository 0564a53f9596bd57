"""A card on the home page. Apps above tenancy return these from their `home.panels`;
the portal lists those functions and renders the cards (`carehub.portal.home`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50
