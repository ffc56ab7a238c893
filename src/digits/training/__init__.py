"""The training room: the model registry, augmentation, fitting, Keras progress bars and
ONNX export. The only room that imports Keras (and through it TensorFlow)."""
