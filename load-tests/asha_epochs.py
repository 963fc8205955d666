"""A Tunelog trial for the ASHA epoch benchmark (load-tests/real-use-asha-epochs.sh).

A small scikit-learn MLPClassifier on the UCI digits, one epoch (one partial_fit pass over the training set)
per report through the Python helper: tunelog.report(step=epoch, val_accuracy=...), which at a rung waits for the
scheduler's decision. Each epoch is padded with a sleep to epochSeconds in all (default 0.05; the training itself
takes 3-8 ms on an idle core here), so that an epoch is long next to the platform's own delays, as in real tuning,
and a scheduler's delay can be counted in epochs.

Besides its reports, it records every epoch it actually trained as a plain stdout line, written just before
that epoch's report: how long the epoch took in all and training (fit and score, before the padding), and
when it ended (Unix seconds, to set beside the log's times), e.g.
    trained epoch 7 in 50.3 ms (4.1 training), ended at 1796657215.123456
The worker keeps non-report lines in the attempt's stdout.log, so the benchmark can count epochs trained after
a STOP, which the log cannot show (the gate refuses a stopped trial's reports). It does not handle SIGTERM:
a stopped trial dies at once, and the epochs it recorded are those it trained.

Configuration (tunelog.config()): epochs (18), learning_rate_init (0.001), hidden (64 units, one layer), alpha
(0.0001), epochSeconds (0.05), seed (0). No checkpoints: a retried attempt starts again from epoch 1 (and its
epochs count too).
"""
import os
import sys
import time

import tunelog

# One thread per trial: several trials share two cores, and BLAS threads would only fight over them.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    config = tunelog.config()
    epochs = int(config.get("epochs", 18))
    epoch_seconds = float(config.get("epochSeconds", 0.05))
    if epochs < 1 or epoch_seconds < 0:
        raise SystemExit("asha_epochs.py: epochs must be positive and epochSeconds not negative, got %r" % config)

    digits = load_digits()
    x_train, x_valid, y_train, y_valid = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid = scaler.transform(x_train), scaler.transform(x_valid)
    classes = np.unique(digits.target)
    model = MLPClassifier(
        hidden_layer_sizes=(int(config.get("hidden", 64)),),
        learning_rate_init=float(config.get("learning_rate_init", 0.001)),
        alpha=float(config.get("alpha", 0.0001)),
        random_state=int(config.get("seed", 0)))

    for epoch in range(1, epochs + 1):
        began = time.monotonic()
        model.partial_fit(x_train, y_train, classes=classes)
        accuracy = float(model.score(x_valid, y_valid))
        training = time.monotonic() - began
        time.sleep(max(0.0, epoch_seconds - training))
        emit("trained epoch %d in %.1f ms (%.1f training), ended at %.6f"
             % (epoch, 1000 * (time.monotonic() - began), 1000 * training, time.time()))
        tunelog.report(step=epoch, val_accuracy=accuracy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
