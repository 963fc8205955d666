"""A Tunelog trial in Python: SGD on the UCI digits (scikit-learn), one epoch per step.

It speaks the worker protocol with nothing but the standard library: the configuration is JSON in
TUNELOG_CONFIG, each report is one JSON line on stdout, a checkpoint is a directory inside
TUNELOG_CHECKPOINT_DIR named in the report's "checkpoint" field, and TUNELOG_RESTORE_FROM names the
checkpoint to resume from.
"""
import json
import os
import pickle
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def report(step, checkpoint=None, **metrics):
    line = {"step": step, **metrics}
    if checkpoint:
        line["checkpoint"] = checkpoint
    print(json.dumps(line), flush=True)


def main():
    config = json.loads(os.environ.get("TUNELOG_CONFIG", "{}"))
    checkpoint_dir = os.environ.get("TUNELOG_CHECKPOINT_DIR", ".")
    restore_from = os.environ.get("TUNELOG_RESTORE_FROM")
    epochs = int(config.get("epochs", 20))
    checkpoint_every = int(config.get("checkpointEvery", 5))

    digits = load_digits()
    x_train, x_valid, y_train, y_valid = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid = scaler.transform(x_train), scaler.transform(x_valid)
    classes = np.unique(digits.target)

    model = SGDClassifier(
        loss=config.get("loss", "hinge"), penalty=config.get("penalty", "l2"),
        alpha=float(config.get("alpha", 0.0001)), learning_rate="constant",
        eta0=float(config.get("eta0", 0.01)), random_state=0)
    first_epoch = 1
    if restore_from:
        with open(os.path.join(restore_from, "model.pkl"), "rb") as f:
            model, done = pickle.load(f)
        first_epoch = done + 1

    rng = np.random.RandomState(0)
    for epoch in range(first_epoch, epochs + 1):
        order = rng.permutation(len(x_train))
        model.partial_fit(x_train[order], y_train[order], classes=classes)
        accuracy = float(model.score(x_valid, y_valid))
        checkpoint = None
        if epoch % checkpoint_every == 0 or epoch == epochs:
            checkpoint = "checkpoint_%06d" % epoch
            path = os.path.join(checkpoint_dir, checkpoint)
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, "model.pkl"), "wb") as f:
                pickle.dump((model, epoch), f)
        report(epoch, checkpoint, val_accuracy=accuracy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
