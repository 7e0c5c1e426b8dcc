"""Account pages: sign up, log in, log out, profile. Each parses, calls one step, renders."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from sovet.web.accounts.forms import LogInForm, SignUpForm
from sovet.web.councils.selectors import declarations_of, memberships_of


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


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """One's own profile: username, display name, e-mail, joined, and one's councils (with
    the foundings waiting for one's confirmation)."""
    me = request.user.get_username()
    memberships = memberships_of(me)
    return render(request, "accounts/profile.html", {
        "person": request.user,
        "memberships": [(m, declarations_of(m.council, me)) for m in memberships
                        if m.status != "founding"],
        "foundings": [m for m in memberships if m.status == "founding"],
    })
