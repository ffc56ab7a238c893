"""Hostile and careless input, through the CLI and a live server: every case answered, none slow, nothing lost.

    python benchmarks/hostile.py [--smoke]

Builds a corpus of bad input (dot patterns that once made grouping quadratic,
huge RGBA images, formats outside the allow-list (a PDF among them), non-regular files, bad labels,
foreign Host and Origin headers), sends each case through `digits predict`/`read`
and a `digits serve` on loopback, and prints one table: case, answer, time, and
the server's peak memory; then the count of 5xx answers, tracebacks and hangs,
which must all be 0.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from _common import start_server
from digits.data.synth import encode


def png(array: np.ndarray) -> bytes:
    return encode(array, "PNG")


def dots(step: int, size: int, stroke: bool) -> bytes:
    page = np.full((1024, 1024), 255, np.uint8)
    on = (np.arange(1024) % step) < size
    page[np.ix_(on, on)] = 0
    if stroke:
        page[100:900, 500:506] = 0
    return png(page)


def other_format(fmt: str) -> bytes:
    return encode(np.full((64, 64, 3), 255, np.uint8), fmt)


def corpus(smoke: bool) -> dict[str, bytes]:
    """Uploads by name. A 6300x6300 RGBA PNG compresses to a few hundred KB."""
    side = 1500 if smoke else 6300
    rgba = np.zeros((side, side, 4), np.uint8)
    rgba[side // 4 : 3 * side // 4, side // 2 - side // 60 : side // 2 + side // 60, 3] = 255  # a "1" in alpha only
    grain = np.random.default_rng(0).integers(200, 256, (400, 400), dtype=np.uint8)  # a photo's grain: 130 KB
    grain[100:300, 190:206] = 0  # a "1"; the upload is far larger than the 16 KB allowed for headers
    cases = {"dots beside a stroke (29,000 marks)": dots(6, 3, True), "16,000 equal marks": dots(8, 4, False),
             "grainy 400x400 PNG (130 KB)": png(grain),
             f"{side}x{side} RGBA PNG": png(rgba), "empty body": b"", "text file": b"hello, not an image"}
    for fmt in ("DDS", "BLP", "SPIDER", "TGA", "ICO", "EPS", "PDF"):
        try:
            cases[f"{fmt} file (not an allowed format)"] = other_format(fmt)
        except Exception:  # this Pillow cannot write that format here
            continue
    return cases


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(call) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        answer = call()
    except httpx.TimeoutException:
        answer = "HANG (no answer in 60 s)"
    return answer, time.perf_counter() - start


def api_answer(response: httpx.Response) -> str:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return f"{response.status_code} {response.text[:70]}"
    body = response.json()
    detail = body.get("error") or body.get("reason") or body.get("text") or body.get("digit")
    return f"{response.status_code} {str(detail)[:70]}"


def server_cases(base: str, uploads: dict[str, bytes], side_case: str, pid: int) -> list[tuple[str, str, float]]:
    rows = []
    with httpx.Client(timeout=60) as client:
        for name, data in uploads.items():
            for endpoint in ("predict", "read"):
                answer, seconds = timed(lambda: api_answer(client.post(f"{base}/api/{endpoint}", content=data)))
                rows.append((f"API {endpoint}: {name}", answer, seconds))
        for label in ("²", "٣", "12", "-1"):
            answer, seconds = timed(lambda: api_answer(client.post(f"{base}/api/feedback", files={"file": ("x.png", uploads[side_case])},
                                                                   data={"label": label})))
            rows.append((f"API feedback label {label!r}", answer, seconds))
        answer, seconds = timed(lambda: api_answer(client.get(f"{base}/api/health", headers={"host": "evil.example"})))
        rows.append(("Host: evil.example (DNS rebinding)", answer, seconds))
        answer, seconds = timed(lambda: api_answer(client.post(f"{base}/api/feedback", headers={"origin": "https://evil.example"},
                                                               files={"file": ("x.png", uploads[side_case])}, data={"label": "1"})))
        rows.append(("feedback from another site's page", answer, seconds))
    with ThreadPoolExecutor(8) as pool:  # 8 huge uploads at once
        start = time.perf_counter()
        codes = list(pool.map(lambda _: httpx.post(f"{base}/api/predict", content=uploads[side_case], timeout=120).status_code, range(8)))
        rows.append((f"8 concurrent {side_case}", f"statuses {sorted(set(codes))}; server peak {peak_memory_mb(pid):,.0f} MB",
                     time.perf_counter() - start))
    return rows


def stalled_case(base: str, count: int = 300) -> tuple[str, str, float]:
    """`count` clients send half their headers and stall; after the header deadline the server has dropped
    them, and a normal request is answered."""
    host, port = base.removeprefix("http://").split(":")
    start = time.perf_counter()
    stalled = []
    for _ in range(count):
        connection = socket.create_connection((host, int(port)), timeout=15)
        connection.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        stalled.append(connection)
    dropped = 0
    for connection in stalled:
        try:
            dropped += connection.recv(1024) == b""
        except OSError:
            pass
        connection.close()
    answer = httpx.get(base + "/api/health", timeout=10).status_code
    return (f"{count} clients stalling inside their headers", f"{dropped} dropped by the server; then health {answer}",
            time.perf_counter() - start)


def crash_case(folder: Path, digit: bytes, seconds: float = 3.0) -> tuple[str, str, float]:
    """4 clients store corrections while the server is killed with SIGKILL: every acknowledged row must be there."""
    import signal
    import sqlite3
    import threading

    db = folder / "crash.sqlite3"
    server, base = start_server(db)
    acknowledged: list[int] = []
    stop = time.perf_counter() + seconds

    def writer() -> None:
        with httpx.Client(timeout=5) as client:
            while time.perf_counter() < stop + 5:
                try:
                    response = client.post(base + "/api/feedback", files={"file": ("d.png", digit)}, data={"label": "1"})
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    acknowledged.append(response.json()["id"])

    start = time.perf_counter()
    threads = [threading.Thread(target=writer) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(seconds)
    finally:
        server.send_signal(signal.SIGKILL)
        for thread in threads:
            thread.join()
        server.wait()
    with sqlite3.connect(db) as connection:
        stored = {row[0] for row in connection.execute("SELECT id FROM feedback")}
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    lost = len(set(acknowledged) - stored)
    traceback = " TRACEBACK" if "Traceback" in server.stderr.read() else ""
    return (f"server killed (SIGKILL) during {len(acknowledged)} acknowledged corrections",
            f"{lost} lost; integrity_check {integrity}{traceback}", time.perf_counter() - start)


def cli_cases(folder: Path) -> list[tuple[str, str, float]]:
    fifo = folder / "p.png"
    os.mkfifo(fifo)
    rows = []
    for name, path in (("FIFO named p.png", fifo), ("/dev/zero", Path("/dev/zero")), ("a missing file", folder / "nothing.png")):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "digits", "predict", str(path), "--json"], capture_output=True, text=True, timeout=60)
        tail = (result.stdout.strip().splitlines() or result.stderr.strip().splitlines() or ["(nothing)"])[-1]
        traceback = " TRACEBACK" if "Traceback" in result.stderr else ""
        rows.append((f"CLI predict: {name}", f"exit {result.returncode}{traceback}: {tail[:70]}", time.perf_counter() - start))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="small images, to check the script works")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="digits-hostile-"))
    uploads = corpus(args.smoke)
    side_case = next(name for name in uploads if "RGBA" in name)
    server, base = start_server(folder / "feedback.sqlite3")
    try:
        rows = server_cases(base, uploads, side_case, server.pid) + cli_cases(folder)
        if not args.smoke:  # waits out the 10 s header deadline
            rows.append(stalled_case(base))
        one = np.full((60, 60), 255, np.uint8)
        one[10:50, 28:33] = 0  # a small "1": many corrections per second
        rows.append(crash_case(folder, png(one), seconds=1.0 if args.smoke else 3.0))
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    print("| case | answer | seconds |")
    print("|---|---|---:|")
    for case, answer, seconds in rows:
        print(f"| {case} | {str(answer).replace('|', '/')} | {seconds:.2f} |")
    errors = sum(answer.startswith("5") and not answer.startswith("503") for _, answer, _ in rows)
    hangs = sum("HANG" in answer for _, answer, _ in rows)
    tracebacks = log.count("Traceback") + sum("TRACEBACK" in answer for _, answer, _ in rows)
    print(f"\n5xx (besides 503 busy): {errors} / tracebacks: {tracebacks} / hangs: {hangs}")


if __name__ == "__main__":
    main()
