import pytest

from digits.data.mnist import load_mnist
from digits.evaluation.metrics import evaluate_probabilities
from digits.training.train import TrainConfig, predict_probabilities, train_model


@pytest.mark.integration
def test_mlp_on_real_mnist_passes_95_percent(real_mnist_dir):
    mnist = load_mnist(real_mnist_dir)
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    result = train_model(TrainConfig(model="mlp", epochs=2), mnist)
    evaluation = evaluate_probabilities(predict_probabilities(result.model, mnist.x_test), mnist.y_test)
    assert evaluation.accuracy >= 0.95
