"""The election forms: calling an election, standing a slate, ranking the candidates.

Each error is a sentence beside the field it is about; a refusal of the rules (`RuleError`)
goes beside the field its facts name (`refuse`), else above the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sovet.core.errors import RuleError
from sovet.core.motion import METHODS_ONE_SEAT, METHODS_SEVERAL, ROLES
from sovet.web.councils.forms import refuse as refuse_motion

# Each counting method in plain words, as the call form and the election page explain it.
METHOD_PLAIN = {
    "irv": _("Instant-runoff, for one seat: if nobody has more than half of the first "
             "choices, the candidate with the fewest drops out and their ballots count for "
             "each voter's next choice, until someone has more than half."),
    "schulze": _("Schulze, for one seat: the winner is the candidate whom the voters prefer "
                 "to each other candidate, one against one, by the strongest chains of "
                 "preferences."),
    "stv_scottish": _("Single transferable vote (Scottish rules), for several seats: a "
                      "candidate who reaches the quota is elected; the votes they do not need, "
                      "and the votes of candidates who drop out, pass to each voter's next "
                      "choice."),
    "meek": _("Meek's single transferable vote, for several seats: like the Scottish rules, "
              "but votes are passed on more exactly, and past candidates already elected or "
              "dropped out."),
}
ROLE_PLAIN = {
    "officer": _("an officer (a task for the council; no power over it)"),
    "delegate": _("a delegate (speaks for the council in its parent council, bound by its "
                  "instructions)"),
}


class ElectionCallForm(forms.Form):
    """Move to call an election: the office, its seats and the counting method, in words."""

    ref = forms.TypedChoiceField(
        label=_("Office"), coerce=int, empty_value=0,
        help_text=_("An office the council already has, or a new one named below."))
    subject = forms.CharField(
        label=_("Name of the new office"), max_length=100, required=False,
        help_text=_("E.g. Strike committee, Delegate to the district council. Leave it empty "
                    "for an existing office."))
    seats = forms.IntegerField(label=_("How many people to elect"), min_value=1, max_value=100,
                               initial=1)
    method = forms.ChoiceField(
        label=_("How the ballots are counted"), widget=forms.RadioSelect,
        choices=[(k, METHOD_PLAIN[k]) for k in METHODS_ONE_SEAT + METHODS_SEVERAL],
        initial="irv")
    role = forms.ChoiceField(label=_("The office holders are"), widget=forms.RadioSelect,
                             choices=[(r, ROLE_PLAIN[r]) for r in ROLES], initial="officer")
    text = forms.CharField(label=_("Reasons (optional)"), max_length=10000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, offices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ref"].choices = [(0, _("A new office")),
                                      *((n, name) for n, name in offices)]

    def clean(self) -> dict[str, Any]:
        """A new office needs a name."""
        data = super().clean() or {}
        if not data.get("ref") and not str(data.get("subject") or "").strip():
            self.add_error("subject", _("Name the new office, or choose an existing one."))
        return data


class SlateForm(forms.Form):
    """Stand one party's slate: tick the members of the party who stand."""

    candidates = forms.MultipleChoiceField(
        label=_("Candidates on the slate"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one member of the party.")})

    def __init__(self, *args: Any, members: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["candidates"].choices = [(p, p) for p in members]


class RankForm(forms.Form):
    """Number the candidates 1, 2, 3 … in order of preference; leave blank those not ranked."""

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        n = len(candidates)
        for i, (person, label) in enumerate(candidates):
            self.fields[f"rank_{i}"] = forms.IntegerField(
                label=label, required=False, min_value=1, max_value=max(1, n),
                error_messages={
                    "min_value": _("Use a number from 1 to %(n)s.") % {"n": n},
                    "max_value": _("Use a number from 1 to %(n)s.") % {"n": n},
                    "invalid": _("Use a number from 1 to %(n)s, or leave it blank.") % {"n": n},
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "rank-number",
                                                "data-person": person}))

    def clean(self) -> dict[str, Any]:
        """Each number once; at least one candidate ranked."""
        data = super().clean() or {}
        seen: dict[int, str] = {}
        for i in range(len(self.candidates)):
            value = data.get(f"rank_{i}")
            if value is None:
                continue
            if value in seen:
                self.add_error(f"rank_{i}", _("Another candidate already has number %(n)s; "
                                              "give each a different number.") % {"n": value})
            else:
                seen[value] = self.candidates[i][0]
        if not seen and not self.errors:
            raise forms.ValidationError(_("Number at least one candidate: 1 for your first "
                                          "choice."))
        return data

    def ranking(self) -> tuple[str, ...]:
        """The candidates in the order of their numbers."""
        numbered = [(self.cleaned_data[f"rank_{i}"], p)
                    for i, (p, _label) in enumerate(self.candidates)
                    if self.cleaned_data.get(f"rank_{i}") is not None]
        return tuple(p for _n, p in sorted(numbered))


def refuse(form: forms.BaseForm, error: RuleError) -> None:
    """Put a refusal beside the field its facts name, else above the form."""
    if "candidates" in form.fields and {"person", "party"} & set(error.facts):
        form.add_error("candidates", error.message)
        return
    refuse_motion(form, error)
