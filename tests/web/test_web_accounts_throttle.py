"""Log-in throttling: failures are counted per account and per client address in the database,
over a sliding window; while throttled even the right password is refused, with a message that
says how long to wait; a success clears the account's count; X-Forwarded-For is believed only
behind a trusted proxy."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any, NamedTuple

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st
from webcast import PASSWORD

from sovet.web.accounts import throttle
from sovet.web.accounts.models import LoginFailure, Person

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HOME = "198.51.100.7"
CAFE = "203.0.113.9"


class Clock:
    """A fixed clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fixed = Clock()
    monkeypatch.setattr(throttle, "clock", fixed)
    yield fixed


@pytest.fixture
def ana(make_person: Callable[..., Person]) -> Person:
    return make_person("ana")


class Attempt(NamedTuple):
    """What a log-in attempt got: the status, the form's alert text, and a session or not."""

    status_code: int
    alert: str
    logged_in: bool


def log_in(username: str, password: str, address: str = HOME, **headers: str) -> Attempt:
    """Post the log-in form from `address` with a fresh client."""
    client = Client(REMOTE_ADDR=address, **headers)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    m = re.search(r'role="alert"[^>]*>(.*?)</', response.content.decode(), re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", m.group(1))).strip() if m else ""
    return Attempt(response.status_code, text, SESSION_KEY in client.session)


def fail(times: int, username: str = "ana", address: str = HOME, clock: Clock | None = None,
         step: timedelta = timedelta(0)) -> None:
    for _ in range(times):
        response = log_in(username, "wrong-password-1", address)
        assert response.status_code == 400 and "do not match an account" in response.alert
        if clock is not None:
            clock.now += step


class TestPerAccount:
    def test_five_failures_refuse_even_the_right_password_with_the_wait(
        self, ana: Person, clock: Clock
    ) -> None:
        fail(throttle.ACCOUNT_LIMIT)
        response = log_in("ana", PASSWORD)
        assert response.status_code == 400 and not response.logged_in
        assert response.alert == "Too many failed log-ins. Wait 15 minutes and try again."
        # From another address, too: the account is what is being guessed.
        response = log_in("ANA", PASSWORD, CAFE)
        assert response.status_code == 400 and "Wait 15 minutes" in response.alert

    def test_four_failures_still_let_the_right_password_in(self, ana: Person, clock: Clock) -> None:
        fail(throttle.ACCOUNT_LIMIT - 1)
        assert log_in("ana", PASSWORD).logged_in

    def test_a_success_clears_the_accounts_count_but_not_the_addresss(
        self, ana: Person, clock: Clock
    ) -> None:
        fail(throttle.ACCOUNT_LIMIT - 1)
        assert log_in("ana", PASSWORD).logged_in
        assert not LoginFailure.objects.filter(scope="account", key="ana").exists()
        assert LoginFailure.objects.filter(scope="address", key=HOME).count() == 4
        fail(throttle.ACCOUNT_LIMIT - 1)
        assert log_in("ana", PASSWORD).logged_in

    def test_a_username_without_an_account_is_throttled_alike(self, clock: Clock) -> None:
        fail(throttle.ACCOUNT_LIMIT, username="nobody")
        response = log_in("nobody", "wrong-password-1")
        assert "Too many failed log-ins. Wait 15 minutes" in response.alert


class TestPerAddress:
    def test_twenty_failures_from_one_address_refuse_any_account_from_it(
        self, ana: Person, clock: Clock
    ) -> None:
        # Four guesses on each of five names: no account reaches its own limit.
        for name in ("bo", "cy", "dee", "eli", "fay"):
            fail(throttle.ACCOUNT_LIMIT - 1, username=name)
        assert throttle.ADDRESS_LIMIT == 20
        response = log_in("ana", PASSWORD, HOME)
        assert response.status_code == 400 and not response.logged_in
        assert response.alert == "Too many failed log-ins. Wait 15 minutes and try again."
        assert log_in("ana", PASSWORD, CAFE).logged_in

    def test_nineteen_failures_from_one_address_do_not(self, ana: Person, clock: Clock) -> None:
        for name in ("bo", "cy", "dee", "eli"):
            fail(throttle.ACCOUNT_LIMIT - 1, username=name)
        fail(3, username="fay")
        assert log_in("ana", PASSWORD, HOME).logged_in

    def test_an_ipv6_client_is_counted_by_its_64_prefix(self, ana: Person, clock: Clock) -> None:
        for i in range(throttle.ADDRESS_LIMIT):
            fail(1, username=f"guess{i}", address=f"2001:db8:1:2::{i + 1:x}")
        assert not log_in("ana", PASSWORD, "2001:db8:1:2:ffff::9").logged_in
        assert log_in("ana", PASSWORD, "2001:db8:1:3::1").logged_in


class TestWindow:
    def test_the_window_slides_and_the_message_says_the_true_wait(
        self, ana: Person, clock: Clock
    ) -> None:
        fail(throttle.ACCOUNT_LIMIT, clock=clock, step=timedelta(minutes=1))
        # Failures at 9:00..9:04; now 9:05; the 9:00 one leaves the window at 9:15.
        assert log_in("ana", PASSWORD).alert == (
            "Too many failed log-ins. Wait 10 minutes and try again."
        )
        clock.now = T0 + throttle.WINDOW - timedelta(seconds=30)
        assert log_in("ana", PASSWORD).alert == (
            "Too many failed log-ins. Wait 1 minute and try again."
        )
        clock.now = T0 + throttle.WINDOW
        assert log_in("ana", PASSWORD).logged_in

    def test_refused_attempts_are_not_counted_and_old_failures_are_deleted(
        self, ana: Person, clock: Clock
    ) -> None:
        fail(throttle.ACCOUNT_LIMIT)
        for _ in range(3):
            log_in("ana", "wrong-password-1")
        assert LoginFailure.objects.filter(scope="account").count() == throttle.ACCOUNT_LIMIT
        clock.advance(minutes=16)
        fail(1, username="bo", address=CAFE)
        # The table keeps the window only: the addresses are gone after it.
        assert list(LoginFailure.objects.values_list("key", flat=True).order_by("key")) == [
            CAFE, "bo"
        ]

    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(st.integers(min_value=0, max_value=40 * 60), min_size=0, max_size=12),
        st.integers(min_value=0, max_value=40 * 60),
    )
    def test_refused_exactly_when_the_last_window_holds_the_limit(
        self, offsets: list[int], probe: int
    ) -> None:
        LoginFailure.objects.all().delete()
        for offset in sorted(offsets):
            at = T0 + timedelta(seconds=offset)
            LoginFailure.objects.create(scope="account", key="ana", at=at)
        now = T0 + timedelta(seconds=max([probe, *offsets]))
        in_window = sorted(o for o in offsets if T0 + timedelta(seconds=o) > now - throttle.WINDOW)
        original = throttle.clock
        throttle.clock = lambda: now
        try:
            if len(in_window) >= throttle.ACCOUNT_LIMIT:
                with pytest.raises(throttle.LoginThrottled) as refused:
                    throttle.login_permitted(username="ana", address=None)
                oldest_counted = in_window[-throttle.ACCOUNT_LIMIT]
                leaves = T0 + timedelta(seconds=oldest_counted) + throttle.WINDOW
                assert refused.value.wait_seconds == (leaves - now).total_seconds()
            else:
                throttle.login_permitted(username="ana", address=None)
        finally:
            throttle.clock = original


