"""The evaluation room: scores from probabilities and labels, the figures practitioners
expect, and the written report. Framework-free: it never imports Keras or ONNX Runtime."""
