"""Compare number readers on validation data only: the benchmark's kinds of written number, built from the
10 % of MNIST's training digits that training holds out (never the test set), read through the whole pipeline.

    python scripts/compare_readers.py RUN_OR_ONNX [RUN_OR_ONNX ...] --data-dir ../shared/mnist [--per-kind 150] [--seeds 11 31]

This is where a reader recipe is chosen; the benchmark (test digits) then reports the chosen one once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from _numbers import INK_KINDS, NUMBER_KINDS, PAPER_KINDS, number_image, photo_of, render_number_kind  # noqa: E402

from digits.data.mnist import SPLIT_SEED, VALIDATION_FRACTION, load_mnist, split_validation  # noqa: E402
from digits.data.synth_lines import digit_bank  # noqa: E402
from digits.reading.predictor import load_line_reader  # noqa: E402
from digits.reading.recognize import read_image  # noqa: E402

SEEDS = (11,)  # fixed: every recipe meets the same images (more seeds, more images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("readers", type=Path, nargs="+")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--per-kind", type=int, default=150, help="images of each kind per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    args = parser.parse_args()
    mnist = load_mnist(args.data_dir, splits=("train",))
    _, _, x_val, y_val = split_validation(mnist.x_train, mnist.y_train, VALIDATION_FRACTION, SPLIT_SEED)
    bank = digit_bank(x_val, y_val)
    readers = [load_line_reader(path) for path in args.readers]
    right = {kind: np.zeros((len(readers), len(args.seeds))) for kind in NUMBER_KINDS}
    for s, seed in enumerate(args.seeds):
        rng = np.random.default_rng(seed)
        images = {kind: [render_number_kind(kind, bank, rng) for _ in range(args.per_kind)] for kind in INK_KINDS}
        photos = {kind: [(photo_of(ink, rng), truth) for ink, truth in pairs] for kind, pairs in images.items()}
        # The paper kinds came later: drawn after the others, they leave the others' images as they were.
        photos.update({kind: [number_image(kind, bank, rng) for _ in range(args.per_kind)] for kind in PAPER_KINDS})
        for kind, pairs in photos.items():
            for r, reader in enumerate(readers):
                right[kind][r, s] = np.mean([read_image(None, photo, row=True, reader=reader).answer["text"] == truth
                                             for photo, truth in pairs])
    seeds = f"all seeds, then seed {' / '.join(map(str, args.seeds))}" if len(args.seeds) > 1 else f"seed {args.seeds[0]}"
    print(f"| kind (validation digits; {seeds}) | " + " | ".join(str(p) for p in args.readers) + " |")
    print("|---|" + "---:|" * len(readers))
    for kind, scores in right.items():
        cells = [f"{row.mean():.1%}" + (f" ({' / '.join(f'{v:.1%}' for v in row)})" if len(row) > 1 else "") for row in scores]
        print(f"| {kind} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
