"""Digits in the documents people hold, for the real-image benchmark: ruled and squared paper, form fields,
phone photos, and marks that are not digits; read by this version, the previous release and Tesseract.

Every image is made from MNIST test digits (or hand-drawn letters) with a fixed
seed. "Previous release" is the package as it was before page structure and
"not a digit" were added (git revision BASELINE_REV), run from its own source
tree on the same files in the same run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import io
from pathlib import Path

import numpy as np

from _numbers import NUMBER_KINDS, tesseract_read
from digits.data.synth import digit_ink, encode, on_paper, place
from digits.data.synth_letters import STROKES, hand_letter
from digits.data.synth_paper import comb_field, compose, ink_colour, phone_photo, ruled, squared

BASELINE_REV = "32ad12e"  # the last commit before issue 14 (page structure, phone photos, "not a digit")
DOCUMENT_KINDS = ("ruled paper", "squared paper", "form field", "phone photo", "letter or symbol")
PHOTO_FRAME = (1200, 1600)  # rendered smaller than a 12-MP photo to keep the run short; reading shrinks both alike


def render_document(kind: str, bank: dict[int, np.ndarray], rng: np.random.Generator) -> tuple[bytes, str | None]:
    """(JPEG bytes, the truth): a digit ("7"), a form field's text with a space per empty box, or None for a non-digit."""
    if kind in ("ruled paper", "squared paper"):
        digit = int(rng.integers(10))
        shape = (int(rng.integers(300, 600)), int(rng.integers(300, 700)))
        spacing = int(rng.integers(22, 40)) if kind == "ruled paper" else int(rng.integers(16, 32))
        height = int(spacing * rng.uniform(1.3, 2.4)) if kind == "ruled paper" else int(spacing * rng.uniform(2.0, 4.0))
        ink = place(digit_ink(_pick(bank, digit, rng), height, stroke=rng.uniform(0, 2)), shape, rng, angle=rng.uniform(-6, 6))
        paper = ruled(shape, rng, spacing, margin=rng.random() < 0.4) if kind == "ruled paper" else squared(shape, rng, spacing)
        return encode(compose([*paper, (ink, ink_colour(rng))], rng), "JPEG", int(rng.integers(70, 92))), str(digit)
    if kind == "form field":
        count = int(rng.integers(4, 7))
        text = [str(d) if rng.random() > 0.15 else " " for d in rng.integers(0, 10, count)]
        digits = [None if c == " " else _pick(bank, int(c), rng) for c in text]
        image = comb_field(digits, rng, int(rng.integers(50, 90)))
        return encode(image, "JPEG", 85), "".join(text)
    if kind == "phone photo":
        digit = int(rng.integers(10))
        ink = digit_ink(_pick(bank, digit, rng), 200, stroke=rng.uniform(0, 3))
        image = phone_photo(ink, rng, PHOTO_FRAME, float(rng.uniform(0.05, 0.6)))
        return encode(image, "JPEG", int(rng.integers(50, 85))), str(digit)
    if kind == "letter or symbol":
        char = list(STROKES)[int(rng.integers(len(STROKES)))]
        ink = hand_letter(char, int(rng.integers(50, 200)), rng)
        frame = place(ink, (ink.shape[0] + int(rng.integers(60, 300)), ink.shape[1] + int(rng.integers(60, 400))), rng)
        return encode(on_paper(frame, rng), "JPEG", 85), None
    raise ValueError(kind)


def _pick(bank: dict[int, np.ndarray], digit: int, rng: np.random.Generator) -> np.ndarray:
    return bank[digit][int(rng.integers(len(bank[digit])))]


def photo_12mp(bank: dict[int, np.ndarray], rng: np.random.Generator) -> bytes:
    """A 4000x3000 phone photo of one digit, for the speed row."""
    return encode(phone_photo(digit_ink(_pick(bank, 7, rng), 200), rng, (3000, 4000), 0.25), "JPEG", 85)


