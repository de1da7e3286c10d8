"""pytester runs the Markdown blocks that are test modules in sub-sessions."""

pytest_plugins = ["pytester"]
