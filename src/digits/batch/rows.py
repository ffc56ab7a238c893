"""The Parquet rows `digits batch` writes: one per input, with a fixed schema per mode.

Every block gets the same schema (a block of errors only included), so the
files of one job, and of a resumed one, read back as one table.
"""

from __future__ import annotations

import json

import pyarrow as pa

MODES = ("digit", "number")

_COMMON_HEAD = [pa.field("path", pa.string(), nullable=False)]
_COMMON_TAIL = [
    pa.field("reason", pa.string()),  # why no digit/number was answered (blank image, ...)
    pa.field("error", pa.string()),  # null unless the image could not be read
    pa.field("model", pa.string(), nullable=False),
    pa.field("answer", pa.string(), nullable=False),  # the whole answer, exactly as `predict/read --json` prints it
]
_CHARACTER = pa.struct([("char", pa.string()), ("confidence", pa.float64()), ("box", pa.list_(pa.int32()))])

SCHEMAS = {
    "digit": pa.schema([*_COMMON_HEAD, pa.field("digit", pa.int8()), pa.field("confidence", pa.float64()), *_COMMON_TAIL]),
    "number": pa.schema([*_COMMON_HEAD, pa.field("text", pa.string()), pa.field("confidence", pa.float64()),
                         pa.field("digits", pa.list_(_CHARACTER)), pa.field("review", pa.bool_()), *_COMMON_TAIL]),
}


def answers_table(answers: list[dict], mode: str, model: str) -> pa.Table:
    """The answers (as `predict`/`read` give them) as rows of the mode's schema."""
    schema = SCHEMAS[mode]
    columns: dict[str, list] = {name: [] for name in schema.names}
    for answer in answers:
        row = _flat(answer, mode)
        row.update(path=answer["path"], reason=answer.get("reason"), error=answer.get("error"), model=model,
                   answer=json.dumps(answer))
        for name in schema.names:
            columns[name].append(row.get(name))
    return pa.table(columns, schema=schema)


def _flat(answer: dict, mode: str) -> dict:
    if mode == "digit":
        return {"digit": answer.get("digit"), "confidence": answer.get("confidence")}
    if "error" in answer:
        return {}  # an unreadable image: the answer columns stay null
    characters = [{"char": d["char"], "confidence": d["confidence"], "box": d["box"]} if d else None  # None: an empty form box
                  for d in answer["digits"]]
    return {"text": answer["text"], "confidence": answer["confidence"], "digits": characters,
            "review": answer.get("review", False)}
