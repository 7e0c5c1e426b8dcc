"""The council forms. Each error is a sentence beside the field it is about.

A refusal of the rules (`RuleError`) from a service goes beside the field its facts name
(`refuse`), or above the form when it is about the whole command.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from sovet.core.charter import ADMISSION_PROCEDURES, DECLARATION_KINDS, MOTION_KINDS, Charter
from sovet.core.errors import RuleError
from sovet.core.motion import METHODS_ONE_SEAT, METHODS_SEVERAL, ROLES
from sovet.web.accounts.models import normalize_username

RESERVED_SLUGS = frozenset({"found", "new", "admin", "static", "accounts"})

ADMISSION_WORDS = {
    "sponsors_then_vote": _("Sponsors, then a vote: once enough members sponsor an applicant, "
                            "the members vote on their admission."),
    "sponsors_then_objection_period": _("Sponsors, then an objection period: a sponsored "
                                        "applicant is admitted unless a member objects in time; "
                                        "an objection puts the admission to a vote."),
    "attendance_then_sponsors": _("Attendance, then sponsors: an applicant who has attended "
                                  "the council's actions and has their sponsors is admitted."),
}
DECLARATION_WORDS = {
    "hires_and_fires": _("hires and fires"),
    "polices": _("polices"),
    "manages": _("manages"),
    "owns": _("owns"),
    "other": _("another position of command or privilege"),
}
MOTION_WORDS = {
    "resolution": _("Resolution"),
    "admission": _("Admission"),
    "expulsion": _("Expulsion"),
    "charter_amendment": _("Charter amendment"),
    "party_legalization": _("Legalize a party"),
    "party_outlawing": _("Outlaw a party"),
    "election_call": _("Call an election"),
    "election": _("Election"),
    "recall": _("Recall"),
    "delegate_instruction": _("Instruction to a delegate"),
    "affiliation": _("Accept a council affiliating to this one"),
    "affiliation_request": _("Ask to affiliate to a parent council"),
}
QUORUMS = (("1/4", _("a quarter")), ("1/3", _("a third")), ("1/2", _("a half")),
           ("2/3", _("two thirds")))
METHOD_WORDS = {
    "irv": _("instant-runoff (one seat)"),
    "schulze": _("Schulze (one seat)"),
    "stv_scottish": _("STV, Scottish rules (several seats)"),
    "meek": _("Meek STV (several seats)"),
}
ROLE_WORDS = {"officer": _("officer"), "delegate": _("delegate")}
CHOICE_WORDS = (("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain")))

# Which form field a refusal's fact is about.
_FIELD_OF_FACT = {
    "founders": "cofounders", "council": "slug", "person": "subject", "subject": "subject",
    "kind": "kind", "office": "ref", "party": "ref", "seats": "seats", "method": "method",
    "role": "role", "choice": "choice", "rule": None,
}


def refuse(form: forms.BaseForm, error: RuleError) -> None:
    """Put a refusal beside the field its facts name, else above the form."""
    for fact, value in error.facts.items():
        field = _FIELD_OF_FACT.get(fact)
        if fact == "rule" and isinstance(value, str):
            field = value
        if field and field in form.fields:
            form.add_error(field, error.message)
            return
    form.add_error(None, error.message)


def _ratio(text: str) -> tuple[int, int]:
    num, den = text.split("/")
    return int(num), int(den)


class CharterFields(forms.Form):
    """The first charter's main rules (or a proposed charter's), defaults explained."""

    admission = forms.ChoiceField(
        label=_("How applicants are admitted"),
        choices=[(k, ADMISSION_WORDS[k]) for k in ADMISSION_PROCEDURES],
        widget=forms.RadioSelect, initial="sponsors_then_vote")
    sponsors = forms.IntegerField(
        label=_("Sponsors an applicant needs"), min_value=0, max_value=50, initial=2,
        help_text=_("Members who must vouch for an applicant. Default 2."))
    objection_days = forms.IntegerField(
        label=_("Days to object"), min_value=1, max_value=90, initial=7,
        help_text=_("With an objection period: how long members may object. Default 7 days."))
    seconders = forms.IntegerField(
        label=_("Seconders a motion needs"), min_value=0, max_value=50, initial=1,
        help_text=_("Members besides the mover who must support a motion before it is put to "
                    "the vote. Default 1."))
    quorum = forms.ChoiceField(
        label=_("Quorum"), choices=QUORUMS, initial="1/3",
        help_text=_("The share of members who must vote (abstaining counts) for a vote to "
                    "count. Default a third."))
    voting_days = forms.IntegerField(
        label=_("Days a vote stays open"), min_value=1, max_value=60, initial=7,
        help_text=_("For every kind of motion. Default 7 days."))
    barred = forms.MultipleChoiceField(
        label=_("Positions whose holders need a two-thirds majority to be admitted"),
        choices=[(k, DECLARATION_WORDS[k]) for k in DECLARATION_KINDS],
        widget=forms.CheckboxSelectMultiple, required=False,
        initial=["hires_and_fires", "polices"],
        help_text=_("Applicants who declare such a position, and do not renounce it, need two "
                    "thirds of the votes. Default: those who hire and fire, and those who "
                    "police."))

    def charter(self, base: Charter | None = None) -> Charter:
        """The charter these fields describe; a blank field keeps `base`'s rule."""
        b = base or Charter()
        d = self.cleaned_data

        def pick(name: str, default: Any) -> Any:
            value = d.get(name)
            return default if value in (None, "") else value

        days = pick("voting_days", None)
        return Charter(
            admission=pick("admission", b.admission),
            sponsors=pick("sponsors", b.sponsors),
            objection_days=pick("objection_days", b.objection_days),
            attendance_count=b.attendance_count,
            attendance_confirmations=b.attendance_confirmations,
            seconders=pick("seconders", b.seconders),
            quorum=_ratio(d["quorum"]) if d.get("quorum") else b.quorum,
            thresholds=b.thresholds,
            qualified_majority=b.qualified_majority,
            voting_days=(tuple((k, days) for k in MOTION_KINDS) if days else b.voting_days),
            secret=b.secret,
            recall_threshold=b.recall_threshold,
            nomination_days=b.nomination_days,
            term_days=b.term_days,
            term_limit=b.term_limit,
            barred=tuple(d["barred"]) if "barred" in d and self.has_barred() else b.barred,
            delegates=b.delegates,
            min_founders=b.min_founders,
            min_published_voters=b.min_published_voters,
        )

    def has_barred(self) -> bool:
        """Whether the barred kinds were given (always, on the founding form)."""
        return True


