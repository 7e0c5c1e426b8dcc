"""The header's unread count: `{% load inbox %}{% unread_count user as unread %}`."""

from __future__ import annotations

from typing import Any

from django import template

from sovet.web.notifications.selectors import unread_count as count_unread

register = template.Library()


@register.simple_tag
def unread_count(user: Any) -> int:
    """How many of the signed-in person's notifications are unread (0 for anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return count_unread(user.get_username())
