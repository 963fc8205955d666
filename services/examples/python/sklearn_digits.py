"""A Tunelog trial in Python: a linear classifier trained by SGD (scikit-learn) on the UCI digits.

One epoch (one partial_fit pass over the shuffled training set) per step. It speaks the worker protocol
with nothing but the standard library, numpy and scikit-learn:

- the configuration is a JSON object in TUNELOG_CONFIG, or in the file TUNELOG_CONFIG_FILE names (a worker
  always writes the file, and leaves the variable out when the configuration is too large for the
  environment): epochs (default 20), alpha (1e-4), eta0 (0.01),
  learning_rate (constant), loss (hinge), penalty (l2), l1_ratio (0.15), checkpointEvery (5), and
  minEpochSeconds (0): an epoch here takes milliseconds, and this pads each to at least that long, so that a
  demonstration (or the Slurm test) can preempt a trial mid-run and watch it resume from its checkpoint;
- each report is one JSON line on stdout, flushed: {"step": 3, "val_accuracy": 0.91};
- every checkpointEvery epochs, and after the last, the model is pickled into the directory
  checkpoint_<epoch, 6 digits> inside TUNELOG_CHECKPOINT_DIR, and that epoch's report line names it:
  {"step": 5, "val_accuracy": 0.94, "checkpoint": "checkpoint_000005"};
- when TUNELOG_RESTORE_FROM names such a directory, training resumes with the epoch after it.

The split (75/25, stratified, fixed seed) and each epoch's shuffle (seeded by the epoch number) are
deterministic, so a resumed trial continues exactly as an uninterrupted one would.
"""
import json
import os
import pickle
import shutil
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

MODEL_FILE = "model.pkl"


def report(step, checkpoint=None, **metrics):
    """Writes one report line: the step, the metrics and, optionally, the checkpoint directory's name."""
    line = {"step": step, **metrics}
    if checkpoint:
        line["checkpoint"] = checkpoint
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def save_checkpoint(checkpoint_dir, epoch, model):
    """Pickles the model into checkpoint_<epoch>; the directory appears whole (written aside, then renamed)."""
    name = "checkpoint_%06d" % epoch
    target = os.path.join(checkpoint_dir, name)
    partial = os.path.join(checkpoint_dir, "." + name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    with open(os.path.join(partial, MODEL_FILE), "wb") as f:
        pickle.dump({"epoch": epoch, "model": model}, f)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    return name


def read_config():
    """The configuration from TUNELOG_CONFIG or, when that is absent, from the file TUNELOG_CONFIG_FILE names."""
    if os.environ.get("TUNELOG_CONFIG"):
        return json.loads(os.environ["TUNELOG_CONFIG"])
    if os.environ.get("TUNELOG_CONFIG_FILE"):
        with open(os.environ["TUNELOG_CONFIG_FILE"], encoding="utf-8") as f:
            return json.load(f)
    return {}


def main():
    config = read_config()
    checkpoint_dir = os.environ.get("TUNELOG_CHECKPOINT_DIR") or "."
    restore_from = os.environ.get("TUNELOG_RESTORE_FROM")
    epochs = int(config.get("epochs", 20))
    checkpoint_every = int(config.get("checkpointEvery", 5))
    min_epoch_seconds = float(config.get("minEpochSeconds", 0))
    if epochs < 1 or checkpoint_every < 1:
        raise SystemExit("epochs and checkpointEvery must be positive")
    if min_epoch_seconds < 0:
        raise SystemExit("minEpochSeconds must not be negative")

    digits = load_digits()
    x_train, x_valid, y_train, y_valid = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid = scaler.transform(x_train), scaler.transform(x_valid)
    classes = np.unique(digits.target)

    if restore_from:
        with open(os.path.join(restore_from, MODEL_FILE), "rb") as f:
            saved = pickle.load(f)
        model, done = saved["model"], saved["epoch"]
    else:
        model = SGDClassifier(
            loss=config.get("loss", "hinge"),
            penalty=config.get("penalty", "l2"),
            alpha=float(config.get("alpha", 0.0001)),
            l1_ratio=float(config.get("l1_ratio", 0.15)),
            learning_rate=config.get("learning_rate", "constant"),
            eta0=float(config.get("eta0", 0.01)),
            random_state=0)
        done = 0

    for epoch in range(done + 1, epochs + 1):
        began = time.monotonic()
        order = np.random.RandomState(epoch).permutation(len(x_train))
        model.partial_fit(x_train[order], y_train[order], classes=classes)
        accuracy = float(model.score(x_valid, y_valid))
        checkpoint = None
        if epoch % checkpoint_every == 0 or epoch == epochs:
            checkpoint = save_checkpoint(checkpoint_dir, epoch, model)
        time.sleep(max(0.0, min_epoch_seconds - (time.monotonic() - began)))
        report(epoch, checkpoint, val_accuracy=accuracy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
