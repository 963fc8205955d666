"""PyTorch models through Tunelog's checkpoints: save a model and its optimizer per step, resume from them.

torch is imported when a function is called, not with this module::

    import tunelog, tunelog.torch

    config = tunelog.config(defaults={"lr": 0.05, "epochs": 20})
    optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"])
    first = tunelog.torch.restore(model, optimizer)          # 1 on a fresh start
    for epoch in range(first, config["epochs"] + 1):
        accuracy = train_one_epoch(model, optimizer)
        tunelog.report(step=epoch, checkpoint=tunelog.torch.save(model, optimizer, epoch), val_accuracy=accuracy)
"""

import os

import tunelog

#: The file a checkpoint directory holds: the step, the model's and the optimizer's state, torch's random state.
FILE = "torch.pt"


def save(model, optimizer=None, step=None, trial=None):
    """Saves the model's (and the optimizer's) state into a fresh checkpoint directory for ``step`` (the next
    step unless given), and returns that directory, to pass to ``tunelog.report(checkpoint=...)``."""
    import torch

    trial = trial or tunelog._trial()
    step = trial.next_step() if step is None else step
    directory = trial.checkpoint_dir(step)
    state = {"step": int(step), "model": model.state_dict(), "rng": torch.get_rng_state()}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    torch.save(state, os.path.join(directory, FILE))
    return directory


def restore(model, optimizer=None, keep_hyperparameters=True, trial=None):
    """Loads the checkpoint the trial resumes from, if any, into the model (and the optimizer), and returns the
    step to train next: the checkpoint's step + 1, or 1 on a fresh start.

    With ``keep_hyperparameters`` (the default) the optimizer keeps the hyperparameters it was built with (its
    learning rate, momentum, ...) and takes only its state (momentum buffers, step counts) from the checkpoint:
    it was built from this attempt's ``tunelog.config()``, which after a PBT exploit is the explored configuration
    while the checkpoint is the donor's. Pass False to take the saved ones (a learning-rate schedule, say).
    """
    import torch

    trial = trial or tunelog._trial()
    directory = trial.restore_dir()
    if directory is None:
        return 1
    path = os.path.join(directory, FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError("checkpoint %s holds no %s (was it saved with tunelog.torch.save?)" % (directory, FILE))
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state["model"])
    if optimizer is not None:
        if "optimizer" not in state:
            raise ValueError("checkpoint %s holds no optimizer state" % directory)
        built = [{k: v for k, v in group.items() if k != "params"} for group in optimizer.param_groups]
        optimizer.load_state_dict(state["optimizer"])
        if keep_hyperparameters:
            for group, own in zip(optimizer.param_groups, built):
                group.update(own)
    torch.set_rng_state(state["rng"])
    return int(state["step"]) + 1
