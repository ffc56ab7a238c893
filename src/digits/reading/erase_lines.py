"""Printed lines taken out of the ink once `rules.find_structure` has found them, the writing they crossed kept.

A stroke that crossed a line is joined again across the gap (a closing along
the stroke's direction, kept only inside the removed line); one that lies
along a line is kept where it is darker than that line's print, or thicker.
"""

from __future__ import annotations

import cv2
import numpy as np

from digits.reading.rules import Structure


def remove_structure(ink: np.ndarray, structure: Structure) -> np.ndarray:
    """The ink with the printed lines taken out and the strokes that crossed them joined again."""
    if not structure.removed.any() or structure.levels is None:
        return ink
    line = cv2.dilate(structure.removed, np.ones((3, 3), np.uint8))  # and the line's blurred edges
    keep = ((ink > structure.floor) & (line == 0)).astype(np.uint8)
    # A stroke crossing a horizontal line is cut by a gap as tall as the line: bridge it vertically, and the other way.
    gap = int(structure.thickness) + 5
    bridged = cv2.morphologyEx(keep, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    bridged |= cv2.morphologyEx(keep, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    # Pale printing under a dark pen: where the ink on a line is much stronger than the line itself, it is writing
    # (a stroke lying along a grid line, not only across it).
    level = cv2.dilate(structure.levels, np.ones((3, 3), np.uint8))  # each line's own strength (a red margin is darker)
    darker = ((ink > np.maximum(level + 0.25, 1.6 * level)) & (line > 0)).astype(np.uint8)
    # A pen stroke lying along a line, as dark as the print: where it is thicker than the line, it is writing.
    return ink * (keep | (bridged & line) | darker | (_thick_strokes(ink, structure, line) & line))


def _thick_strokes(ink: np.ndarray, structure: Structure, line: np.ndarray) -> np.ndarray:
    """Ink thicker than the printed lines that reaches beyond them: a pen stroke lying along a line, as dark
    as the print (a 7's bar on a box's top edge). An opening with a square wider than the lines keeps only
    thick ink; of that, the parts wholly inside `line` (the removed lines with their blurred fringe) are no
    stroke: a heavier stretch of print, or a pale margin where a faint rule crosses it (there its fringe
    passes the floor, and it opens as wide as the square)."""
    side = int(round(structure.thickness)) + 2
    side += 1 - side % 2  # odd: an even square opens off-centre, shifting what it keeps by a pixel
    thick = cv2.morphologyEx((ink > structure.floor).astype(np.uint8), cv2.MORPH_OPEN, np.ones((side, side), np.uint8),
                             borderType=cv2.BORDER_CONSTANT, borderValue=0)  # a line on the image's edge is not thick
    count, labels = cv2.connectedComponents(thick, connectivity=8)
    if count <= 1:
        return thick
    outside = np.unique(labels[(thick > 0) & (line == 0)])
    return np.isin(labels, outside[outside > 0]).astype(np.uint8)
