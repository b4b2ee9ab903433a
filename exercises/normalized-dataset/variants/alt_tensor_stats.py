import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

EPS = 1e-8


class NormalizedDataset(Dataset):
    """Keeps the statistics as float64 tensors and the samples as float32."""

    def __init__(self, data, labels):
        values = torch.from_numpy(np.array(data, dtype=np.float64))
        self.mean = torch.mean(values, dim=0)
        self.std = torch.std(values, dim=0, correction=0) + EPS
        self.features = ((values - self.mean) / self.std).to(torch.float32)
        self.labels = torch.from_numpy(np.asarray(labels)).to(torch.int64)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.features[i], self.labels[i]


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    ds = NormalizedDataset(rng.normal(10, 5, (100, 4)), rng.integers(0, 3, 100))
    for xb, yb in DataLoader(ds, batch_size=32):
        print(xb.shape, yb.shape, xb.mean(0))