class FoundForm(CharterFields):
    """Found a council: its name, its id, the co-founders, and its first charter."""

    field_order = ("name", "slug", "cofounders")

    name = forms.CharField(label=_("Name of the council"), max_length=200,
                           help_text=_("E.g. Bakers' council of the Riverside bakery."))
    slug = forms.SlugField(
        label=_("Council id"), max_length=64,
        help_text=_("Short, for its address and its book: small letters, digits and hyphens, "
                    "e.g. riverside-bakers. It cannot be changed later."))
    cofounders = forms.CharField(
        label=_("Co-founders"), max_length=1000,
        help_text=_("Their usernames, separated by spaces or commas. A council is founded by "
                    "at least 3 people, you included; each co-founder confirms on their "
                    "profile."))

    def clean_slug(self) -> str:
        """Lowercase the id and keep addresses the site uses for itself."""
        slug = str(self.cleaned_data["slug"]).lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("That id is reserved by the site; choose another."))
        return slug

    def clean_cofounders(self) -> tuple[str, ...]:
        """Split and fold the usernames."""
        raw = self.cleaned_data["cofounders"]
        names = tuple(normalize_username(n) for n in re.split(r"[\s,;]+", raw) if n.strip())
        if not names:
            raise forms.ValidationError(_("Name at least one co-founder by username."))
        return names


