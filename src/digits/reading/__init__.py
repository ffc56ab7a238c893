"""The reading room: decode a user's image, find and normalise its digits, score them with
ONNX Runtime, explain what the model saw. Everything inference needs; it never imports
Keras or TensorFlow (import-linter checks it)."""
