"""Batch reading on Ray Data: `digits batch`, the same job on one machine or a cluster.

The reading room does the work (the same decoding, preprocessing and ONNX
models as `digits predict`/`read`); this room only lists the inputs, spreads
them over Ray tasks and actors, and writes Parquet. Ray is an optional extra
(`pip install -e ".[cluster]"`), imported only when a job runs.
"""
