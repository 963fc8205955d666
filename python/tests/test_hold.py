import os
import threading
import time

from tests.support import TrialTest


class HoldTest(TrialTest):
    """A report at a milestone waits for the worker's answer, as the worker's own hold of the process would."""

    def held_trial(self, at, attr=None):
        self.holds = os.path.join(self.tmp.name, "holds")
        os.makedirs(self.holds)
        env = {"TUNELOG_HOLD_DIR": self.holds, "TUNELOG_HOLD_AT": repr(float(at))}
        if attr:
            env["TUNELOG_HOLD_ATTR"] = attr
        return self.worker_trial(**env)

    def answer_later(self, step, text, delay=0.2):
        def write():
            time.sleep(delay)
            partial = os.path.join(self.holds, "%d.json.partial" % step)
            with open(partial, "w") as f:
                f.write(text)
            os.replace(partial, os.path.join(self.holds, "%d.json" % step))
        thread = threading.Thread(target=write)
        thread.start()
        self.addCleanup(thread.join)

    def test_should_wait_at_the_milestone_for_the_answer_then_hold_next_where_it_says(self):
        trial = self.held_trial(at=2)
        began = time.monotonic()
        trial.report(val_accuracy=0.1)
        self.assertLess(time.monotonic() - began, 0.1, "step 1 is before the milestone")

        self.answer_later(2, '{"action": "continue", "holdAt": 6.0}')
        trial.report(val_accuracy=0.2)
        self.assertGreaterEqual(time.monotonic() - began, 0.2, "step 2 waits for its answer")

        began = time.monotonic()
        for _ in range(3):
            trial.report(val_accuracy=0.3)
        self.assertLess(time.monotonic() - began, 0.1, "steps 3-5 are before the next milestone")
        self.answer_later(6, '{"action": "continue", "holdAt": null}')
        trial.report(val_accuracy=0.4)
        self.assertGreaterEqual(time.monotonic() - began, 0.2, "step 6 waits for its answer")
        trial.report(val_accuracy=0.5)
        self.assertEqual([line["step"] for line in self.lines()], [1, 2, 3, 4, 5, 6, 7])

    def test_should_exit_quietly_when_the_answer_is_stop(self):
        trial = self.held_trial(at=1)
        self.answer_later(1, '{"action": "stop"}', delay=0.05)

        with self.assertRaises(SystemExit) as caught:
            trial.report(val_accuracy=0.1)
        self.assertEqual(caught.exception.code, 0)
        self.assertEqual([line["step"] for line in self.lines()], [1], "the report went out before the wait")

    def test_should_judge_time_by_the_metric_the_rule_reads(self):
        trial = self.held_trial(at=10, attr="epoch_time")
        began = time.monotonic()
        trial.report(step=50, epoch_time=9.5)
        self.assertLess(time.monotonic() - began, 0.1)
        self.answer_later(51, '{"action": "continue", "holdAt": null}')
        trial.report(step=51, epoch_time=10)
        self.assertGreaterEqual(time.monotonic() - began, 0.2)

    def test_should_not_wait_without_a_hold_directory(self):
        trial = self.worker_trial(TUNELOG_HOLD_AT="1.0")
        began = time.monotonic()
        trial.report(val_accuracy=0.1)
        self.assertLess(time.monotonic() - began, 0.1)

    def test_should_go_on_without_holds_when_the_worker_never_answers(self):
        trial = self.held_trial(at=1)
        trial.HOLD_LIMIT_SECONDS = 0.1
        trial.report(val_accuracy=0.1)
        began = time.monotonic()
        trial.report(val_accuracy=0.2)
        self.assertLess(time.monotonic() - began, 0.05, "no more holds after one went unanswered")
