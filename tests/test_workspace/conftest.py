"""pytester runs this project's tests/conftest.py in sub-sessions."""

pytest_plugins = ["pytester"]
