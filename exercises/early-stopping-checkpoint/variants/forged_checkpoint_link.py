# Attack on the trusted reader: the "checkpoint" is a symbolic link to /dev/zero, and a second one
# is a 2 KB file holding an expanded 30000×30000 view of one number. Reading either carelessly
# would fill the runner's memory; both must simply fail the checkpoint checks.
import os

import torch


class EarlyStoppingWithCheckpoint:
    def __init__(self, patience=5, checkpoint_path="best_model.pth", verbose=True):
        self.patience = patience
        self.checkpoint_path = checkpoint_path
        self.counter = 0
        self.best_loss = None
        self.early_stop = False
        self.calls = 0

    def __call__(self, val_loss, model):
        if self.best_loss is None or val_loss < self.best_loss:
            self.best_loss = val_loss
            self.counter = 0
            if os.path.lexists(self.checkpoint_path):
                os.remove(self.checkpoint_path)
            if self.calls % 2 == 1:
                os.symlink("/dev/zero", self.checkpoint_path)
            else:
                huge = torch.zeros(1).expand(30000, 30000)
                torch.save({"weight": huge, "bias": torch.zeros(2)}, self.checkpoint_path)
            self.calls += 1
        else:
            self.counter += 1
            if self.counter >= self.patience:
                self.early_stop = True
        return self.early_stop

    def load_best_model(self, model):
        return model
