import importlib.util
import os
import unittest

import tunelog
import tunelog.torch
from tests.support import TrialTest, run_python

HAS_TORCH = importlib.util.find_spec("torch") is not None


class LazyImportTest(TrialTest):
    def test_should_import_without_torch(self):
        done = run_python("import sys, tunelog.torch\nprint('torch' in sys.modules)\n", {})

        self.assertEqual((done.returncode, done.stdout.strip()), (0, "False"), done.stderr)


@unittest.skipUnless(HAS_TORCH, "torch is not installed (Debian: apt-get install python3-torch)")
class TorchCheckpointTest(TrialTest):
    def setUp(self):
        super().setUp()
        import torch
        self.torch = torch
        torch.set_num_threads(1)
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(64, 8, generator=g)
        self.y = torch.randint(0, 3, (64,), generator=g)

    def model_and_optimizer(self, lr=0.1):
        self.torch.manual_seed(1)
        model = self.torch.nn.Sequential(self.torch.nn.Linear(8, 16), self.torch.nn.ReLU(), self.torch.nn.Linear(16, 3))
        return model, self.torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def train(self, model, optimizer, epochs, trial):
        for epoch in epochs:
            optimizer.zero_grad()
            # Dropout draws from torch's random state, which a checkpoint carries: resumed equals uninterrupted.
            loss = self.torch.nn.functional.cross_entropy(self.torch.nn.functional.dropout(model(self.x), 0.2), self.y)
            loss.backward()
            optimizer.step()
            trial.report(step=epoch, checkpoint=tunelog.torch.save(model, optimizer, epoch, trial=trial), loss=loss.item())

    def test_should_resume_from_a_checkpoint_exactly_as_an_uninterrupted_run(self):
        whole_trial = self.worker_trial()
        whole, whole_opt = self.model_and_optimizer()
        self.train(whole, whole_opt, range(1, 5), whole_trial)

        first_trial = self.worker_trial(TUNELOG_CHECKPOINT_DIR=os.path.join(self.tmp.name, "first"))
        os.makedirs(first_trial.checkpoint_root())
        model, optimizer = self.model_and_optimizer()
        self.train(model, optimizer, range(1, 3), first_trial)
        second = self.worker_trial(TUNELOG_CHECKPOINT_DIR=os.path.join(self.tmp.name, "second"),
                                   TUNELOG_RESTORE_FROM=os.path.join(self.tmp.name, "first", "checkpoint_000002"))
        os.makedirs(second.checkpoint_root())
        resumed, resumed_opt = self.model_and_optimizer()
        first = tunelog.torch.restore(resumed, resumed_opt, trial=second)
        self.train(resumed, resumed_opt, range(first, 5), second)

        self.assertEqual(first, 3)
        for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values()):
            self.assertTrue(self.torch.equal(a, b), name)
        self.assertEqual(sorted(os.listdir(os.path.join(self.root, "checkpoint_000004"))), [tunelog.MARKER, tunelog.torch.FILE])

    def test_should_keep_the_optimizers_own_learning_rate_and_take_its_state_from_the_checkpoint(self):
        donor = self.worker_trial()
        model, optimizer = self.model_and_optimizer(lr=0.1)
        self.train(model, optimizer, range(1, 3), donor)
        saved = os.path.join(self.root, "checkpoint_000002")
        momentum = [optimizer.state[p]["momentum_buffer"].clone() for p in model.parameters()]

        explored = self.worker_trial(TUNELOG_RESTORE_FROM=saved, TUNELOG_CHECKPOINT_DIR=self.tmp.name)
        model2, kept = self.model_and_optimizer(lr=0.08)
        tunelog.torch.restore(model2, kept, trial=explored)
        model3, taken = self.model_and_optimizer(lr=0.08)
        tunelog.torch.restore(model3, taken, keep_hyperparameters=False, trial=explored)

        self.assertEqual(kept.param_groups[0]["lr"], 0.08, "the explored learning rate, as built")
        self.assertEqual(taken.param_groups[0]["lr"], 0.1, "the donor's, when asked")
        for p, buffer in zip(model2.parameters(), momentum):
            self.assertTrue(self.torch.equal(kept.state[p]["momentum_buffer"], buffer), "momentum from the checkpoint")

    def test_should_start_at_step_one_without_a_checkpoint_and_say_what_a_foreign_one_lacks(self):
        model, optimizer = self.model_and_optimizer()
        self.assertEqual(tunelog.torch.restore(model, optimizer, trial=self.worker_trial()), 1)

        foreign = os.path.join(self.tmp.name, "foreign")
        os.makedirs(foreign)
        with self.assertRaisesRegex(FileNotFoundError, "checkpoint %s holds no torch.pt" % foreign):
            tunelog.torch.restore(model, optimizer, trial=self.worker_trial(TUNELOG_RESTORE_FROM=foreign))
        trial = self.worker_trial()
        weights_only = tunelog.torch.save(model, step=1, trial=trial)
        with self.assertRaisesRegex(ValueError, "holds no optimizer state"):
            tunelog.torch.restore(model, optimizer, trial=self.worker_trial(TUNELOG_RESTORE_FROM=weights_only))


if __name__ == "__main__":
    unittest.main()
