"""Settings for the test suite: a private KAM_HOME per run, fast hashing, no DEBUG."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, database_config

# Each test process gets its own home so that runs (and xdist workers) never share state.
KAM_HOME = Path(os.environ.get("KAM_TEST_HOME") or tempfile.mkdtemp(prefix="kam-test-"))
KAM_LEDGER_DIR = KAM_HOME / "ledger"
KAM_UPLOAD_DIR = KAM_HOME / "uploads"
STATIC_ROOT = KAM_HOME / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing

SECRET_KEY = "kam-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"), KAM_HOME / "kam.sqlite3")}
LOCALE_PATHS = [BASE_DIR / "kam" / "locale"]
