import importlib.util
import os
import unittest

import tunelog.xgboost
from tests.support import TrialTest, run_python

HAS_XGBOOST = importlib.util.find_spec("xgboost") is not None and importlib.util.find_spec("sklearn") is not None


class LazyImportTest(TrialTest):
    def test_should_import_without_xgboost_until_the_callback_is_used(self):
        done = run_python("import sys, tunelog.xgboost\nprint('xgboost' in sys.modules)\n", {})

        self.assertEqual((done.returncode, done.stdout.strip()), (0, "False"), done.stderr)


@unittest.skipUnless(HAS_XGBOOST, "xgboost or sklearn is not installed (Debian: apt-get install python3-xgboost python3-sklearn)")
class CallbackTest(TrialTest):
    def setUp(self):
        super().setUp()
        import xgboost
        from sklearn.datasets import load_digits
        self.xgb = xgboost
        digits = load_digits()
        self.train = xgboost.DMatrix(digits.data[:1200], label=digits.target[:1200])
        self.valid = xgboost.DMatrix(digits.data[1200:], label=digits.target[1200:])
        self.params = {"objective": "multi:softprob", "num_class": 10, "max_depth": 3, "eta": 0.3,
                       "eval_metric": ["mlogloss", "merror"], "nthread": 1}

    def boost(self, rounds, trial, checkpoint_every, xgb_model=None):
        callback = tunelog.xgboost.TunelogCallback(checkpoint_every=checkpoint_every, trial=trial)
        return self.xgb.train(self.params, self.train, num_boost_round=rounds, evals=[(self.valid, "val")],
                              verbose_eval=False, callbacks=[callback], xgb_model=xgb_model)

    def test_should_report_every_round_and_checkpoint_every_few(self):
        trial = self.worker_trial()

        self.boost(4, trial, checkpoint_every=2)

        lines = self.lines()
        self.assertIsInstance(tunelog.xgboost.TunelogCallback(), self.xgb.callback.TrainingCallback)
        self.assertEqual([line["step"] for line in lines], [1, 2, 3, 4])
        self.assertEqual([sorted(line) for line in lines][0], ["step", "val_merror", "val_mlogloss"])
        self.assertLess(lines[3]["val_mlogloss"], lines[0]["val_mlogloss"])
        self.assertEqual([line.get("checkpoint") for line in lines], [None, "checkpoint_000002", None, "checkpoint_000004"])
        self.assertTrue(os.path.isfile(os.path.join(self.root, "checkpoint_000004", tunelog.xgboost.MODEL_FILE)))

    def test_should_count_rounds_on_from_the_checkpoint_it_resumes(self):
        self.boost(4, self.worker_trial(), checkpoint_every=2)
        whole = self.lines()
        resumed_trial = self.worker_trial(TUNELOG_CHECKPOINT_DIR=self.tmp.name,
                                          TUNELOG_RESTORE_FROM=os.path.join(self.root, "checkpoint_000002"))

        self.boost(2, resumed_trial, checkpoint_every=2, xgb_model=tunelog.xgboost.resume_model(trial=resumed_trial))

        resumed = self.lines()
        self.assertEqual([line["step"] for line in resumed], [3, 4])
        self.assertAlmostEqual(resumed[1]["val_mlogloss"], whole[3]["val_mlogloss"], places=6)
        self.assertIsNone(tunelog.xgboost.resume_model(trial=self.worker_trial()))

    def test_should_refuse_a_checkpoint_interval_that_is_not_a_number_of_rounds(self):
        for bad in (-1, 2.5, True):
            with self.subTest(bad=bad), self.assertRaisesRegex(ValueError, "checkpoint_every must be a whole number of rounds"):
                tunelog.xgboost.TunelogCallback(checkpoint_every=bad)


if __name__ == "__main__":
    unittest.main()
