"""Choose the refusal thresholds of a digit model with a "not a digit" class again, on validation data only,
and write them into its card.

    python scripts/calibrate_refusal.py src/digits/assets/default.onnx --data-dir ../shared/mnist

`digits train` chooses them for every new run (`digits.training.rejection.calibrate`); this does the same
for a model already made, from its ONNX file, with the validation split its card names. The shipped model
took its second threshold (the look at each mark made narrower) this way, without being trained again.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

from digits import runfolder
from digits.card import write_card
from digits.data.mnist import VALIDATION_FRACTION, load_mnist, split_validation
from digits.errors import DigitsError
from digits.reading.predictor import load_predictor
from digits.training.rejection import calibrate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="an ONNX digit model (its card beside it) or a run folder")
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("DIGITS_DATA_DIR"), required=not os.environ.get("DIGITS_DATA_DIR"))
    args = parser.parse_args()
    try:
        predictor = load_predictor(args.model)
    except DigitsError as exc:
        parser.error(str(exc))
    card = predictor.card
    if not predictor.rejects:
        parser.error(f"{args.model}: the model {card.name!r} has no 'not a digit' class")
    training = card.provenance.training
    stored = training.get("validation_fraction")  # missing on cards older than the field: `digits train`'s default
    fraction, seed = VALIDATION_FRACTION if stored is None else float(stored), int(training.get("seed", 42))
    if fraction <= 0:
        parser.error(f"{args.model}: the model was trained on every training digit (validation fraction 0), so none "
                     "is held out to choose thresholds on")
    split_seed = int(training.get("split_seed", seed))  # cards older than split_seed split with the seed itself
    mnist = load_mnist(args.data_dir, splits=("train",))
    _, _, x_val, _ = split_validation(mnist.x_train, mnist.y_train, fraction, split_seed)
    chosen = calibrate(lambda images: predictor.scores(images)[1], x_val, seed + 2)  # the seeds `digits train` uses
    card = dataclasses.replace(
        card, reject_threshold=chosen["threshold"], reject_narrow_threshold=chosen["narrow_threshold"],
        metrics=dataclasses.replace(card.metrics, validation_digits_rejected=chosen["digits_rejected"],
                                    validation_non_digits_accepted=chosen["non_digits_accepted"]))
    path = predictor.path.with_suffix(".json")
    path = path if path.is_file() else predictor.path.parent / runfolder.CARD
    write_card(card, path)
    print(f"{path}: thresholds {chosen['threshold']:.3f} (as found) and {chosen['narrow_threshold']:.3f} (narrower); "
          f"validation digits refused {chosen['digits_rejected']:.2%}, generated non-digits accepted {chosen['non_digits_accepted']:.1%}")


if __name__ == "__main__":
    main()
