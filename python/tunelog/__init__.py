"""Tunelog's helper for Python trials: the worker's report protocol, with nothing but the standard library.

A worker runs a trial with this package first on its PYTHONPATH, so ``import tunelog`` needs no install::

    import tunelog

    config = tunelog.config(defaults={"lr": 0.1, "epochs": 10})
    for epoch in range(1, config["epochs"] + 1):
        accuracy = train_one_epoch(config["lr"])
        directory = tunelog.checkpoint_dir(epoch)
        save_model(directory)
        tunelog.report(step=epoch, checkpoint=directory, val_accuracy=accuracy)

Under a worker (``TUNELOG_CHECKPOINT_DIR`` is set) each report is one JSON line on stdout, as the worker reads
them: ``{"step": 3, "val_accuracy": 0.91, "checkpoint": "checkpoint_000003"}``. Run by hand, the same trial reads
its configuration from the file ``TUNELOG_CONFIG_FILE`` names or from the defaults it passes, prints each report
as a readable line and writes checkpoints under a temporary directory, so it can be debugged without the platform.
"""

import json
import math
import numbers
import os
import re
import shutil
import sys
import tempfile
import threading
from time import monotonic as _monotonic, sleep as _sleep

__version__ = "0.1.0"

__all__ = [
    "Trial", "ConfigError", "config", "report", "checkpoint_dir", "restore_dir", "restore_step", "next_step",
    "trial_id", "experiment_id", "attempt", "under_worker",
]

#: Written into each reported checkpoint: the step it was reported with, so that a resumed trial counts on from it.
MARKER = ".tunelog.json"
_NAMED = re.compile(r"^checkpoint_(\d+)$")


class ConfigError(ValueError):
    """The configuration the worker (or the user) gave cannot be read."""


