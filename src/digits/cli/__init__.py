"""The command line (`digits`): flags, environment, printing. Imports every other room, lazily."""

from digits.cli.app import app, main

__all__ = ["app", "main"]
