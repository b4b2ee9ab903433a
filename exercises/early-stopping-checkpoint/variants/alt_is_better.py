import math
import os

import torch


class EarlyStoppingWithCheckpoint:
    def __init__(self, patience: int = 5, checkpoint_path: str = "best_model.pth", verbose: bool = True):
        self.patience = patience
        self.checkpoint_path = checkpoint_path
        self.verbose = verbose
        self.counter = 0
        self.best_loss = math.inf
        self.early_stop = False

    def is_better(self, loss: float) -> bool:
        return loss < self.best_loss

    def save_checkpoint(self, model: torch.nn.Module) -> None:
        directory = os.path.dirname(self.checkpoint_path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        torch.save(model.state_dict(), self.checkpoint_path)

    def __call__(self, val_loss: float, model: torch.nn.Module) -> bool:
        if self.is_better(val_loss):
            self.best_loss = val_loss
            self.counter = 0
            self.save_checkpoint(model)
        else:
            self.counter += 1
            if self.counter >= self.patience:
                self.early_stop = True
                if self.verbose:
                    print(f"early stopping after {self.counter} epochs without improvement")
        return self.early_stop

    def load_best_model(self, model: torch.nn.Module) -> None:
        model.load_state_dict(torch.load(self.checkpoint_path, weights_only=True))
