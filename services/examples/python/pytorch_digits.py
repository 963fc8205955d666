"""A Tunelog trial in PyTorch: a small network on the UCI digits, one epoch per step, checkpointed every epoch.

A multilayer perceptron (64 inputs, one hidden ReLU layer, 10 outputs) trained by SGD with momentum on 75% of
the digits, validated on the rest. Configuration: lr (default 0.05), momentum (0.9), hidden (64), batch_size
(32), epochs (20) and minEpochSeconds (0), which pads an epoch to at least that long: an epoch takes a few tens
of milliseconds, and a PBT population should train side by side rather than one trial finishing before the next
has started. Each epoch reports val_accuracy, val_loss and the learning rate it trained with (lr), and saves the
model and the optimizer through tunelog.torch; a trial restored from a checkpoint goes on with the next epoch.
After a PBT exploit the checkpoint is the donor's and the configuration the explored one: the weights and the
optimizer's momentum come from the donor, the learning rate from the configuration.

Runs on Debian's python3-torch and python3-sklearn. By hand:
    PYTHONPATH=python /usr/bin/python3 services/examples/python/pytorch_digits.py
"""
import time

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import tunelog
import tunelog.torch

DEFAULTS = {"lr": 0.05, "momentum": 0.9, "hidden": 64, "batch_size": 32, "epochs": 20, "minEpochSeconds": 0}


def data():
    digits = load_digits()
    x_train, x_valid, y_train, y_valid = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    scaler = StandardScaler().fit(x_train)
    return (torch.tensor(scaler.transform(x_train), dtype=torch.float32), torch.tensor(y_train),
            torch.tensor(scaler.transform(x_valid), dtype=torch.float32), torch.tensor(y_valid))


def main():
    torch.set_num_threads(1)  # several trials share a few cores with the platform; one thread each is fastest overall
    config = tunelog.config(defaults=DEFAULTS)
    x_train, y_train, x_valid, y_valid = data()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, int(config["hidden"])), torch.nn.ReLU(),
                                torch.nn.Linear(int(config["hidden"]), 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=float(config["lr"]), momentum=float(config["momentum"]))
    first = tunelog.torch.restore(model, optimizer)
    batch = int(config["batch_size"])

    for epoch in range(first, int(config["epochs"]) + 1):
        began = time.monotonic()
        model.train()
        # Seeded by the epoch: a resumed trial shuffles as the uninterrupted one would have.
        order = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(epoch))
        for i in range(0, len(order), batch):
            rows = order[i:i + batch]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x_train[rows]), y_train[rows]).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            logits = model(x_valid)
            loss = torch.nn.functional.cross_entropy(logits, y_valid).item()
            accuracy = (logits.argmax(dim=1) == y_valid).float().mean().item()
        checkpoint = tunelog.torch.save(model, optimizer, epoch)
        time.sleep(max(0.0, float(config["minEpochSeconds"]) - (time.monotonic() - began)))
        tunelog.report(step=epoch, checkpoint=checkpoint, val_accuracy=accuracy, val_loss=loss,
                       lr=optimizer.param_groups[0]["lr"])


if __name__ == "__main__":
    main()
