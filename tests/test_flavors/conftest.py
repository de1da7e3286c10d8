"""Behaviours every flavor shares (redirects, TLS, pools), each test run on every flavor
through the harness of tests/support/flavors.py."""

from support.flavor_fixtures import flavor  # noqa: F401 (a fixture)
