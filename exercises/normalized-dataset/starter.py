import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class NormalizedDataset(Dataset):
    """Standardises each feature column and serves (features, label) pairs as tensors."""

    def __init__(self, data, labels):
        # data: NumPy array (N, features); labels: NumPy array (N,)
        # TODO: compute self.mean and self.std per feature, normalise, convert to tensors
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def __getitem__(self, idx):
        raise NotImplementedError


if __name__ == "__main__":
    np.random.seed(42)
    data = np.random.randn(100, 10) * 5 + 10
    labels = np.random.randint(0, 3, size=100)
    dataset = NormalizedDataset(data, labels)
    loader = DataLoader(dataset, batch_size=16, shuffle=True)
    features, label = dataset[0]
    print(features, label)
