"""Development: the run command's defaults (embedded PostgreSQL and Redis unless URLs are given)."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
