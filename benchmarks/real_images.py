"""Accuracy on realistic images made from the MNIST test set, ours beside the naive pipeline.

    python benchmarks/real_images.py --data-dir ../shared/mnist [--per-kind 200] [--model M]

Renders digits from the MNIST test set as people's images (ink on paper photos,
chalkboards, transparent canvas PNGs, thin-pen scans, marker, rows of digits,
blank pages), plus typeset digits (matplotlib's DejaVu fonts stand in for a
handwriting font, which cannot be downloaded here), writes them as files under
--out, and reads every file with (a) `digits` preprocessing and (b) the naive
"grey, resize to 28x28" pipeline that the tutorials use, with the same model.
Prints a table per kind.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import cv2
import numpy as np

from _common import add_data_arguments, resolve_data_dir, smoke_out
from digits.data.mnist import load_mnist
from digits.data.synth import TYPESET_FONTS, canvas_rgba, digit_ink, encode, on_paper, place, row_ink, typeset_ink
from digits.reading.decode import read_gray
from digits.reading.predictor import load_predictor
from digits.reading.recognize import recognize

KINDS = ("paper photo (JPEG)", "chalkboard", "canvas PNG (alpha)", "thin pen scan", "thick marker", "typeset digit",
         "row of digits", "blank page")
HANDWRITTEN = KINDS[:5]  # the kinds made from MNIST's handwriting: the single-digit target counts these


def render(kind: str, digits: list[np.ndarray], labels: list[int], rng: np.random.Generator) -> tuple[bytes, str]:
    """One image file of `kind` (bytes, extension): the MNIST `digits`, or for typeset kinds their `labels`."""
    if kind == "paper photo (JPEG)":
        ink = digit_ink(digits[0], int(rng.integers(60, 220)), stroke=rng.uniform(0, 3))
        frame = place(ink, (int(rng.integers(300, 700)), int(rng.integers(300, 900))), rng, angle=rng.uniform(-8, 8))
        return encode(on_paper(frame, rng), "JPEG", int(rng.integers(60, 92))), ".jpg"
    if kind == "chalkboard":
        ink = digit_ink(digits[0], int(rng.integers(80, 200)), stroke=rng.uniform(2, 5))
        frame = place(ink, (int(rng.integers(300, 500)), int(rng.integers(300, 700))), rng, angle=rng.uniform(-8, 8))
        return encode(on_paper(frame, rng, dark_ink=False), "JPEG", 85), ".jpg"
    if kind == "canvas PNG (alpha)":
        return encode(canvas_rgba(digit_ink(digits[0], 200, stroke=rng.uniform(2, 6))), "PNG"), ".png"
    if kind == "thin pen scan":
        ink = digit_ink(digits[0], int(rng.integers(120, 300)), stroke=-1)
        frame = place(ink, (600, 600), rng)
        gray = (255 - frame * rng.uniform(180, 240)).astype(np.uint8)
        return encode(gray, "PNG"), ".png"
    if kind == "thick marker":
        ink = digit_ink(digits[0], 150, stroke=rng.uniform(8, 12))
        frame = place(ink, (400, 400), rng, angle=rng.uniform(-5, 5))
        return encode(on_paper(frame, rng), "JPEG", 85), ".jpg"
    if kind == "typeset digit":
        font = TYPESET_FONTS[int(rng.integers(len(TYPESET_FONTS)))]
        ink = typeset_ink(labels[0], int(rng.integers(50, 200)), font)
        frame = place(ink, (int(rng.integers(300, 600)), int(rng.integers(300, 800))), rng, angle=rng.uniform(-5, 5))
        return encode(on_paper(frame, rng), "JPEG", 85), ".jpg"
    if kind == "row of digits":
        ink = row_ink(digits, int(rng.integers(60, 120)), rng, stroke=rng.uniform(0, 3))
        frame = place(ink, (ink.shape[0] + int(rng.integers(40, 200)), ink.shape[1] + int(rng.integers(40, 200))), rng)
        return encode(on_paper(frame, rng), "JPEG", 88), ".jpg"
    if kind == "blank page":
        frame = np.zeros((int(rng.integers(300, 600)), int(rng.integers(300, 800))), np.float32)
        for _ in range(int(rng.integers(0, 6))):  # a few specks of dust
            cv2.circle(frame, (int(rng.integers(0, frame.shape[1])), int(rng.integers(0, frame.shape[0]))), int(rng.integers(1, 3)), 1.0, -1)
        return encode(on_paper(frame, rng), "JPEG", 85), ".jpg"
    raise ValueError(kind)


def naive_predict(predictor, path: Path) -> int:
    """The tutorials' pipeline: grey, resize to 28x28, no inversion, no centring."""
    gray = read_gray(path)
    small = cv2.resize(gray, (28, 28), interpolation=cv2.INTER_AREA) * 255
    return int(predictor.predict_proba(small[None])[0].argmax())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(parser)
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--model", type=Path, default=None, help="ONNX file or run folder (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/real_images"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.smoke:
        args.per_kind = 3
    args.out = smoke_out(args, args.out)

    mnist = load_mnist(resolve_data_dir(parser, args))
    predictor = load_predictor(args.model)
    rng = np.random.default_rng(args.seed)
    rows = []
    for kind in KINDS:
        folder = args.out / kind.split(" (")[0].replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        ours = naive = 0
        start = time.perf_counter()
        for i in range(args.per_kind):
            picks = rng.integers(0, len(mnist.y_test), int(rng.integers(3, 7)) if kind == "row of digits" else 1)
            data, ext = render(kind, [mnist.x_test[j] for j in picks], [int(mnist.y_test[j]) for j in picks], rng)
            path = folder / f"{i:04d}{ext}"
            path.write_bytes(data)
            truth = "".join(str(mnist.y_test[j]) for j in picks)
            if kind == "row of digits":
                ours += recognize(predictor, path, row=True)["text"] == truth
                continue
            answer = recognize(predictor, path)
            if kind == "blank page":
                ours += answer["digit"] is None
                continue
            ours += answer["digit"] == int(truth)
            naive += naive_predict(predictor, path) == int(truth)
        per_image_ms = 1000 * (time.perf_counter() - start) / args.per_kind
        rows.append((kind, args.per_kind, ours / args.per_kind, None if kind in ("row of digits", "blank page") else naive / args.per_kind, per_image_ms))

    print("| kind | images | digits (this project) | naive resize to 28x28 | ms per image (render + read) |")
    print("|---|---:|---:|---:|---:|")
    for kind, n, ours, naive, ms in rows:
        naive_text = f"{naive:.1%}" if naive is not None else "n/a"
        print(f"| {kind} | {n} | {ours:.1%} | {naive_text} | {ms:.1f} |")
    singles = [r for r in rows if r[0] in HANDWRITTEN]
    print(f"\nHandwritten single digits overall: {np.mean([r[2] for r in singles]):.1%} (naive {np.mean([r[3] for r in singles]):.1%}); "
          "rows count only when every digit is right; blank pages count when the answer is 'no digit'.")


if __name__ == "__main__":
    main()
