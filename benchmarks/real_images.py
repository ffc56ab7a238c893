"""Accuracy on realistic images made from the MNIST test set, ours beside the peers, in one run.

    python benchmarks/real_images.py --data-dir ../shared/mnist [--per-kind 200] [--model M] [--reader R]
        [--sections digits,numbers,documents] [--chart docs/rejection.png]

Renders digits from the MNIST test set as people's images (ink on paper photos,
chalkboards, transparent canvas PNGs, thin-pen scans, marker, rows of digits,
blank pages), plus typeset digits (matplotlib's DejaVu fonts stand in for a
handwriting font, which cannot be downloaded here), writes them as files under
--out, and reads every file with (a) `digits` preprocessing, (b) the previous
release (git BASELINE_REV, from its own source, on the same files) and (c) the
naive "grey, resize to 28x28" pipeline that the tutorials use, with the same
model as (a). Prints a table per kind.

A second table reads written numbers (touching digits, thin strokes, decimals,
unusual spacing, pages of several lines, numbers on ruled and squared paper, and
the row kind) with (a) the
sequence reader, (b) its previous release (git READER_REV, from its own source,
on the same files), (c) the component-based reader that came before it and (d)
Tesseract 5 (Debian's tesseract-ocr, digits only; skipped with a note when not installed),
and times the sequence reader on 20 different 6-digit rows and 20 pages of 4 lines.

A third table reads documents (ruled and squared paper, form fields, phone
photos, hand-drawn letters and symbols) with this version, the previous release
(git BASELINE_REV, from its own source) and Tesseract; then MNIST test digits
through the whole pipeline, the "not a digit" trade-off (--chart writes its
curve) and a 12-megapixel photo's speed. --sections picks the tables.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import cv2
import numpy as np

from _common import add_data_arguments, resolve_data_dir, smoke_out
from digits.data.mnist import load_mnist
from _documents import (BASELINE_REV, baseline_answers, baseline_tree, document_rows, is_right, mnist_through_pipeline,
                        photo_speed, print_acceptance, print_document_table, print_tradeoff, share_right)
from _numbers import NUMBER_KINDS, READER_REV, number_image, tesseract_available, tesseract_read
from digits.data.synth import TYPESET_FONTS, canvas_rgba, digit_ink, encode, on_paper, place, typeset_ink
from digits.data.synth_lines import digit_bank, random_style, render_number
from digits.reading.decode import read_gray
from digits.reading.predictor import load_line_reader, load_predictor
from digits.reading.recognize import read_by_components, recognize

KINDS = ("paper photo (JPEG)", "chalkboard", "canvas PNG (alpha)", "thin pen scan", "thick marker", "typeset digit", "blank page")
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
    parser.add_argument("--reader", type=Path, default=None, help="line model for numbers (default: the shipped reader)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/real_images"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sections", default="digits,numbers,documents",
                        help="which tables to make, comma-separated: digits, numbers, documents")
    parser.add_argument("--chart", type=Path, default=None, help="write the 'not a digit' trade-off curve here (PNG)")
    args = parser.parse_args()
    if args.smoke:
        args.per_kind = 3
    args.out = smoke_out(args, args.out)

    mnist = load_mnist(resolve_data_dir(parser, args))
    predictor = load_predictor(args.model)
    sections = set(args.sections.split(","))
    rng = np.random.default_rng(args.seed)  # one stream for the first two tables, so their images stay those of earlier runs
    if "digits" in sections:
        print_digit_table(digit_rows(mnist, predictor, args, rng))
    if "numbers" in sections:
        reader = load_line_reader(args.reader)
        print_number_table(number_rows(mnist, predictor, reader, args, rng))
        images = 2 if args.smoke else 20
        print_speed(speed_rows(mnist, reader, args.out, rng, images), images)
    if "documents" in sections:
        documents(mnist, predictor, args)
    print(f"Measured on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.")


def documents(mnist, predictor, args) -> None:
    """Ruled and squared paper, form fields, phone photos, non-digits; MNIST test digits through the pipeline."""
    bank = digit_bank(mnist.x_test, mnist.y_test)
    rng = np.random.default_rng(args.seed + 2)
    rows, refusals = document_rows(bank, predictor, args.per_kind, args.out, rng, tesseract_available())
    print_document_table(rows)
    stats, digit_scores = mnist_through_pipeline(load_predictor(args.model, spin=False), mnist.x_test, mnist.y_test, args.out)
    print_acceptance(stats)
    letters = next(row for row in rows if row[0] == "letter or symbol")[2]  # share refused, every look taken
    print_tradeoff(digit_scores, refusals, predictor.card.reject_threshold if predictor.rejects else None, args.chart,
                   (1 - stats["accepted"], 1 - letters) if predictor.card.reject_narrow_threshold is not None else None)
    print(f"| a 12-megapixel phone photo, JPEG file to answer | p50 {photo_speed(bank, predictor, args.out, rng):.0f} ms |\n")


def digit_rows(mnist, predictor, args, rng: np.random.Generator) -> list[tuple]:
    """Per single-digit kind: (kind, images, ours, previous release or None, naive or None, ms per image)."""
    rows, cases = [], {}
    for kind in KINDS:
        folder = args.out / kind.split(" (")[0].replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        ours = naive = 0
        cases[kind] = []
        start = time.perf_counter()
        for i in range(args.per_kind):
            pick = int(rng.integers(0, len(mnist.y_test)))
            data, ext = render(kind, [mnist.x_test[pick]], [int(mnist.y_test[pick])], rng)
            path = folder / f"{i:04d}{ext}"
            path.write_bytes(data)
            answer = recognize(predictor, path)
            truth = None if kind == "blank page" else str(int(mnist.y_test[pick]))
            cases[kind].append((path, truth))
            ours += is_right(kind, answer, truth)
            if truth is not None:
                naive += naive_predict(predictor, path) == int(mnist.y_test[pick])
        per_image_ms = 1000 * (time.perf_counter() - start) / args.per_kind
        rows.append((kind, args.per_kind, ours / args.per_kind, None if kind == "blank page" else naive / args.per_kind, per_image_ms))
    return _with_previous_release(rows, cases, args.out)


def _with_previous_release(rows: list[tuple], cases: dict[str, list], out: Path) -> list[tuple]:
    """Each row with the previous release's share right on the same files (None where its source is missing),
    all its answers from one process."""
    tree = baseline_tree(out)
    answers = baseline_answers(tree, [p for pairs in cases.values() for p, _ in pairs], "predict") if tree else None
    with_previous = []
    for kind, n, ours, naive, ms in rows:
        previous = None if answers is None else share_right(kind, answers, cases[kind])
        with_previous.append((kind, n, ours, previous, naive, ms))
    return with_previous


def _share(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else "n/a"


def print_digit_table(rows: list[tuple]) -> None:
    print(f"| kind | images | digits (this project) | previous release (git {BASELINE_REV}) | naive resize to 28x28 | "
          "ms per image (render + read) |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, n, ours, previous, naive, ms in rows:
        print(f"| {kind} | {n} | {ours:.1%} | {_share(previous)} | {_share(naive)} | {ms:.1f} |")
    singles = [r for r in rows if r[0] in HANDWRITTEN]
    previous = "" if singles[0][3] is None else f", previous release {np.mean([r[3] for r in singles]):.1%}"
    print(f"\nHandwritten single digits overall: {np.mean([r[2] for r in singles]):.1%}{previous} (naive "
          f"{np.mean([r[4] for r in singles]):.1%}); blank pages count when the answer is 'no digit'.\n")


def number_rows(mnist, predictor, reader, args, rng: np.random.Generator) -> list[tuple]:
    """Per number kind: (kind, images, sequence reader, its previous release or None, component reader,
    Tesseract or None, ms per read)."""
    bank = digit_bank(mnist.x_test, mnist.y_test)
    tesseract = tesseract_available()
    rows, cases = [], {}
    for kind in NUMBER_KINDS:
        folder = args.out / kind.replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        ours = components = tess = 0
        seconds = 0.0
        cases[kind] = []
        for i in range(args.per_kind):
            data, truth = number_image(kind, bank, rng)
            path = folder / f"{i:04d}.jpg"
            path.write_bytes(data)
            cases[kind].append((path, truth))
            start = time.perf_counter()
            ours += recognize(predictor, path, row=True, reader=reader)["text"] == truth
            seconds += time.perf_counter() - start
            components += read_by_components(predictor, read_gray(path))["text"] == truth
            tess += tesseract and tesseract_read(path, multiline="\n" in truth) == truth
        n = args.per_kind
        rows.append((kind, n, ours / n, components / n, tess / n if tesseract else None, 1000 * seconds / n))
    # The sequence reader as released before (its own source and model, one process), on the same files.
    tree = baseline_tree(args.out, READER_REV)
    answers = baseline_answers(tree, [p for pairs in cases.values() for p, _ in pairs], "read") if tree else None
    return [(kind, n, ours, None if answers is None else share_right(kind, answers, cases[kind]), components, tess, ms)
            for kind, n, ours, components, tess, ms in rows]


def print_number_table(rows: list[tuple]) -> None:
    print(f"| written number | images | read exactly: sequence reader (this project) | its previous release (git {READER_REV}) "
          "| component reader (before the sequence reader) | Tesseract 5, digits only | ms per image (read) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, n, ours, previous, components, tess, ms in rows:
        tess_text = f"{tess:.1%}" if tess is not None else "not installed"
        print(f"| {kind} | {n} | {ours:.1%} | {_share(previous)} | {components:.1%} | {tess_text} | {ms:.1f} |")
    print("\nA number counts only when the whole string is right; a page's lines are joined with a newline.\n")


def speed_rows(mnist, reader, out: Path, rng: np.random.Generator, images: int = 20, repeat: int = 15) -> list[tuple[str, float]]:
    """p50 milliseconds from a PNG file to the answer, over `images` different 6-digit rows and pages of 4 lines
    (each read `repeat` times): one image's time says more about that image than about the reader."""
    bank = digit_bank(mnist.x_test, mnist.y_test)
    predictor = None  # read mode's own digit model, as `digits read` uses it
    times: dict[str, list[float]] = {"6-digit row": [], "page of 4 lines": []}
    for i in range(images):
        row = render_number("".join(str(d) for d in rng.integers(0, 10, 6)), bank, rng, random_style(rng, 60))
        lines = [np.pad(render_number(str(n), bank, rng, random_style(rng, 50)), ((20, 20), (0, 0))) for n in rng.integers(10, 99999, 4)]
        width = max(line.shape[1] for line in lines)
        page = np.concatenate([np.pad(line, ((0, 0), (0, width - line.shape[1]))) for line in lines], axis=0)
        for name, ink in (("6-digit row", row), ("page of 4 lines", page)):
            path = out / f"speed_{name.replace(' ', '_')}_{i:02d}.png"
            path.write_bytes(encode((255 - np.pad(ink, 30) * 255).astype(np.uint8), "PNG"))
            recognize(predictor, path, row=True, reader=reader)  # warm: the first read of a file pays for the disk
            for _ in range(repeat):
                start = time.perf_counter()
                recognize(predictor, path, row=True, reader=reader)
                times[name].append(time.perf_counter() - start)
    return [(name, 1000 * float(np.median(spent))) for name, spent in times.items()]


def print_speed(rows: list[tuple[str, float]], images: int) -> None:
    print(f"| sequence reader, PNG file to answer ({images} different images each) | p50 |")
    print("|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.1f} ms |")
    print()


if __name__ == "__main__":
    main()