class DeclarationForm(forms.Form):
    """One position of command or privilege an applicant declares."""

    kind = forms.ChoiceField(label=_("Position"), required=False,
                             choices=[("", _("(none)"))]
                             + [(k, DECLARATION_WORDS[k]) for k in DECLARATION_KINDS])
    where = forms.CharField(label=_("Where"), max_length=200, required=False,
                            help_text=_("The workplace or organisation."))
    since = forms.CharField(label=_("Since"), max_length=40, required=False,
                            help_text=_("E.g. 2021."))
    text = forms.CharField(label=_("In your words"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        """A declared position says where it is held."""
        d = super().clean() or {}
        if d.get("kind") and not str(d.get("where", "")).strip():
            self.add_error("where", _("Say where you hold this position."))
        if not d.get("kind") and any(str(d.get(f, "")).strip() for f in ("where", "since",
                                                                          "text")):
            self.add_error("kind", _("Choose the kind of position you declare."))
        return d

    def declared(self) -> tuple[str, str, str, str] | None:
        """The declaration as the core takes it, or None for an empty row."""
        d = self.cleaned_data
        if not d.get("kind"):
            return None
        return (d["kind"], d["where"].strip(), d["since"].strip(), d["text"].strip())


DeclarationFormSet = forms.formset_factory(DeclarationForm, extra=2, max_num=10,
                                           validate_max=True)


class ObjectForm(forms.Form):
    """An objection to a sponsored applicant."""

    reason = forms.CharField(label=_("Your reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The members weigh it in the admission vote."))


MOVABLE = tuple(k for k in MOTION_KINDS if k not in ("election", "admission"))


class MotionForm(CharterFields):
    """Table a motion: its kind, and the fields that kind needs."""

    field_order = ("kind", "text", "subject", "ref", "seats", "method", "role")

    kind = forms.ChoiceField(label=_("Kind of motion"),
                             choices=[(k, MOTION_WORDS[k]) for k in MOVABLE])
    text = forms.CharField(label=_("Text"), max_length=10000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("What the council resolves, or the reasons for it."))
    subject = forms.CharField(
        label=_("Person, council or office name"), max_length=100, required=False,
        help_text=_("Expulsion or recall: the person's username. Affiliation: the other "
                    "council's id. Election call: the office's name."))
    ref = forms.IntegerField(
        label=_("Party or office number"), min_value=0, required=False,
        help_text=_("Party motions: the party's number. Recall, instruction, or an election "
                    "for an existing office: the office's number."))
    seats = forms.IntegerField(label=_("Seats"), min_value=0, max_value=100, required=False,
                               help_text=_("Election call: how many seats the office has."))
    method = forms.ChoiceField(label=_("Counting method"), required=False,
                               choices=[("", "—")]
                               + [(k, METHOD_WORDS[k])
                                  for k in METHODS_ONE_SEAT + METHODS_SEVERAL])
    role = forms.ChoiceField(label=_("Office's role"), required=False,
                             choices=[("", "—"), *((r, ROLE_WORDS[r]) for r in ROLES)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The charter rules matter only for a charter amendment; blank keeps the rule in force.
        for name in CharterFields.base_fields:
            self.fields[name].required = False
            self.fields[name].initial = None
        # A select always sends one of its options: without a blank one, an amendment that
        # means to keep the quorum would silently set it to the first choice.
        quorum = cast(forms.ChoiceField, self.fields["quorum"])
        quorum.choices = [("", _("— keep the rule in force")), *QUORUMS]

    def clean_subject(self) -> str:
        """Usernames are folded like at sign-up."""
        return str(self.cleaned_data.get("subject") or "").strip()

    def has_barred(self) -> bool:
        """On an amendment, no box ticked keeps the barred kinds in force."""
        return bool(self.cleaned_data.get("barred"))


class VoteForm(forms.Form):
    """Yes, no or abstain."""

    choice = forms.ChoiceField(label=_("Your vote"), choices=CHOICE_WORDS,
                               widget=forms.RadioSelect)


class PartyForm(forms.Form):
    """Found a party: its name and platform."""

    name = forms.CharField(label=_("Name of the party"), max_length=200)
    platform = forms.CharField(label=_("Platform"), max_length=20000,
                               widget=forms.Textarea(attrs={"rows": 6}),
                               help_text=_("What the party stands for. It is proposed until the "
                                           "members make it legal by a secret vote."))


class PetitionForm(forms.Form):
    """Open a recall petition against one mandate."""

    mandate = forms.ChoiceField(label=_("The mandate to recall"))

    def __init__(self, *args: Any, mandates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mandate"].choices = [("", "—"), *mandates]

    def office_and_holder(self) -> tuple[int, str]:
        """The office number and the holder the chosen mandate names."""
        office, holder = str(self.cleaned_data["mandate"]).split(":", 1)
        return int(office), holder


class ActionForm(forms.Form):
    """Record an action the council did together."""

    title = forms.CharField(label=_("What the council did"), max_length=300,
                            help_text=_("E.g. Picket at gate 2, Monday 6 a.m."))
