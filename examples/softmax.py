"""Multinomial logistic regression (a softmax classifier) in numpy, trained by minibatch SGD.

Small enough to read in a minute and to train in about a second on a laptop CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def features(counts: FloatArray) -> FloatArray:
    """log(1 + count) per word, scaled to unit length: long posts do not dominate."""
    x = np.log1p(counts)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    scaled: FloatArray = x / np.maximum(norms, 1e-12)
    return scaled


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)  # no overflow in exp
    e = np.exp(shifted)
    probs: FloatArray = e / e.sum(axis=1, keepdims=True)
    return probs


def cross_entropy(probs: FloatArray, y: IntArray) -> float:
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12))))


@dataclass
class Model:
    weights: FloatArray  # (features, classes)
    bias: FloatArray  # (classes,)

    def predict_proba(self, x: FloatArray) -> FloatArray:
        return softmax(x @ self.weights + self.bias)


@dataclass(frozen=True)
class LogRow:
    step: int
    loss: float
    val_loss: float
    accuracy: float  # on the validation set


@dataclass
class Training:
    model: Model
    log: list[LogRow] = field(default_factory=list)


def train(
    x: FloatArray,
    y: IntArray,
    x_val: FloatArray,
    y_val: IntArray,
    *,
    classes: int,
    rng: np.random.Generator,
    epochs: int = 15,
    batch_size: int = 64,
    learning_rate: float = 2.0,
    momentum: float = 0.9,
    weight_decay: float = 1e-4,
    log_every: int = 25,
) -> Training:
    """Minibatch SGD with momentum and a decaying step size.

    Logs the running training loss and the validation loss and accuracy every ``log_every``
    steps.
    """
    model = Model(rng.normal(0.0, 0.01, size=(x.shape[1], classes)), np.zeros(classes))
    vw = np.zeros_like(model.weights)
    vb = np.zeros_like(model.bias)
    onehot = np.eye(classes)[y]
    result = Training(model)
    step = 0
    total_steps = epochs * -(-len(y) // batch_size)
    recent: list[float] = []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            probs = model.predict_proba(x[batch])
            recent.append(cross_entropy(probs, y[batch]))
            # Gradient of the mean cross-entropy with respect to the logits is (p - onehot) / n.
            grad_logits = (probs - onehot[batch]) / len(batch)
            gw = x[batch].T @ grad_logits + weight_decay * model.weights
            gb = grad_logits.sum(axis=0)
            # Linear decay to zero: the last steps settle instead of bouncing between batches.
            lr = learning_rate * (1.0 - step / total_steps)
            vw = momentum * vw - lr * gw
            vb = momentum * vb - lr * gb
            model.weights += vw
            model.bias += vb
            if step % log_every == 0:
                val_probs = model.predict_proba(x_val)
                result.log.append(
                    LogRow(
                        step=step,
                        loss=float(np.mean(recent)),
                        val_loss=cross_entropy(val_probs, y_val),
                        accuracy=float(np.mean(val_probs.argmax(axis=1) == y_val)),
                    )
                )
                recent = []
            step += 1
    return result