class Trial:
    """One trial's side of the worker protocol, read from an environment (``os.environ`` unless given).

    The module's functions use one of these for the whole process; make your own to test trial code, with the
    environment it should see and a stream to print reports to.
    """

    def __init__(self, environ=None, stdout=None):
        self._env = dict(os.environ if environ is None else environ)
        self._stdout = stdout
        self._lock = threading.RLock()
        self._config = None
        self._last_step = None
        self._local_root = None
        hold_at = self._env.get("TUNELOG_HOLD_AT")
        self._next_hold = float(hold_at) if hold_at and self._env.get("TUNELOG_HOLD_DIR") else None

    # ---- who and where ----

    def under_worker(self):
        """Whether a worker runs this trial: it always sets TUNELOG_CHECKPOINT_DIR; by hand it is unset."""
        return bool(self._env.get("TUNELOG_CHECKPOINT_DIR"))

    def trial_id(self):
        """The trial's id (``trial-00003``), or None when not run by a worker."""
        return self._env.get("TUNELOG_TRIAL_ID") or None

    def experiment_id(self):
        """The experiment's id, or None when not run by a worker."""
        return self._env.get("TUNELOG_EXPERIMENT_ID") or None

    def attempt(self):
        """Which attempt of the trial this is: 1 first, more after a retry, a resume or a PBT exploit; 1 by hand."""
        value = self._env.get("TUNELOG_ATTEMPT")
        if not value:
            return 1
        try:
            return int(value)
        except ValueError:
            raise ValueError("TUNELOG_ATTEMPT is %r, not a whole number" % value) from None

    # ---- configuration ----

    def config(self, defaults=None):
        """The trial's configuration as a new dict: ``defaults`` overridden by what the worker (or the user) gave.

        That is the JSON object in the file TUNELOG_CONFIG_FILE names (a worker always writes it), else the one in
        TUNELOG_CONFIG, else nothing: run by hand without either, the defaults are the configuration.
        """
        with self._lock:
            if self._config is None:
                self._config = self._read_config()
        merged = dict(defaults or {})
        merged.update(self._config)
        return merged

    def _read_config(self):
        path = self._env.get("TUNELOG_CONFIG_FILE")
        if path:
            where = "TUNELOG_CONFIG_FILE " + path
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise ConfigError("%s cannot be read: %s" % (where, e.strerror or e)) from None
        elif self._env.get("TUNELOG_CONFIG"):
            where, text = "TUNELOG_CONFIG", self._env["TUNELOG_CONFIG"]
        else:
            return {}
        try:
            value = json.loads(text)
        except ValueError as e:
            raise ConfigError("%s is not JSON: %s" % (where, e)) from None
        if not isinstance(value, dict):
            raise ConfigError("%s holds a JSON %s, not an object" % (where, type(value).__name__))
        return value

    # ---- steps ----

    def next_step(self):
        """The step the next report gets when it names none: one past the last reported, or past the restored one."""
        with self._lock:
            if self._last_step is not None:
                return self._last_step + 1
            restored = self.restore_step()
            return 1 if restored is None else restored + 1

    @staticmethod
    def _whole(step):
        # bool is an int to Python, but True is no step; numpy's integers register as numbers.Integral.
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError("step must be a non-negative whole number, got %r" % (step,))
        return int(step)

    # ---- checkpoints ----

    def checkpoint_root(self):
        """Where this attempt's checkpoints go: TUNELOG_CHECKPOINT_DIR, or by hand a temporary directory."""
        root = self._env.get("TUNELOG_CHECKPOINT_DIR")
        if root:
            return root
        with self._lock:
            if self._local_root is None:
                self._local_root = tempfile.mkdtemp(prefix="tunelog-checkpoints-")
                self._notice("not under a worker (no TUNELOG_CHECKPOINT_DIR): checkpoints go to " + self._local_root)
            return self._local_root

    def checkpoint_dir(self, step=None):
        """A new, empty directory for the checkpoint of ``step`` (the next step unless given), to pass to report().

        It is ``checkpoint_<step, six digits>`` inside the checkpoint root; one left from an earlier call for the same
        step is emptied. Each attempt has a root of its own, so no other attempt's checkpoint is ever touched.
        """
        with self._lock:
            step = self.next_step() if step is None else self._whole(step)
            path = os.path.join(self.checkpoint_root(), "checkpoint_%06d" % step)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.remove(path)
            os.makedirs(path)
            return path

    def restore_dir(self):
        """The checkpoint directory to resume from (TUNELOG_RESTORE_FROM), or None on a fresh start.

        After a PBT exploit it is the donor trial's checkpoint, while config() holds the explored configuration.
        """
        path = self._env.get("TUNELOG_RESTORE_FROM")
        if not path:
            return None
        if not os.path.isdir(path):
            raise FileNotFoundError("TUNELOG_RESTORE_FROM %s is not a directory (is the checkpoint storage shared "
                                    "with this worker?)" % path)
        return path

    def restore_step(self):
        """The step the restored checkpoint was reported with, or None on a fresh start (or when it cannot be told)."""
        path = self.restore_dir()
        if path is None:
            return None
        try:
            with open(os.path.join(path, MARKER), encoding="utf-8") as f:
                return self._whole(json.load(f)["step"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # written by other code than this helper: its name may still say
        named = _NAMED.match(os.path.basename(os.path.normpath(path)))
        return int(named.group(1)) if named else None

    def _confine(self, checkpoint):
        """The checkpoint's resolved path and its path relative to the root, or ValueError saying why the worker would
        refuse it.

        The worker registers only a directory strictly inside the root, as written and as resolved, holding no link
        that leads out of it; refusing here makes the mistake show where it is made rather than in the worker's log.
        """
        root = self.checkpoint_root()
        written = os.fspath(checkpoint)
        path = os.path.normpath(os.path.join(root, written))  # a relative name is inside the root, as for the worker
        real_root = os.path.realpath(root)
        real = os.path.realpath(path)
        inside = os.path.commonpath([os.path.abspath(root), os.path.abspath(path)]) == os.path.abspath(root)
        if not inside or os.path.abspath(path) == os.path.abspath(root):
            raise ValueError("checkpoint %s is not inside the checkpoint directory %s (use tunelog.checkpoint_dir())"
                             % (written, root))
        if not os.path.isdir(real):
            raise ValueError("checkpoint %s is not a directory" % written)
        if os.path.commonpath([real_root, real]) != real_root or real == real_root:
            raise ValueError("checkpoint %s leads out of %s through a symbolic link" % (written, root))
        for parent, dirs, files in os.walk(real):
            for name in dirs + files:
                link = os.path.join(parent, name)
                if os.path.islink(link) and os.path.commonpath([real_root, os.path.realpath(link)]) != real_root:
                    raise ValueError("checkpoint %s holds %s, a symbolic link out of %s"
                                     % (written, os.path.relpath(link, real), root))
        return real, os.path.relpath(real, real_root)

    # ---- reports ----

    def report(self, step=None, checkpoint=None, **metrics):
        """Reports the metrics of ``step`` (the next step unless given) and, optionally, a checkpoint directory.

        Each metric must be a finite number: a NaN, an infinity or anything else raises ValueError naming it, here
        rather than as a line the worker refuses. Steps must increase within an attempt. Returns the step reported.
        """
        with self._lock:
            step = self.next_step() if step is None else self._whole(step)
            if self._last_step is not None and step <= self._last_step:
                raise ValueError("step %d is not above the last reported step %d: steps must increase" % (step, self._last_step))
            line = {"step": step}
            for name, value in metrics.items():
                line[name] = _metric(name, value)
            if checkpoint is not None:
                real, relative = self._confine(checkpoint)
                # Before the line: the registry archives the directory as it is once the worker reads the line.
                with open(os.path.join(real, MARKER), "w", encoding="utf-8") as f:
                    json.dump({"step": step}, f)
                line["checkpoint"] = relative
            self._write(line, checkpoint)
            self._last_step = step
            self._wait_if_held(step, line)
            return step

    # ---- holds ----

    #: How long report() waits for the worker's answer at a milestone: past the worker's own limit (60 s).
    HOLD_LIMIT_SECONDS = 90.0

    def _wait_if_held(self, step, line):
        """At a report the scheduler's rule judges (an ASHA rung, a PBT perturbation, ...), waits for its decision.

        The worker says where: TUNELOG_HOLD_AT, the time of the next milestone, and TUNELOG_HOLD_ATTR, the metric
        that is a report's time (absent: the step). It answers in TUNELOG_HOLD_DIR/<step>.json, so the trial trains
        no step past a milestone the scheduler stops it at: on "stop" the process exits here, quietly.
        """
        at = self._next_hold
        if at is None:
            return
        attr = self._env.get("TUNELOG_HOLD_ATTR")
        time_ = step if not attr else line.get(attr)
        if time_ is None or time_ < at:
            return
        path = os.path.join(self._env["TUNELOG_HOLD_DIR"], "%d.json" % step)
        deadline = _monotonic() + self.HOLD_LIMIT_SECONDS
        pause = 0.001
        while not os.path.exists(path):
            if _monotonic() > deadline:
                self._notice("no answer from the worker to the report of step %d; going on without holds" % step)
                self._next_hold = None
                return
            _sleep(pause)
            pause = min(pause * 2, 0.02)
        with open(path, encoding="utf-8") as f:
            answer = json.load(f)
        if answer.get("action") == "stop":
            sys.stdout.flush()
            raise SystemExit(0)
        self._next_hold = answer.get("holdAt")

    def _write(self, line, checkpoint):
        out = self._stdout if self._stdout is not None else sys.stdout
        if self.under_worker():
            # One line, flushed at once: the worker reads reports as they come, and may hold the trial at this one.
            text = json.dumps(line, allow_nan=False, separators=(", ", ": "))
        else:
            parts = ["%s=%s" % (k, _readable(v)) for k, v in line.items() if k not in ("step", "checkpoint")]
            if checkpoint is not None:
                parts.append("checkpoint=" + os.path.join(self.checkpoint_root(), line["checkpoint"]))
            text = "[tunelog] step %d  %s" % (line["step"], "  ".join(parts))
        out.write(text + "\n")
        out.flush()

    def _notice(self, text):
        sys.stderr.write("[tunelog] %s\n" % text)
        sys.stderr.flush()


def _metric(name, value):
    if not name:
        raise ValueError("a metric needs a name")
    # numpy's scalars register as numbers.Real; arrays and tensors do not (call .item()).
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError("metric %s is %s, not a number" % (name, _short(value)))
    try:
        number = int(value) if isinstance(value, numbers.Integral) else float(value)
        finite = math.isfinite(number)
    except OverflowError:
        finite = False
    if not finite:
        raise ValueError("metric %s is %s, not a finite number" % (name, _short(value)))
    return number


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _readable(value):
    return "%d" % value if isinstance(value, int) else "%.6g" % value


_default = None
_default_lock = threading.Lock()


def _trial():
    """The process's trial, read from os.environ at first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Trial()
        return _default


def config(defaults=None):
    """The trial's configuration: ``defaults`` overridden by the worker's (TUNELOG_CONFIG_FILE or TUNELOG_CONFIG)."""
    return _trial().config(defaults)


def report(step=None, checkpoint=None, **metrics):
    """Reports metrics of a step (counted on from the last when omitted), optionally with a checkpoint directory."""
    return _trial().report(step, checkpoint, **metrics)


def checkpoint_dir(step=None):
    """A fresh directory for this step's checkpoint inside TUNELOG_CHECKPOINT_DIR (a temporary one by hand)."""
    return _trial().checkpoint_dir(step)


def restore_dir():
    """The checkpoint directory to resume from (TUNELOG_RESTORE_FROM), or None on a fresh start."""
    return _trial().restore_dir()


def restore_step():
    """The step of the checkpoint resumed from, or None."""
    return _trial().restore_step()


def next_step():
    """The step the next report gets when it names none."""
    return _trial().next_step()


def trial_id():
    """The trial's id, or None by hand."""
    return _trial().trial_id()


def experiment_id():
    """The experiment's id, or None by hand."""
    return _trial().experiment_id()


def attempt():
    """The attempt's number (1 by hand)."""
    return _trial().attempt()


def under_worker():
    """Whether a worker runs this trial."""
    return _trial().under_worker()
