import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


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

    def __call__(self, val_loss, model):
        if isinstance(val_loss, torch.Tensor):
            val_loss = val_loss.item()
        if self.best_loss is not None and val_loss >= self.best_loss:
            self.counter += 1
            if self.verbose:
                print(f"EarlyStopping counter: {self.counter}/{self.patience}")
            if self.counter >= self.patience:
                self.early_stop = True
        else:
            self.best_loss = val_loss
            self.counter = 0
            torch.save(model.state_dict(), self.checkpoint_path)
        return self.early_stop

    def load_best_model(self, model):
        checkpoint = torch.load(self.checkpoint_path, map_location=torch.device("cpu"), weights_only=True)
        missing, unexpected = model.load_state_dict(checkpoint, strict=True)
        return model


if __name__ == "__main__":
    torch.manual_seed(0)
    X_train, y_train = torch.randn(200, 20), torch.randint(0, 3, (200,))
    X_val, y_val = torch.randn(50, 20), torch.randint(0, 3, (50,))
    model = SimpleNet(20, 32, 3)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    stopper = EarlyStoppingWithCheckpoint(patience=3, checkpoint_path="best.pth", verbose=False)
    for epoch in range(20):
        model.train()
        optimizer.zero_grad()
        criterion(model(X_train), y_train).backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = criterion(model(X_val), y_val)
        if stopper(val_loss, model):
            break
    model = stopper.load_best_model(model)
