import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class NormalizedDataset(Dataset):
    """Standardises each feature column and serves (features, label) pairs as tensors."""

    def __init__(self, data, labels, eps=1e-8):
        data = np.asarray(data, dtype=np.float64)
        self.mean = data.mean(axis=0)
        # Population std (ddof=0); eps keeps a constant column at 0 instead of NaN.
        self.std = data.std(axis=0) + eps
        self.data = torch.tensor((data - self.mean) / self.std, dtype=torch.float32)
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx : idx + 1]


if __name__ == "__main__":
    np.random.seed(42)
    data = np.random.randn(100, 10) * 5 + 10
    labels = np.random.randint(0, 3, size=100)
    dataset = NormalizedDataset(data, labels)
    loader = DataLoader(dataset, batch_size=16, shuffle=True)
    features, label = dataset[0]
    print(features, label)
