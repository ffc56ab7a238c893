"""The data room: MNIST (download, checks, loading, the validation split), IDX files,
realistic renderings of digits, a tiny generated MNIST for tests and smoke runs, and
the corrections users send. NumPy, OpenCV and Pillow only; never Keras."""