def is_right(kind: str, answer: dict, truth: str | None) -> bool:
    """A digit kind: the digit; a form field or a written number: the whole text; a non-digit: no digit answered."""
    if kind == "form field" or kind in NUMBER_KINDS:
        return answer.get("text") == truth
    if truth is None:
        return answer.get("digit") is None and "error" not in answer
    return str(answer.get("digit")) == truth


def share_right(kind: str, answers: dict[str, dict], cases: list[tuple[Path, str | None]]) -> float:
    """The share of `cases` (path, truth) that `answers` (by path) got right; a missing answer is wrong."""
    return sum(str(p) in answers and is_right(kind, answers[str(p)], t) for p, t in cases) / len(cases)


def baseline_tree(out: Path, revision: str = BASELINE_REV) -> Path | None:
    """A previous release's source, unpacked under `out` from git (None when git or the revision is missing)."""
    root = Path(__file__).resolve().parent.parent
    target = out / f"baseline-{revision}"
    if (target / "src" / "digits").is_dir():
        return target
    try:
        archive = subprocess.run(["git", "-C", str(root), "archive", revision, "src"], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def baseline_answers(tree: Path, paths: list[Path], command: str) -> dict[str, dict]:
    """The previous release's `digits predict/read --json` answers for `paths`, by path."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    result = subprocess.run([sys.executable, "-m", "digits", command, "--json", *map(str, paths)],
                            capture_output=True, text=True, env=env, timeout=3600)
    if result.returncode not in (0, 1):  # 1: some file had no digit or an error, which its answer says
        print(f"(the previous release exited {result.returncode}: {result.stderr.strip()[-300:]})", file=sys.stderr)
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {answer["path"]: answer for answer in answers}


def tesseract_digit(path: Path) -> str | None:
    """Tesseract 5's answer for one character (--psm 10), digits only; None when it answers nothing."""
    result = subprocess.run(["tesseract", str(path), "stdout", "--psm", "10", "-c", "tessedit_char_whitelist=0123456789"],
                            capture_output=True, text=True, timeout=60)
    text = result.stdout.strip()
    return text or None


def document_rows(bank: dict[int, np.ndarray], predictor, per_kind: int, out: Path, rng: np.random.Generator,
                  tesseract: bool) -> tuple[list[tuple], list[float]]:
    """Per kind: (kind, images, this version, previous release or None, Tesseract or None, ms per image);
    and the "not a digit" probabilities of the non-digit images (for the trade-off curve)."""
    import time

    from digits.reading.recognize import recognize

    tree = baseline_tree(out)
    rows, refusals = [], []
    for kind in DOCUMENT_KINDS:
        folder = out / kind.replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        row = kind == "form field"
        cases, ours, tess, seconds = [], 0, 0, 0.0
        for i in range(per_kind):
            data, truth = render_document(kind, bank, rng)
            path = folder / f"{i:04d}.jpg"
            path.write_bytes(data)
            start = time.perf_counter()
            answer = recognize(predictor, path, row=row)
            seconds += time.perf_counter() - start
            ours += is_right(kind, answer, truth)
            if truth is None and "not_digit" in answer:
                refusals.append(answer["not_digit"])
            if tesseract:
                said = tesseract_read(path, multiline=False).replace(" ", "") if row else tesseract_digit(path)
                tess += (said == (truth or "").replace(" ", "")) if row else (said == truth)
            cases.append((path, truth))
        previous = None
        if tree is not None:
            answers = baseline_answers(tree, [p for p, _ in cases], "read" if row else "predict")
            previous = share_right(kind, answers, cases)
        rows.append((kind, per_kind, ours / per_kind, previous, tess / per_kind if tesseract else None, 1000 * seconds / per_kind))
    return rows, refusals


def print_document_table(rows: list[tuple]) -> None:
    print("| image | images | right: this version | previous release | Tesseract 5, digits only | ms per image (read) |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, n, ours, previous, tess, ms in rows:
        prev = f"{previous:.1%}" if previous is not None else "n/a"
        tess_text = f"{tess:.1%}" if tess is not None else "not installed"
        print(f"| {kind} | {n} | {ours:.1%} | {prev} | {tess_text} | {ms:.1f} |")
    print("\nRight means: the digit (ruled, squared, photo); every box of the field, a space for an empty one; "
          "for a letter or symbol, no digit answered. Tesseract's field answer is compared without spaces.\n")


def mnist_through_pipeline(predictor, images: np.ndarray, labels: np.ndarray, out: Path) -> tuple[dict, np.ndarray]:
    """MNIST test digits written as PNG files and read by `predict`: the share accepted as digits, the share of
    those read right, and every image's "not a digit" probability."""
    from digits.reading.recognize import recognize_many

    folder = out / "mnist_test"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        path = folder / f"{i:05d}.png"
        if not path.exists():
            path.write_bytes(encode((255 - image).astype(np.uint8), "PNG"))  # dark ink on white, as people scan
        paths.append(path)
    answers = list(recognize_many(predictor, paths))
    digits = np.array([-1 if a.get("digit") is None else a["digit"] for a in answers])
    accepted = digits >= 0
    scores = np.array([a.get("not_digit", 0.0) for a in answers])
    return {"images": len(images), "accepted": float(accepted.mean()),
            "right_of_accepted": float((digits[accepted] == labels[accepted]).mean()) if accepted.any() else 0.0,
            "right_of_all": float((digits == labels).mean())}, scores


def print_acceptance(stats: dict) -> None:
    print("| MNIST test digits as PNG files, through the whole pipeline | images | accepted as a digit | right, of those accepted | right, of all |")
    print("|---|---:|---:|---:|---:|")
    print(f"| this version | {stats['images']:,} | {stats['accepted']:.2%} | {stats['right_of_accepted']:.2%} | {stats['right_of_all']:.2%} |\n")


def print_tradeoff(digit_scores: np.ndarray, other_scores: list[float], threshold: float | None, chart: Path | None,
                   answered: tuple[float, float] | None = None) -> None:
    """Digits wrongly refused against non-digits wrongly accepted, as the threshold of the first look moves;
    `answered` is the model's own point with every look it takes (digits refused, non-digits accepted), from
    the answers themselves."""
    if not other_scores or threshold is None:
        print("(the model has no 'not a digit' class: no trade-off to show)\n")
        return
    others = np.array(other_scores)
    print("| threshold on P(not a digit), first look | MNIST test digits refused | letters and symbols accepted |")
    print("|---:|---:|---:|")
    for t in sorted({0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, round(threshold, 3)}):
        mark = " (the model's, chosen on validation)" if t == round(threshold, 3) else ""
        print(f"| {t:.3f}{mark} | {np.mean(digit_scores >= t):.2%} | {np.mean(others < t):.1%} |")
    if answered is not None:
        print(f"| the model's answers, with its second look at the marks made narrower | {answered[0]:.2%} | {answered[1]:.1%} |")
    print()
    if chart is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        grid = np.concatenate([np.linspace(0.001, 0.999, 400), [threshold]])
        grid.sort()
        figure, axis = plt.subplots(figsize=(5, 4))
        axis.plot([100 * np.mean(digit_scores >= t) for t in grid], [100 * np.mean(others < t) for t in grid])
        axis.plot([100 * np.mean(digit_scores >= threshold)], [100 * np.mean(others < threshold)], "o", label="chosen threshold")
        if answered is not None:
            axis.plot([100 * answered[0]], [100 * answered[1]], "s", label="with the second, narrower look")
        axis.set_xscale("symlog", linthresh=0.1)
        axis.set_xlabel("MNIST test digits refused (%); curve: the first look's threshold")
        axis.set_ylabel("letters and symbols accepted (%)")
        axis.set_title('"Not a digit": the trade-off')
        axis.legend()
        figure.savefig(chart, dpi=110, bbox_inches="tight")


def photo_speed(bank: dict[int, np.ndarray], predictor, out: Path, rng: np.random.Generator, repeat: int = 20) -> float:
    """p50 milliseconds from a 12-megapixel JPEG file to the answer."""
    import time

    from digits.reading.recognize import recognize

    path = out / "photo_12mp.jpg"
    path.write_bytes(photo_12mp(bank, rng))
    recognize(predictor, path)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        recognize(predictor, path)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))
