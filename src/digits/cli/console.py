"""Where the command line writes: answers and tables to stdout, progress and errors to stderr."""

from rich.console import Console

out = Console()
err = Console(stderr=True)
