"""The fault suite runs every fault on every flavor (tests/support/flavors.py)."""

from support.flavor_fixtures import connects, flavor  # noqa: F401 (fixtures)
