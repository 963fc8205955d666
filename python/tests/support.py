"""What the tests share: a trial with its own environment and captured output, and the worker's reading of a line."""
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

import tunelog

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class TrialTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tunelog-test-")
        self.addCleanup(self.tmp.cleanup)
        self.root = os.path.join(self.tmp.name, "storage", "exp", "trial-00001", "a1")
        os.makedirs(self.root)

    def worker_trial(self, **env):
        """A trial as a worker runs it: TUNELOG_CHECKPOINT_DIR and the ids set, reports to self.out."""
        self.out = io.StringIO()
        environ = {"TUNELOG_CHECKPOINT_DIR": self.root, "TUNELOG_TRIAL_ID": "trial-00001",
                   "TUNELOG_EXPERIMENT_ID": "exp", "TUNELOG_ATTEMPT": "1"}
        environ.update(env)
        return tunelog.Trial(environ, self.out)

    def lines(self):
        """The report lines written, parsed as the worker parses them: one JSON object per line."""
        return [json.loads(line) for line in self.out.getvalue().splitlines()]


def run_python(code, env, cwd=None):
    """Runs code in a fresh /usr/bin/python3 (or this interpreter) with the helper on PYTHONPATH, as a worker would."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TUNELOG_")}
    environ.update(env)
    environ["PYTHONPATH"] = PYTHON_DIR
    return subprocess.run([sys.executable, "-c", code], env=environ, cwd=cwd, capture_output=True, text=True, timeout=120)
