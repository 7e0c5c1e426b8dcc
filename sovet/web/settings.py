"""Django settings for Sovet, read from the environment.

- `SOVET_DATA`: the data folder (default `./sovet-data`): SQLite database and local secret key.
- `SOVET_SECRET_KEY`: the secret key; without it, one is generated once into the data folder.
- `DATABASE_URL`: the database (dj-database-url syntax); default SQLite in the data folder.
- `SOVET_DEBUG=1`: debug pages (never in production).
- `SOVET_HTTPS=1`: production, served over HTTPS: secure cookies, HSTS, redirect to HTTPS.
- `SOVET_HSTS_PRELOAD=1`: also ask browsers to preload HSTS (the whole domain, for good).
- `SOVET_TRUSTED_PROXY=N`: behind N proxies (usually 1) that terminate TLS, set
  `X-Forwarded-Proto` and append the client's address to `X-Forwarded-For`.
- `SOVET_IMPORT_MAX_BYTES`: the largest book the API imports (default 64 MiB).
- `SOVET_STATIC_ROOT`: where `collectstatic` gathers static files for a front server.
- `SOVET_ALLOWED_HOSTS`, `SOVET_CSRF_TRUSTED_ORIGINS`: comma-separated lists.
- `SOVET_TRANSACTION_POOLER=1`: PostgreSQL is reached through a pooler in transaction mode
  (PgBouncer's `pool_mode = transaction`): no statement is prepared (see `sovet.web.rows`),
  and no lock is held across transactions (a council's writer's turn lasts one transaction;
  see `sovet.web.books.services.writer_try`).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from sovet.web import env

WEB_DIR = Path(__file__).resolve().parent
DATA_DIR = env.data_dir()

SECRET_KEY = env.secret_key(DATA_DIR)
DEBUG = env.flag("SOVET_DEBUG")
ALLOWED_HOSTS = env.hosts()
CSRF_TRUSTED_ORIGINS = env.trusted_origins()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "sovet.web.accounts",
    "sovet.web.books",
    "sovet.web.councils",
    "sovet.web.notifications",
    "sovet.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sovet.web.errors.RuleErrorMiddleware",
]

ROOT_URLCONF = "sovet.web.urls"
WSGI_APPLICATION = "sovet.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "sovet.web.formats.text_language",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.database(DATA_DIR)}
# A transaction pooler hands each transaction to any server connection, where a statement
# prepared on another does not exist, and where a lock taken by another would stay held.
SOVET_TRANSACTION_POOLER = env.flag("SOVET_TRANSACTION_POOLER")
SOVET_PREPARED_STATEMENTS = not SOVET_TRANSACTION_POOLER
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts: the person is the user model from the start; Argon2 hashes every new password.
AUTH_USER_MODEL = "accounts.Person"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"

# i18n: English shipped, every string marked; times stored in UTC, shown in the reader's locale.
LANGUAGE_CODE = "en"
# The locales a reader may ask for (Accept-Language). Sovet's own text is shipped in English
# (the source) only so far; a reader who asks for another of these gets its dates and numbers
# (Django's formats) and Django's own messages in it, and the page says truly that its text is
# English (`sovet.web.formats.text_language`). A catalogue in sovet/web/locale/ translates it.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español"), ("fr", "Français"),
             ("it", "Italiano"), ("nl", "Nederlands"), ("pl", "Polski"), ("pt", "Português"),
             ("ru", "Русский"), ("uk", "Українська")]
LOCALE_PATHS = [WEB_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
# WhiteNoise serves the apps' static files straight from the package (no collectstatic
# step), so `sovet serve` works the same on a server and on a phone. A deployment that
# collects them for a front server sets SOVET_STATIC_ROOT and runs collectstatic.
STATIC_ROOT = env.static_root()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security: on always, and the HTTPS-only parts when served over HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.flag("SOVET_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading binds the whole domain to HTTPS in browsers for good: the operator's choice.
    SECURE_HSTS_PRELOAD = env.flag("SOVET_HSTS_PRELOAD")
# Behind trusted proxies, X-Forwarded-Proto says whether the client used HTTPS (so the
# redirect above does not loop) and X-Forwarded-For names the client for the log-in throttle
# (sovet.web.accounts.throttle.client_address). Never trusted without a proxy: a client
# could write either header itself.
SOVET_TRUSTED_PROXIES = env.trusted_proxies()
if SOVET_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Request size: forms and API bodies are small, so a large body is refused before it is read
# (Django answers RequestDataTooBig; the API maps it to 413). Only the API's book import
# reads more, up to SOVET_IMPORT_MAX_BYTES, from the request stream itself.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
SOVET_IMPORT_MAX_BYTES = env.size("SOVET_IMPORT_MAX_BYTES", 64 * 1024 * 1024)

# E-mail (notifications): printed to the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    _port = os.environ.get("EMAIL_PORT", "").strip() or "587"
    if not _port.isdigit():
        raise ImproperlyConfigured(f"EMAIL_PORT is {_port!r}; set it to a port number, e.g. 587")
    EMAIL_PORT = int(_port)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1").strip() == "1"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("SOVET_FROM_EMAIL", "").strip() or "sovet@localhost"
# The site's address, for the links in e-mails (sent after a commit, with no request at hand).
SOVET_SITE_URL = os.environ.get("SOVET_SITE_URL", "").strip() or "http://127.0.0.1:8000"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "sovet.web.logs.CurrentStderr"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}
