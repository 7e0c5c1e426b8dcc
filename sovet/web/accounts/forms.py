"""Sign-up and log-in forms. Errors are sentences shown beside the field they are about."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.utils.translation import gettext_lazy as _

from sovet.web.accounts import throttle
from sovet.web.accounts.models import Person, normalize_username


def _no_autofocus(form: forms.BaseForm) -> None:
    """Drop Django's autofocus on the username: focus must start at the top of the page, so the
    skip link is the first Tab stop and a screen reader starts at the heading (WCAG 2.4.1, 2.4.3).
    """
    form.fields["username"].widget.attrs.pop("autofocus", None)


class SignUpForm(BaseUserCreationForm):
    """Sign up: a username (kept forever), a display name, an optional e-mail, a password."""

    class Meta:
        model = Person
        fields = ("username", "display_name", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_autofocus(self)

    def clean_username(self) -> str:
        """Fold the username, and refuse one taken in any case."""
        username = normalize_username(self.cleaned_data.get("username") or "")
        if Person.objects.filter(username=username).exists():
            raise forms.ValidationError(_("That username is taken; choose another."), code="taken")
        return username


def throttled_clean(form: AuthenticationForm) -> dict[str, Any]:
    """Check the throttle first, then the password; count a failure, clear on success.

    Every form that checks a password cleans through here, so none is a way around the
    throttle.
    """
    username = normalize_username(form.cleaned_data.get("username") or "")
    address = throttle.client_address(form.request) if form.request else None
    if username and form.cleaned_data.get("password"):
        throttle.login_permitted(username=username, address=address)
        form.cleaned_data["username"] = username
        try:
            cleaned: dict[str, Any] = AuthenticationForm.clean(form)
        except forms.ValidationError:
            throttle.login_failed(username=username, address=address)
            raise
        throttle.login_succeeded(username=username)
        return cleaned
    return form.cleaned_data


class LogInForm(AuthenticationForm):
    """Log in by username (any case) and password, through the log-in throttle."""

    error_messages = {  # noqa: RUF012 (Django's own attribute)
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That username and password do not match an account. Check both and try again."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_autofocus(self)

    def clean(self) -> dict[str, Any]:
        """Check the throttle first, then the password; count a failure, clear on success."""
        return throttled_clean(self)


class AdminLogInForm(AdminAuthenticationForm):
    """The read-only admin's log-in, through the same throttle as the site's."""

    def clean(self) -> dict[str, Any]:
        """Check the throttle first, then the password and staff status; count a failure."""
        return throttled_clean(self)
