"""Account pages: sign up, log in, log out, profile. Each parses, calls one step, renders."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sovet.api.forms import TokenForm
from sovet.api.tokens import token_create, token_list, token_revoke
from sovet.core.errors import RuleError
from sovet.web.accounts.forms import LogInForm, SignUpForm
from sovet.web.accounts.models import person_of
from sovet.web.councils.selectors import declarations_of, memberships_of
from sovet.web.errors import status_for


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Sign up and be logged in at once; a signed-in person is sent to their profile."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        person = form.save()
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("accounts:profile")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


class LogInView(auth_views.LoginView):
    """Log in; a form with errors answers 400 so clients and tests see the refusal."""

    form_class = LogInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: LogInForm) -> HttpResponse:
        """Show the form again with its errors beside the fields, status 400."""
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LogOutView(auth_views.LogoutView):
    """Log out (POST only, with the CSRF token), then go home."""

    http_method_names = ["post", "options"]  # noqa: RUF012 (Django's own attribute)


def _profile(request: HttpRequest, *, form: TokenForm | None = None, new_token: str = "",
             status: int = 200) -> HttpResponse:
    me = request.user.get_username()
    memberships = memberships_of(me)
    return render(request, "accounts/profile.html", {
        "person": request.user,
        "memberships": [(m, declarations_of(m.council, me)) for m in memberships
                        if m.status != "founding"],
        "foundings": [m for m in memberships if m.status == "founding"],
        "tokens": token_list(person=person_of(request)),
        "token_form": form or TokenForm(),
        "new_token": new_token,
    }, status=status)


@login_required
@require_safe
def profile(request: HttpRequest) -> HttpResponse:
    """One's own profile: username, display name, e-mail, joined, one's councils (with the
    foundings waiting for one's confirmation), and one's personal access tokens."""
    return _profile(request)


@login_required
@require_POST
def token_new(request: HttpRequest) -> HttpResponse:
    """Make a personal access token and show it this once (it is stored only hashed)."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, form=form, status=400)
    try:
        _token, plaintext = token_create(person=person_of(request), name=form.cleaned_data["name"])
    except RuleError as e:
        form.add_error("name", e.message)
        return _profile(request, form=form, status=status_for(e))
    response = _profile(request, new_token=plaintext)
    # The token is on this page only: no cache may keep a copy of it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of one's tokens; it stops working at once."""
    token_revoke(person=person_of(request), token_id=token_id)
    return redirect("accounts:profile")
