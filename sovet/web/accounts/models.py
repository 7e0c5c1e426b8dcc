"""The person: an account, which may belong to several councils.

A person's `PersonId` in the core and in every book is their **username**, as text. Usernames
are lowercase ASCII and never change once taken (no page renames them), so a book names the
same person forever and reads the same on any server. The database pk is internal and never
written into a book.

Persons are not per council: in a distributed PostgreSQL this table is a reference table,
replicated to every node, while council tables are sharded by `council_id`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USERNAME_RE = r"\A[a-z][a-z0-9_-]{1,29}\Z"

username_validator = RegexValidator(
    USERNAME_RE,
    _(
        "A username is 2 to 30 characters: small letters a–z, digits, hyphens and "
        "underscores, starting with a letter."
    ),
    code="invalid_username",
)


def normalize_username(username: str) -> str:
    """Fold a username as typed into its stored form (trimmed, lowercase)."""
    return username.strip().lower()


class PersonManager(BaseUserManager["Person"]):
    """Creates persons; finds them by username whatever the case it is typed in."""

    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> Person:
        """Find the person whose username is `username`, typed in any case."""
        return self.get(username=normalize_username(username or ""))

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> Person:
        """Create an ordinary person with a hashed password (none: cannot log in)."""
        person = self.model(username=normalize_username(username), **extra)
        person.set_password(password)
        person.full_clean(exclude=["password"])
        person.save(using=self._db)
        return person

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> Person:
        """Create a person who may open the read-only admin (no power over any council)."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    """An account. Its username is its `PersonId` in the core and in every book."""

    username = models.CharField(
        _("username"),
        max_length=30,
        unique=True,
        validators=[username_validator],
        help_text=_(
            "2 to 30 characters: small letters a–z, digits, hyphens and underscores, starting "
            "with a letter. It names you in every council's book and cannot be changed later."
        ),
        error_messages={"unique": _("That username is taken; choose another.")},
    )
    display_name = models.CharField(
        _("display name"),
        max_length=100,
        help_text=_("The name other members see, e.g. your first name and surname."),
    )
    email = models.EmailField(
        _("e-mail address"),
        blank=True,
        help_text=_("Optional. Used only for the notifications you choose."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("may open the admin"),
        default=False,
        help_text=_("The admin only reads; it cannot change any council's data."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[PersonManager] = PersonManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.username})"

    @property
    def person_id(self) -> str:
        """This person's `PersonId` in the core and the books: the username."""
        return self.username

    def clean(self) -> None:
        """Store the username folded, so `Ana` and `ana` are one person."""
        super().clean()
        self.username = normalize_username(self.username)
        self.display_name = self.display_name.strip()

    def get_full_name(self) -> str:
        """The name shown to others."""
        return self.display_name

    def get_short_name(self) -> str:
        """The name shown to others."""
        return self.display_name


class LoginFailure(models.Model):
    """One failed log-in, counted toward the throttle of an account or of a client address.

    Kept in the database (not in a worker's memory) so the count holds across every gunicorn
    worker. An attempt writes one row per scope; rows older than the throttle's window are
    deleted as new failures come, so an address is kept for minutes only and never beside
    anything a person did in a council.
    """

    ACCOUNT = "account"
    ADDRESS = "address"
    SCOPES: ClassVar[list[tuple[str, str]]] = [(ACCOUNT, "account"), (ADDRESS, "address")]

    scope = models.CharField(max_length=7, choices=SCOPES)
    key = models.CharField(max_length=150)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("failed log-in")
        verbose_name_plural = _("failed log-ins")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["scope", "key", "at"], name="login_failure_window"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} at {self.at:%Y-%m-%d %H:%M:%S}"


def person_of(request: Any) -> Person:
    """The person a logged-in request belongs to (after `login_required`); 403 otherwise."""
    from django.core.exceptions import PermissionDenied

    user = request.user
    if not isinstance(user, Person):  # login_required lets only persons through
        raise PermissionDenied
    return user
