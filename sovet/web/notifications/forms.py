"""The notification settings form: for each kind, on the site and by e-mail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sovet.web.notifications.models import KIND_CHOICES


class PreferencesForm(forms.Form):
    """Two checkboxes per kind of notification: `<kind>_site` and `<kind>_email`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in KIND_CHOICES:
            self.fields[f"{kind}_site"] = forms.BooleanField(
                label=_("%(kind)s: on the site") % {"kind": label}, required=False)
            self.fields[f"{kind}_email"] = forms.BooleanField(
                label=_("%(kind)s: by e-mail") % {"kind": label}, required=False)

    @classmethod
    def initial_from(cls, chosen: dict[str, tuple[bool, bool]]) -> dict[str, bool]:
        """The form's initial values from the person's choices."""
        initial: dict[str, bool] = {}
        for kind, (site, email) in chosen.items():
            initial[f"{kind}_site"] = site
            initial[f"{kind}_email"] = email
        return initial

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """(kind's label, site checkbox, e-mail checkbox) for the settings table."""
        return [(str(label), self[f"{kind}_site"], self[f"{kind}_email"])
                for kind, label in KIND_CHOICES]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        """The submitted choices, for `preferences_set` (call after `is_valid`)."""
        d = self.cleaned_data
        return {kind: (bool(d.get(f"{kind}_site")), bool(d.get(f"{kind}_email")))
                for kind, _label in KIND_CHOICES}
