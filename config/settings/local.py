"""Settings for a developer's or evaluator's machine: `make run`, `kam` on a laptop."""

from __future__ import annotations

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("KAM_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "kam-local-development-key-not-for-production"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
