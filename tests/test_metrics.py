import numpy as np
import pytest

from digits.evaluation.metrics import evaluate_probabilities
from digits.evaluation.report import write_evaluation


def _one_hot(indices):
    probs = np.full((len(indices), 10), 0.01)
    probs[np.arange(len(indices)), indices] = 0.91
    return probs


def test_scores_count_every_mistake():
    labels = np.array([0, 1, 2, 3, 9, 9, 9, 4])
    predicted = np.array([0, 1, 2, 3, 4, 4, 7, 4])
    evaluation = evaluate_probabilities(_one_hot(predicted), labels)
    assert evaluation.accuracy == pytest.approx(5 / 8)
    assert evaluation.errors == 3
    assert evaluation.confusion[9, 4] == 2 and evaluation.confusion.sum() == 8
    assert evaluation.confused_pairs[0] == (9, 4, 2)
    assert evaluation.confused_pairs[1] == (9, 7, 1)
    assert list(evaluation.misclassified) == [4, 5, 6]
    nine = evaluation.per_class[9]
    assert nine["recall"] == 0 and nine["support"] == 3
    assert evaluation.per_class[4]["precision"] == pytest.approx(1 / 3)
    expected_loss = -(5 * np.log(0.91) + 3 * np.log(0.01)) / 8
    assert evaluation.loss == pytest.approx(expected_loss)


def test_report_files_are_written(tmp_path):
    labels = np.array([0, 1, 2, 7])
    evaluation = evaluate_probabilities(_one_hot(np.array([0, 1, 2, 1])), labels)
    images = np.zeros((4, 28, 28), dtype=np.uint8)
    paths = write_evaluation(evaluation, images, labels, tmp_path, title="demo")
    for path in paths.values():
        assert path.stat().st_size > 0
    report = paths["report.md"].read_text()
    assert "75.00%" in report and "| 7 | 1 | 1 |" in report and "confusion.png" in report


def test_figures_name_the_model_and_errors_carry_the_colour():
    from digits.evaluation.plots import plot_confusion

    matrix = np.diag([100] * 10)
    matrix[4, 9] = 7
    figure = plot_confusion(matrix, title="cnn_deep")
    ax = figure.axes[0]
    assert "cnn_deep" in ax.get_title()
    colours = ax.collections[0].get_array().reshape(10, 10)
    assert colours[4, 9] == colours.max() > 0 and colours[4, 4] == 0  # the error is the strongest colour
    assert {t.get_text() for t in ax.texts} >= {"100", "7"}  # every count is written
