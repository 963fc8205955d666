"""A Tunelog trial in Python: a linear classifier trained by SGD (scikit-learn) on the UCI digits.

One epoch (one partial_fit pass over the shuffled training set) per step, reported through the tunelog helper
(python/tunelog, which the worker puts on PYTHONPATH). Configuration: epochs (default 20), alpha (1e-4), eta0
(0.01), learning_rate (constant), loss (hinge), penalty (l2), l1_ratio (0.15), checkpointEvery (5), and
minEpochSeconds (0): an epoch here takes milliseconds, and this pads each to at least that long, so that a
demonstration (or the Slurm test) can preempt a trial mid-run and watch it resume from its checkpoint.

Every checkpointEvery epochs, and after the last, the model is pickled into that epoch's checkpoint directory;
a trial restored from one goes on with the next epoch. The split (75/25, stratified, fixed seed) and each epoch's
shuffle (seeded by the epoch number) are deterministic, so a resumed trial continues exactly as an uninterrupted
one would. By hand: PYTHONPATH=python /usr/bin/python3 services/examples/python/sklearn_digits.py
"""
import os
import pickle
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import tunelog

DEFAULTS = {"epochs": 20, "alpha": 0.0001, "eta0": 0.01, "learning_rate": "constant", "loss": "hinge",
            "penalty": "l2", "l1_ratio": 0.15, "checkpointEvery": 5, "minEpochSeconds": 0}
MODEL_FILE = "model.pkl"


def main():
    config = tunelog.config(defaults=DEFAULTS)
    epochs, checkpoint_every = int(config["epochs"]), int(config["checkpointEvery"])
    min_epoch_seconds = float(config["minEpochSeconds"])
    if epochs < 1 or checkpoint_every < 1:
        raise SystemExit("epochs and checkpointEvery must be positive")
    if min_epoch_seconds < 0:
        raise SystemExit("minEpochSeconds must not be negative")

    digits = load_digits()
    x_train, x_valid, y_train, y_valid = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid = scaler.transform(x_train), scaler.transform(x_valid)

    if tunelog.restore_dir():
        with open(os.path.join(tunelog.restore_dir(), MODEL_FILE), "rb") as f:
            model = pickle.load(f)
    else:
        model = SGDClassifier(loss=config["loss"], penalty=config["penalty"], alpha=float(config["alpha"]),
                              l1_ratio=float(config["l1_ratio"]), learning_rate=config["learning_rate"],
                              eta0=float(config["eta0"]), random_state=0)

    for epoch in range(tunelog.next_step(), epochs + 1):
        began = time.monotonic()
        order = np.random.RandomState(epoch).permutation(len(x_train))
        model.partial_fit(x_train[order], y_train[order], classes=np.unique(digits.target))
        checkpoint = None
        if epoch % checkpoint_every == 0 or epoch == epochs:
            checkpoint = tunelog.checkpoint_dir(epoch)
            with open(os.path.join(checkpoint, MODEL_FILE), "wb") as f:
                pickle.dump(model, f)
        time.sleep(max(0.0, min_epoch_seconds - (time.monotonic() - began)))
        tunelog.report(step=epoch, checkpoint=checkpoint, val_accuracy=float(model.score(x_valid, y_valid)))


if __name__ == "__main__":
    main()
