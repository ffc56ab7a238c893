"""Drive the HTTP API on loopback with concurrent clients for a bounded time.

    python benchmarks/load_test.py [--clients 8] [--seconds 20]

Starts `digits serve` on a free loopback port, posts a 28x28 PNG digit to
/api/predict from --clients concurrent connections for --seconds, stops the
server and prints requests per second, p50/p99 latency and the error count.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from _common import start_server


def digit_png() -> bytes:
    canvas = np.full((28, 28), 255, np.uint8)
    canvas[5:23, 12:16] = 0  # a dark "1" on white paper
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG")
    return buffer.getvalue()


async def client_loop(url: str, body: bytes, until: float, latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        while time.perf_counter() < until:
            start = time.perf_counter()
            try:
                response = await client.post(url, content=body, headers={"content-type": "image/png"})
                if response.status_code != 200 or response.json().get("digit") is None:
                    errors.append(f"{response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - start)


async def drive(url: str, clients: int, seconds: float) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(client_loop(url, digit_png(), until, latencies, errors) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--smoke", action="store_true", help="2 clients for 1 second, to check the script works")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.seconds = 2, 1.0

    server, base = start_server(Path(tempfile.mkdtemp(prefix="digits-load-")) / "feedback.sqlite3")
    try:
        asyncio.run(drive(base + "/api/predict", 2, 2.0))  # warm up
        latencies, errors, elapsed = asyncio.run(drive(base + "/api/predict", args.clients, args.seconds))
    finally:
        server.terminate()
        server.communicate(timeout=10)

    ms = np.array(latencies) * 1000
    print("| clients | seconds | requests | requests/s | p50 latency | p99 latency | errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.clients} | {elapsed:.1f} | {len(ms):,} | {len(ms) / elapsed:,.0f} | {np.percentile(ms, 50):.1f} ms | "
          f"{np.percentile(ms, 99):.1f} ms | {len(errors)} |")
    print(f"\nServer and clients on one machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.")


if __name__ == "__main__":
    main()
