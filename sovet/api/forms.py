"""The profile's form for making a personal access token."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sovet.api.tokens import NAME_MAX


class TokenForm(forms.Form):
    """Name a new token after what will use it."""

    name = forms.CharField(
        label=_("Token name"), max_length=NAME_MAX,
        help_text=_("What will use it, e.g. “laptop script”. The token itself is shown once."),
        error_messages={"required": _("Give the token a name.")})

    def clean_name(self) -> str:
        """Names are trimmed; a blank name is no name."""
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."), code="required")
        return name
