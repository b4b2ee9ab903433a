import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class NormalizedDataset(Dataset):
    eps = 1e-8

    def __init__(self, data, labels):
        data = np.asarray(data, dtype=np.float64)
        self.mean = data.mean(axis=0, keepdims=True)
        self.std = data.std(axis=0, keepdims=True) + self.eps
        self.features = (data - self.mean) / self.std  # NumPy; tensors are made per item
        self.labels = np.asarray(labels)

    def __len__(self):
        return len(self.features)

    def __getitem__(self, idx):
        x = torch.tensor(self.features[idx], dtype=torch.float32)
        y = torch.tensor(self.labels[idx], dtype=torch.long)
        return x, y


if __name__ == "__main__":
    data = np.random.randn(50, 3) * 2 + 1
    labels = np.random.randint(0, 2, size=50)
    loader = DataLoader(NormalizedDataset(data, labels), batch_size=8, shuffle=True)
    print(next(iter(loader)))
