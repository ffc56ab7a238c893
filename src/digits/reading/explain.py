"""Show what the model saw: the original with boxes and answers, and the model's inputs enlarged."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from digits.reading.recognize import Reading


def answer_boxes(answer: dict) -> list[tuple[list[int], str]]:
    """(box, label) for each thing the answer found: the digit with its confidence, or each character read."""
    if "digits" in answer:
        return [(d["box"], d.get("char", str(d.get("digit")))) for d in answer["digits"] if d]
    if answer.get("digit") is None:
        return [(answer["box"], "not a digit")] if "box" in answer else []  # a mark the model refused
    return [(answer["box"], f"{answer['digit']} ({answer['confidence']:.2f})")]


def render_explanation(gray: np.ndarray, answer: dict, inputs: list[np.ndarray], source_scale: float = 1.0,
                       removed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(annotated original as BGR, the model inputs enlarged 8x as grey): digits side by side, lines stacked.

    `source_scale` is `gray`'s size relative to the file's, in whose pixels the answer's boxes are;
    `removed` (printed lines taken out before reading, any size) is painted green."""
    scale = 800 / max(gray.shape) if max(gray.shape) > 800 else max(1.0, 200 / max(gray.shape))
    shown = cv2.resize((gray * 255).astype(np.uint8), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    annotated = cv2.cvtColor(shown, cv2.COLOR_GRAY2BGR)
    if removed is not None:
        lines = cv2.resize(removed, (annotated.shape[1], annotated.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
        annotated[lines] = (0, 180, 0)
    thickness = max(1, round(max(annotated.shape) / 300))
    for box, text in answer_boxes(answer):
        x, y, w, h = (round(v * scale * source_scale) for v in box)
        cv2.rectangle(annotated, (x, y), (x + w, y + h), (0, 0, 255), thickness)
        cv2.putText(annotated, text, (x, max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5 * thickness + 0.3, (0, 0, 255), thickness)
    return annotated, _inputs_strip(inputs)


def _inputs_strip(inputs: list[np.ndarray]) -> np.ndarray:
    if not inputs:
        return np.zeros((240, 240), np.uint8)
    framed = [np.pad(image, 1, constant_values=128) for image in inputs]
    if len({image.shape for image in framed}) == 1 and framed[0].shape[0] == framed[0].shape[1]:
        strip = np.concatenate(framed, axis=1)  # 28x28 digits, side by side
    else:
        width = max(image.shape[1] for image in framed)  # lines, one under another
        strip = np.concatenate([np.pad(image, ((0, 0), (0, width - image.shape[1]))) for image in framed], axis=0)
    return cv2.resize(strip.astype(np.uint8), None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)


def write_explanation(out_dir: Path, source: Path | str, reading: Reading) -> list[Path]:
    """Write NAME.boxes.png and NAME.input.png into `out_dir` (NAME: the file's name, suffix kept, so that
    a.png and a.jpg do not overwrite each other); return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(str(source)).name or "image"
    removed = getattr(reading.prepared, "removed", None)
    annotated, inputs = render_explanation(reading.gray, reading.answer, reading.inputs, reading.scale, removed)
    paths = [out_dir / f"{stem}.boxes.png", out_dir / f"{stem}.input.png"]
    cv2.imwrite(str(paths[0]), annotated)
    cv2.imwrite(str(paths[1]), inputs)
    return paths
