import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger(__name__)


class SimpleNet(nn.Module):
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
    def __init__(self, patience=5, checkpoint_path="best_model.pth", verbose=True):
        self.patience = patience
        self.checkpoint_path = checkpoint_path
        self.verbose = verbose
        self.counter = 0
        self.best_loss = None
        self.early_stop = False
        if verbose:
            logger.setLevel(logging.INFO)

    def _save(self, model):
        state = {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}
        torch.save(state, self.checkpoint_path)
        logger.info("checkpoint written to %s", self.checkpoint_path)

    def __call__(self, val_loss, model):
        improved = self.best_loss is None or val_loss < self.best_loss
        if improved:
            self.best_loss = val_loss
            self.counter = 0
            self._save(model)
        else:
            self.counter += 1
            logger.info("no improvement: %d/%d", self.counter, self.patience)
            self.early_stop = self.counter >= self.patience
        return self.early_stop

    def load_best_model(self, model):
        device = next(model.parameters()).device
        model.load_state_dict(torch.load(self.checkpoint_path, map_location=device, weights_only=True))
        logger.info("best model restored (loss=%.4f)", self.best_loss)
        return model
