"""Helpers shared by test suites (on sys.path through pytest's pythonpath setting)."""
