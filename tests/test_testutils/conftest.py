"""The unixsocket plugin itself is loaded from its entry point; pytester runs it in sub-sessions."""

pytest_plugins = ["pytester"]
