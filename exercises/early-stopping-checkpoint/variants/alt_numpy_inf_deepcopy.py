import copy

import numpy as np
import torch
import torch.nn as nn


class EarlyStoppingWithCheckpoint:
    """Early stopping plus a checkpoint of the best weights."""

    def __init__(self, patience=5, checkpoint_path="best_model.pth", verbose=True):
        self.patience = patience
        self.checkpoint_path = checkpoint_path
        self.verbose = verbose
        self.counter = 0
        self.best_loss = np.inf
        self.early_stop = False

    def __call__(self, val_loss, model):
        if val_loss < self.best_loss:
            self.best_loss = val_loss
            self.counter = 0
            # a detached copy, so later training cannot change what is saved
            torch.save(copy.deepcopy(model.state_dict()), self.checkpoint_path)
            if self.verbose:
                print(f"saved checkpoint (val_loss={val_loss:.4f})")
            return self.early_stop
        self.counter += 1
        if self.verbose:
            print(f"no improvement for {self.counter} epoch(s)")
        if self.counter >= self.patience:
            self.early_stop = True
        return self.early_stop

    def load_best_model(self, model):
        state_dict = torch.load(self.checkpoint_path, weights_only=True)
        model.load_state_dict(state_dict)
        return model


if __name__ == "__main__":
    net = nn.Linear(4, 2)
    stopper = EarlyStoppingWithCheckpoint(patience=2, checkpoint_path="demo.pth")
    for loss in [1.0, 0.9, 0.95, 0.97]:
        if stopper(loss, net):
            break
    stopper.load_best_model(net)