class TestClientAddress:
    def address(self, settings: Any, proxies: int, **meta: str) -> str | None:
        settings.SOVET_TRUSTED_PROXIES = proxies
        return throttle.client_address(RequestFactory().get("/", **meta))

    def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(self, settings: Any) -> None:
        got = self.address(settings, 0, REMOTE_ADDR=HOME, HTTP_X_FORWARDED_FOR="10.9.9.9")
        assert got == HOME

    def test_behind_one_proxy_the_address_it_appended_is_the_client(self, settings: Any) -> None:
        # The client wrote "10.9.9.9" itself; our proxy appended the address it saw, CAFE.
        meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": f"10.9.9.9, {CAFE}"}
        assert self.address(settings, 1, **meta) == CAFE
        assert self.address(settings, 2, **meta) == "10.9.9.9"

    @pytest.mark.parametrize("forwarded", ["", "not-an-address", " , "])
    def test_a_missing_or_malformed_header_falls_back_to_the_peer(
        self, settings: Any, forwarded: str
    ) -> None:
        got = self.address(settings, 1, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        assert got == "127.0.0.1"

    def test_the_log_in_form_counts_the_forwarded_client_behind_a_proxy(
        self, settings: Any, ana: Person, clock: Clock
    ) -> None:
        settings.SOVET_TRUSTED_PROXIES = 1
        for i in range(throttle.ADDRESS_LIMIT):
            response = log_in(f"guess{i}", "wrong-password-1", "127.0.0.1",
                              HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, {CAFE}")
            assert response.status_code == 400
        assert LoginFailure.objects.filter(scope="address", key=CAFE).count() == 20
        throttled = log_in("ana", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=CAFE)
        assert "Too many failed log-ins" in throttled.alert
        # Another client behind the same proxy is not throttled.
        other = log_in("ana", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=HOME)
        assert other.logged_in


class TestEveryPasswordCheck:
    def test_the_admins_log_in_goes_through_the_same_throttle(
        self, make_person: Callable[..., Person], clock: Clock
    ) -> None:
        make_person("root", is_staff=True, is_superuser=True)
        fail(throttle.ACCOUNT_LIMIT - 1, username="root")  # on the site's log-in page
        client = Client(REMOTE_ADDR=HOME)
        wrong = client.post("/admin/login/", {"username": "root", "password": "wrong-pass-1"})
        assert wrong.status_code == 200 and SESSION_KEY not in client.session
        right = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
        assert SESSION_KEY not in client.session
        assert "Too many failed log-ins. Wait 15 minutes" in unescape(right.content.decode())
        clock.advance(minutes=15)
        client.post("/admin/login/", {"username": "root", "password": PASSWORD})
        assert SESSION_KEY in client.session
        assert not LoginFailure.objects.filter(scope="account", key="root").exists()
