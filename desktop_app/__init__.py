"""信用核查台 — offline checks of dishonest subjects against joint punishment measures."""

__version__ = "0.1.0"
APP_NAME = "信用核查台"
APP_ID = "xinyong-hechatai"
