"""What every benchmark shares: where MNIST comes from, and the --smoke mode.

`--smoke` runs a benchmark end to end on a tiny generated MNIST with tiny
counts, in seconds, so that the test suite can check that no benchmark rots.
Its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from digits.data.tiny import write_tiny_mnist


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("DIGITS_DATA_DIR"),
                        help="folder with the four MNIST files (default: $DIGITS_DATA_DIR)")
    parser.add_argument("--smoke", action="store_true", help="run on tiny generated data with tiny counts, to check the script works")


def resolve_data_dir(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Path:
    """The MNIST folder: a fresh tiny one in --smoke mode, else --data-dir (required)."""
    if args.smoke:
        return write_tiny_mnist(Path(tempfile.mkdtemp(prefix="digits-smoke-")) / "mnist", n_train=300, n_test=100)
    if args.data_dir is None:
        parser.error("--data-dir (or DIGITS_DATA_DIR) is required")
    return args.data_dir


def smoke_out(args: argparse.Namespace, default: Path) -> Path:
    """Where to write: a throwaway folder in --smoke mode, so real results are never overwritten."""
    return Path(tempfile.mkdtemp(prefix="digits-smoke-out-")) if args.smoke else default


def start_server(db: Path, seconds: float = 60.0) -> tuple[subprocess.Popen, str]:
    """`digits serve` on a free loopback port with its own feedback database, once it answers /api/health:
    (process, base URL). Its stderr is a pipe, for the caller to read for tracebacks."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "digits", "serve", "--port", str(port), "--feedback-db", str(db)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"server did not start within {seconds:.0f} s")
