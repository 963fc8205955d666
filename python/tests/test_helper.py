import io
import json
import math
import os
import unittest
from contextlib import redirect_stderr

import tunelog
from tests.support import TrialTest, run_python

try:
    import numpy
except ImportError:
    numpy = None


class ConfigTest(TrialTest):
    def test_should_override_defaults_with_the_file_the_worker_wrote(self):
        path = os.path.join(self.tmp.name, "config.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"lr": 0.3, "name": "héllo"}, f, ensure_ascii=False)
        trial = self.worker_trial(TUNELOG_CONFIG_FILE=path, TUNELOG_CONFIG='{"lr": 99}')

        self.assertEqual(trial.config(defaults={"lr": 0.1, "epochs": 5}), {"lr": 0.3, "name": "héllo", "epochs": 5})

    def test_should_read_the_variable_when_there_is_no_file_and_return_a_new_dict_each_time(self):
        trial = self.worker_trial(TUNELOG_CONFIG='{"lr": 0.2}')

        first = trial.config()
        first["lr"] = 7
        self.assertEqual(trial.config(), {"lr": 0.2})

    def test_should_be_the_defaults_by_hand(self):
        self.assertEqual(tunelog.Trial({}, io.StringIO()).config(defaults={"lr": 0.1}), {"lr": 0.1})
        self.assertEqual(tunelog.Trial({}, io.StringIO()).config(), {})

    def test_should_name_the_variable_when_the_configuration_cannot_be_read(self):
        missing = os.path.join(self.tmp.name, "nowhere.json")
        broken = os.path.join(self.tmp.name, "broken.json")
        with open(broken, "w") as f:
            f.write("{lr: 1")
        cases = {missing: "TUNELOG_CONFIG_FILE %s cannot be read" % missing,
                 broken: "TUNELOG_CONFIG_FILE %s is not JSON" % broken}
        for path, message in cases.items():
            with self.assertRaises(tunelog.ConfigError) as caught:
                self.worker_trial(TUNELOG_CONFIG_FILE=path).config()
            self.assertTrue(str(caught.exception).startswith(message), caught.exception)
        with self.assertRaisesRegex(tunelog.ConfigError, "^TUNELOG_CONFIG holds a JSON list, not an object$"):
            self.worker_trial(TUNELOG_CONFIG="[1, 2]").config()


class ReportTest(TrialTest):
    def test_should_write_one_json_line_per_report_counting_steps_when_omitted(self):
        trial = self.worker_trial()

        self.assertEqual(trial.report(val_accuracy=0.5), 1)
        trial.report(val_accuracy=0.75, loss=2)
        trial.report(step=10, val_accuracy=0.875)
        trial.report()

        self.assertEqual(self.out.getvalue().splitlines(), [
            '{"step": 1, "val_accuracy": 0.5}',
            '{"step": 2, "val_accuracy": 0.75, "loss": 2}',
            '{"step": 10, "val_accuracy": 0.875}',
            '{"step": 11}',
        ])

    def test_should_refuse_a_non_finite_or_non_numeric_metric_by_name_and_report_nothing(self):
        trial = self.worker_trial()
        cases = [("loss", math.nan, "metric loss is nan, not a finite number"),
                 ("loss", math.inf, "metric loss is inf, not a finite number"),
                 ("loss", -math.inf, "metric loss is -inf, not a finite number"),
                 ("loss", 10 ** 400, "not a finite number"),
                 ("acc", "0.9", "metric acc is '0.9', not a number"),
                 ("acc", None, "metric acc is None, not a number"),
                 ("acc", True, "metric acc is True, not a number"),
                 ("acc", [0.9], "metric acc is [0.9], not a number")]
        for name, value, message in cases:
            with self.subTest(value=value), self.assertRaises(ValueError) as caught:
                trial.report(step=1, ok=1.0, **{name: value})
            self.assertIn(message, str(caught.exception))
        self.assertEqual(self.out.getvalue(), "")
        self.assertEqual(trial.report(ok=1.0), 1, "a refused report does not count a step")

    def test_should_refuse_steps_that_do_not_increase_or_are_not_whole(self):
        trial = self.worker_trial()
        trial.report(step=3, x=1)
        for step, message in [(3, "step 3 is not above the last reported step 3"), (2, "step 2 is not above"),
                              (-1, "step must be a non-negative whole number, got -1"), (4.0, "got 4.0"), (True, "got True")]:
            with self.subTest(step=step), self.assertRaisesRegex(ValueError, message):
                trial.report(step=step, x=1)
        self.assertEqual(self.lines(), [{"step": 3, "x": 1}])

    @unittest.skipIf(numpy is None, "numpy is not installed")
    def test_should_take_numpy_scalars_as_plain_numbers(self):
        trial = self.worker_trial()

        trial.report(step=numpy.int64(2), a=numpy.float32(0.5), b=numpy.int64(3), c=numpy.float64(0.25))

        self.assertEqual(self.lines(), [{"step": 2, "a": 0.5, "b": 3, "c": 0.25}])
        with self.assertRaisesRegex(ValueError, "metric d is .*not a finite number"):
            trial.report(d=numpy.float32("nan"))

    def test_should_print_readable_lines_by_hand(self):
        out = io.StringIO()
        trial = tunelog.Trial({}, out)

        trial.report(val_accuracy=0.912345678, epochs_done=1)

        self.assertEqual(out.getvalue(), "[tunelog] step 1  val_accuracy=0.912346  epochs_done=1\n")


class CheckpointTest(TrialTest):
    def test_should_give_a_fresh_directory_per_step_and_report_it_by_its_name_inside_the_root(self):
        trial = self.worker_trial()
        directory = trial.checkpoint_dir()
        with open(os.path.join(directory, "model.bin"), "w") as f:
            f.write("weights")

        trial.report(checkpoint=directory, val_accuracy=0.5)
        again = trial.checkpoint_dir(5)
        stale = os.path.join(again, "stale")
        open(stale, "w").close()
        self.assertEqual(trial.checkpoint_dir(5), again)

        self.assertEqual(directory, os.path.join(self.root, "checkpoint_000001"))
        self.assertEqual(self.lines(), [{"step": 1, "val_accuracy": 0.5, "checkpoint": "checkpoint_000001"}])
        with open(os.path.join(directory, tunelog.MARKER)) as f:
            self.assertEqual(json.load(f), {"step": 1})
        self.assertEqual(os.listdir(again), [], "emptied: a fresh directory")

    def test_should_default_the_checkpoint_step_to_the_next_report(self):
        trial = self.worker_trial()
        trial.report(step=7, x=1)

        self.assertEqual(os.path.basename(trial.checkpoint_dir()), "checkpoint_000008")

    def test_should_take_a_name_relative_to_the_root_as_the_worker_does(self):
        trial = self.worker_trial()
        os.makedirs(os.path.join(self.root, "mine", "best"))

        trial.report(step=1, checkpoint=os.path.join("mine", "best"))

        self.assertEqual(self.lines(), [{"step": 1, "checkpoint": "mine/best"}])

    def test_should_refuse_a_checkpoint_the_worker_would_not_register(self):
        trial = self.worker_trial()
        outside = os.path.join(self.tmp.name, "outside")
        os.makedirs(outside)
        os.symlink(outside, os.path.join(self.root, "linked"))
        holds = trial.checkpoint_dir(9)
        os.symlink(outside, os.path.join(holds, "everything"))
        open(os.path.join(self.root, "file"), "w").close()
        cases = [(outside, "is not inside the checkpoint directory"),
                 ("../elsewhere", "is not inside the checkpoint directory"),
                 (self.root, "is not inside the checkpoint directory"),
                 ("linked", "leads out of .* through a symbolic link"),
                 (holds, "holds everything, a symbolic link out of"),
                 ("file", "is not a directory"),
                 ("missing", "is not a directory")]
        for checkpoint, message in cases:
            with self.subTest(checkpoint=checkpoint), self.assertRaisesRegex(ValueError, message):
                trial.report(step=1, checkpoint=checkpoint, x=1.0)
        self.assertEqual(self.out.getvalue(), "")

    def test_should_write_checkpoints_to_a_temporary_directory_by_hand_and_say_where(self):
        out, err = io.StringIO(), io.StringIO()
        trial = tunelog.Trial({}, out)
        with redirect_stderr(err):
            directory = trial.checkpoint_dir()
            trial.report(checkpoint=directory, acc=1)
        self.addCleanup(lambda: __import__("shutil").rmtree(os.path.dirname(directory)))

        root = os.path.dirname(directory)
        self.assertTrue(os.path.basename(root).startswith("tunelog-checkpoints-"))
        self.assertIn("checkpoints go to " + root, err.getvalue())
        self.assertEqual(out.getvalue(), "[tunelog] step 1  acc=1  checkpoint=%s\n" % directory)


class RestoreTest(TrialTest):
    def test_should_have_nothing_to_restore_on_a_fresh_start(self):
        trial = self.worker_trial()
        self.assertIsNone(trial.restore_dir())
        self.assertIsNone(trial.restore_step())
        self.assertEqual(trial.next_step(), 1)

    def test_should_count_on_from_the_step_the_restored_checkpoint_was_reported_with(self):
        first = self.worker_trial()
        saved = first.checkpoint_dir(4)
        first.report(step=6, checkpoint=saved)  # named after step 4, reported with 6: the report says

        resumed = self.worker_trial(TUNELOG_RESTORE_FROM=saved, TUNELOG_ATTEMPT="2")

        self.assertEqual(resumed.restore_dir(), saved)
        self.assertEqual(resumed.restore_step(), 6)
        self.assertEqual(resumed.report(x=1), 7)
        self.assertEqual(resumed.attempt(), 2)

    def test_should_take_the_step_from_the_name_of_a_checkpoint_without_the_marker(self):
        other = os.path.join(self.tmp.name, "checkpoint_000012")
        os.makedirs(other)
        self.assertEqual(self.worker_trial(TUNELOG_RESTORE_FROM=other).next_step(), 13)
        unnamed = os.path.join(self.tmp.name, "weights")
        os.makedirs(unnamed)
        self.assertIsNone(self.worker_trial(TUNELOG_RESTORE_FROM=unnamed).restore_step())

    def test_should_say_so_when_the_checkpoint_to_restore_is_not_there(self):
        missing = os.path.join(self.tmp.name, "gone")
        with self.assertRaisesRegex(FileNotFoundError, "TUNELOG_RESTORE_FROM %s is not a directory" % missing):
            self.worker_trial(TUNELOG_RESTORE_FROM=missing).restore_dir()


class IdentityTest(TrialTest):
    def test_should_name_the_trial_under_a_worker_and_nothing_by_hand(self):
        trial = self.worker_trial(TUNELOG_ATTEMPT="3")
        self.assertEqual((trial.trial_id(), trial.experiment_id(), trial.attempt(), trial.under_worker()),
                         ("trial-00001", "exp", 3, True))
        by_hand = tunelog.Trial({})
        self.assertEqual((by_hand.trial_id(), by_hand.experiment_id(), by_hand.attempt(), by_hand.under_worker()),
                         (None, None, 1, False))
        with self.assertRaisesRegex(ValueError, "TUNELOG_ATTEMPT is 'x', not a whole number"):
            self.worker_trial(TUNELOG_ATTEMPT="x").attempt()


class ModuleTest(TrialTest):
    def test_should_speak_the_protocol_from_the_processes_own_environment(self):
        config = os.path.join(self.tmp.name, "config.json")
        with open(config, "w") as f:
            json.dump({"lr": 0.5}, f)
        code = ("import tunelog\n"
                "c = tunelog.config(defaults={'lr': 0.1, 'epochs': 2})\n"
                "print('plain output')\n"
                "for e in range(1, c['epochs'] + 1):\n"
                "    tunelog.report(checkpoint=tunelog.checkpoint_dir(), lr=c['lr'])\n"
                "print(tunelog.trial_id(), tunelog.attempt(), tunelog.restore_dir())\n")

        done = run_python(code, {"TUNELOG_CHECKPOINT_DIR": self.root, "TUNELOG_CONFIG_FILE": config,
                                 "TUNELOG_TRIAL_ID": "trial-00004", "TUNELOG_ATTEMPT": "1"})

        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.splitlines(), [
            "plain output",
            '{"step": 1, "lr": 0.5, "checkpoint": "checkpoint_000001"}',
            '{"step": 2, "lr": 0.5, "checkpoint": "checkpoint_000002"}',
            "trial-00004 1 None"])

    def test_should_fail_with_the_metric_named_on_the_last_line_of_stderr(self):
        # The worker puts a failed trial's last stderr line into the failure it logs.
        done = run_python("import tunelog\ntunelog.report(loss=float('nan'))\n", {"TUNELOG_CHECKPOINT_DIR": self.root})

        self.assertNotEqual(done.returncode, 0)
        self.assertEqual(done.stdout, "")
        self.assertEqual(done.stderr.strip().splitlines()[-1], "ValueError: metric loss is nan, not a finite number")


if __name__ == "__main__":
    unittest.main()
