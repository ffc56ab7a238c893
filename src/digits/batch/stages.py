"""The two stages of a batch job, as plain functions on Arrow tables (Ray runs them; tests call them directly).

`prepare_rows` is a CPU task: read each image, decode it and find its digit or
lines, exactly as `digits predict`/`read` do. `Scorer` is an actor: it loads the
ONNX model once and scores whole batches of prepared images.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import cv2
import pyarrow as pa

from digits.batch.rows import answers_table
from digits.batch.sources import filesystem_for, is_uri
from digits.errors import DigitsError, ImageError, first_line
from digits.reading.decode import MAX_FILE_BYTES
from digits.reading.predictor import load_line_reader, load_predictor
from digits.reading.recognize import prepare, score_or_error

PREPARED = pa.schema([("path", pa.string()), ("error", pa.string()), ("prepared", pa.binary())])


def prepare_rows(batch: pa.Table, mode: str, column: str | None = None, hash_labels: bool = False,
                 skip: frozenset[str] = frozenset()) -> pa.Table:
    """(path, error, prepared) per input row: the image read and prepared, pickled for the scorer, or why not.

    Rows come with a `path` (an image file or URI) or, from Parquet, the image's bytes in `column` (with
    `hash_labels`, `path` is the Parquet file's and each row is named by it and its content's hash).
    Rows whose label is in `skip` (answered by an earlier run) are left out.
    A bad image is an error row, never a failed task."""
    cv2.setNumThreads(1)  # one task per CPU slot: OpenCV's own thread pool would only fight the other tasks
    labels = batch.column("path").to_pylist()
    data = batch.column(column).to_pylist() if column else [None] * len(labels)
    if hash_labels:
        labels = [content_label(file, content) for file, content in zip(labels, data)]
    if skip:
        kept = [i for i, label in enumerate(labels) if label not in skip]
        labels, data = [labels[i] for i in kept], [data[i] for i in kept]
    errors, blobs = [], []
    for label, content in zip(labels, data):
        try:
            source = (content or b"") if column else _source(label)  # a null cell reads as an empty file
            prepared = prepare(source, row=mode == "number", name=label)[1]
            errors.append(None)
            blobs.append(pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))
        except ImageError as exc:
            errors.append(str(exc))
            blobs.append(None)
        except Exception as exc:  # a decoder or OpenCV failing in a way nobody foresaw: one row, not a million
            errors.append(f"{label}: could not be read ({first_line(exc)})")
            blobs.append(None)
    return pa.table({"path": labels, "error": errors, "prepared": blobs}, schema=PREPARED)


def content_label(file: str, content: bytes | None) -> str:
    """The label of an image stored in a Parquet file without a path column: the file and a hash of its bytes."""
    return f"{file}#{hashlib.sha1(content or b'').hexdigest()[:16]}"


def _source(label: str) -> Path | bytes:
    """A local path as a Path (the decoder checks it is a regular file), a URI as its bytes."""
    if not is_uri(label):
        return Path(label)
    try:
        filesystem, path = filesystem_for(label)
        if filesystem.get_file_info(path).size > MAX_FILE_BYTES:
            raise ImageError(f"{label}: larger than {MAX_FILE_BYTES // 2**20} MB")
        with filesystem.open_input_stream(path) as stream:
            return stream.read()
    except (ImageError, DigitsError) as exc:
        raise ImageError(str(exc)) from None
    except Exception as exc:  # each file system raises its own types
        raise ImageError(f"{label}: cannot read ({first_line(exc)})") from None


class Scorer:
    """Scores prepared rows with the digit model (mode "digit") or the number reader (mode "number").

    Ray keeps one per actor, so each actor loads its model once."""

    def __init__(self, mode: str, model: str | None = None, min_confidence: float = 0.0):
        path = Path(model) if model else None
        self.mode, self.min_confidence = mode, min_confidence
        # One thread each: the actors share the cores with the preparation tasks.
        if mode == "number":
            # Read mode's digit model (refusals, second opinions, form fields) is the shipped one, as in `digits read`.
            self.predictor, self.reader = load_predictor(threads=1, spin=False), load_line_reader(path, threads=1, spin=False)
            self.model_name = self.reader.card.name
        else:
            self.predictor, self.reader = load_predictor(path, threads=1, spin=False), None
            self.model_name = self.predictor.card.name

    def __call__(self, batch: pa.Table) -> pa.Table:
        labels = batch.column("path").to_pylist()
        errors = batch.column("error").to_pylist()
        blobs = batch.column("prepared").to_pylist()
        # (label, error message) or (label, what was prepared): the reading room's own batch scoring keeps errors in place
        items = [(label, error if error is not None else pickle.loads(blob)) for label, error, blob in zip(labels, errors, blobs)]
        answers = score_or_error(items, self.predictor, self.reader, self.min_confidence)
        return answers_table(answers, self.mode, self.model_name)
