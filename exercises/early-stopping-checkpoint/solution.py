import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class SimpleNet(nn.Module):
    """The chapter's three-layer network, for trying your class out."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size)
        self.fc3 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class EarlyStoppingWithCheckpoint:
    """Stops after `patience` epochs without improvement; keeps the best weights on disk."""

    def __init__(self, patience=5, checkpoint_path="best_model.pth", verbose=True):
        self.patience = patience
        self.checkpoint_path = checkpoint_path
        self.verbose = verbose
        self.counter = 0
        self.best_loss = None
        self.early_stop = False

    def __call__(self, val_loss, model):
        if self.best_loss is None or val_loss < self.best_loss:
            self.best_loss = val_loss
            self.counter = 0
            torch.save(model.state_dict(), self.checkpoint_path)
            if self.verbose:
                print(f"val_loss improved to {val_loss:.4f}; saved {self.checkpoint_path}")
        else:
            self.counter += 1
            if self.verbose:
                print(f"no improvement ({self.counter}/{self.patience})")
            if self.counter >= self.patience:
                self.early_stop = True
        return self.early_stop

    def load_best_model(self, model):
        model.load_state_dict(torch.load(self.checkpoint_path, weights_only=True))
        return model
