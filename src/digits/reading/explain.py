"""Show what the model saw: the 28x28 inputs enlarged, and the original with boxes and answers."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from digits.reading.preprocess import Segmentation


def render_explanation(gray: np.ndarray, segmentation: Segmentation, labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(annotated original as BGR, the model inputs side by side enlarged 8x as grey)."""
    scale = 800 / max(gray.shape) if max(gray.shape) > 800 else max(1.0, 200 / max(gray.shape))
    shown = cv2.resize((gray * 255).astype(np.uint8), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    annotated = cv2.cvtColor(shown, cv2.COLOR_GRAY2BGR)
    thickness = max(1, round(max(annotated.shape) / 300))
    for crop, text in zip(segmentation.crops, labels):
        x, y, w, h = (round(v * scale) for v in crop.box)
        cv2.rectangle(annotated, (x, y), (x + w, y + h), (0, 0, 255), thickness)
        cv2.putText(annotated, text, (x, max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5 * thickness + 0.3, (0, 0, 255), thickness)
    if segmentation.crops:
        inputs = np.concatenate([np.pad(c.image, 1, constant_values=128) for c in segmentation.crops], axis=1)
    else:
        inputs = np.zeros((30, 30), np.float32)
    inputs = cv2.resize(inputs.astype(np.uint8), None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)
    return annotated, inputs


def write_explanation(out_dir: Path, source: Path | str, gray: np.ndarray, segmentation: Segmentation, labels: list[str]) -> list[Path]:
    """Write NAME.boxes.png and NAME.input.png into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(str(source)).stem or "image"
    annotated, inputs = render_explanation(gray, segmentation, labels)
    paths = [out_dir / f"{stem}.boxes.png", out_dir / f"{stem}.input.png"]
    cv2.imwrite(str(paths[0]), annotated)
    cv2.imwrite(str(paths[1]), inputs)
    return paths


def answer_labels(answer: dict) -> list[str]:
    """What to write beside each box: the digits of a number, or the one digit with its confidence."""
    if "digits" in answer:
        return [str(d["digit"]) for d in answer["digits"]]
    if answer.get("digit") is None:
        return []
    return [f"{answer['digit']} ({answer['confidence']:.2f})"]
