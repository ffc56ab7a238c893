"""Drive the HTTP API on loopback with concurrent clients for a bounded time.

    python benchmarks/load_test.py [--clients 8] [--seconds 20] [--endpoints predict read]

Starts `digits serve` on a free loopback port and, for each endpoint in turn,
posts from --clients concurrent connections for --seconds: a 28x28 PNG digit
to /api/predict, a number with a point in a script font on a PNG the size of the
web page's canvas to /api/read. Then it stops the server and prints, per
endpoint, requests per second, p50/p99 latency and the error count (a request
counts as an error unless it is answered 200 with a digit, or a text).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from pathlib import Path

import cv2
import httpx
import numpy as np

from _common import start_server
from digits.data.synth import encode


def digit_png() -> bytes:
    canvas = np.full((28, 28), 255, np.uint8)
    canvas[5:23, 12:16] = 0  # a dark "1" on white paper
    return encode(canvas, "PNG")


def number_png() -> bytes:
    """A number on a white canvas the size of the web page's, in OpenCV's script-like Hershey font."""
    canvas = np.full((160, 480), 255, np.uint8)
    cv2.putText(canvas, "2718.28", (40, 110), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.6, 0, 7, cv2.LINE_AA)
    return encode(canvas, "PNG")


# endpoint: (the image it is sent, the answer's field that must not be null)
ENDPOINTS = {"predict": (digit_png, "digit"), "read": (number_png, "text")}


async def client_loop(url: str, body: bytes, field: str, until: float, latencies: list[float],
                      errors: list[str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        while time.perf_counter() < until:
            start = time.perf_counter()
            try:
                response = await client.post(url, content=body, headers={"content-type": "image/png"})
                if response.status_code != 200 or response.json().get(field) in (None, ""):
                    errors.append(f"{response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - start)


async def drive(base: str, endpoint: str, clients: int, seconds: float) -> tuple[list[float], list[str], float]:
    image, field = ENDPOINTS[endpoint]
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    until = start + seconds
    url = f"{base}/api/{endpoint}"
    await asyncio.gather(*(client_loop(url, image(), field, until, latencies, errors) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0, help="per endpoint")
    parser.add_argument("--endpoints", nargs="+", choices=list(ENDPOINTS), default=list(ENDPOINTS))
    parser.add_argument("--smoke", action="store_true", help="2 clients for 1 second, to check the script works")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.seconds = 2, 1.0

    server, base = start_server(Path(tempfile.mkdtemp(prefix="digits-load-")) / "feedback.sqlite3")
    runs = {}
    try:
        for endpoint in args.endpoints:
            asyncio.run(drive(base, endpoint, 2, 2.0))  # warm up
            runs[endpoint] = asyncio.run(drive(base, endpoint, args.clients, args.seconds))
    finally:
        server.terminate()
        server.communicate(timeout=10)

    print("| endpoint | clients | seconds | requests | requests/s | p50 latency | p99 latency | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for endpoint, (latencies, errors, elapsed) in runs.items():
        ms = np.array(latencies) * 1000
        print(f"| /api/{endpoint} | {args.clients} | {elapsed:.1f} | {len(ms):,} | {len(ms) / elapsed:,.0f} | "
              f"{np.percentile(ms, 50):.1f} ms | {np.percentile(ms, 99):.1f} ms | {len(errors)} |")
    print(f"\nServer and clients on one machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.")


if __name__ == "__main__":
    main()
