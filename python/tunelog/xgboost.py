"""XGBoost training reported to Tunelog round by round, through a training callback.

xgboost is imported when ``TunelogCallback`` is first used, not with this module::

    import tunelog, tunelog.xgboost

    booster = xgboost.train(params, dtrain, num_boost_round=config["rounds"], evals=[(dvalid, "val")],
                            xgb_model=tunelog.xgboost.resume_model(),
                            callbacks=[tunelog.xgboost.TunelogCallback(checkpoint_every=5)])

Each boosting round is a step (the booster's round count, so a resumed booster counts on), reporting every
evaluation metric as ``<data>_<metric>`` (``val_mlogloss``).
"""

import os

import tunelog

#: The file a checkpoint directory holds: the booster, in XGBoost's JSON format.
MODEL_FILE = "model.json"

__all__ = ["TunelogCallback", "resume_model", "MODEL_FILE"]


def resume_model(trial=None):
    """The booster file to go on training (``xgboost.train(..., xgb_model=...)``), or None on a fresh start."""
    directory = (trial or tunelog._trial()).restore_dir()
    if directory is None:
        return None
    path = os.path.join(directory, MODEL_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError("checkpoint %s holds no %s (was it saved by TunelogCallback?)" % (directory, MODEL_FILE))
    return path


def _latest(scores):
    value = scores[-1]
    return value[0] if isinstance(value, tuple) else value  # xgboost.cv logs (mean, std)


def _make_callback_class():
    from xgboost.callback import TrainingCallback

    class TunelogCallback(TrainingCallback):
        """Reports each boosting round's evaluation metrics; every ``checkpoint_every`` rounds (0: never) it saves
        the booster into the round's checkpoint directory with the report."""

        def __init__(self, checkpoint_every=0, trial=None):
            super().__init__()
            if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or checkpoint_every < 0:
                raise ValueError("checkpoint_every must be a whole number of rounds, 0 for none, got %r" % (checkpoint_every,))
            self.checkpoint_every = checkpoint_every
            self.trial = trial

        def after_iteration(self, model, epoch, evals_log):
            trial = self.trial or tunelog._trial()
            # The booster's own count: a booster resumed from a checkpoint goes on from its rounds, where epoch restarts at 0.
            rounds = model.num_boosted_rounds() if hasattr(model, "num_boosted_rounds") else epoch + 1
            metrics = {"%s_%s" % (data, name): float(_latest(scores))
                       for data, by_name in evals_log.items() for name, scores in by_name.items()}
            checkpoint = None
            if self.checkpoint_every and rounds % self.checkpoint_every == 0:
                checkpoint = trial.checkpoint_dir(rounds)
                model.save_model(os.path.join(checkpoint, MODEL_FILE))
            trial.report(step=rounds, checkpoint=checkpoint, **metrics)
            return False  # never stops training itself: the scheduler's STOP ends the process

    return TunelogCallback


def __getattr__(name):
    # PEP 562: the class subclasses xgboost's, so it is made on first use and importing this module needs no xgboost.
    if name == "TunelogCallback":
        cls = _make_callback_class()
        globals()[name] = cls
        return cls
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
