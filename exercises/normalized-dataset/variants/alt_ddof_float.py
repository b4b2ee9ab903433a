import numpy as np
import torch
from torch.utils.data import Dataset


class NormalizedDataset(Dataset):
    def __init__(self, data, labels):
        self.mean = np.mean(data, axis=0)
        self.std = np.std(data, axis=0, ddof=0)  # population std, stated explicitly
        normalized = (data - self.mean) / (self.std + 1e-7)
        self.data = torch.from_numpy(normalized).float()
        self.labels = torch.from_numpy(labels).long()

    def __len__(self):
        return self.data.size(0)

    def __getitem__(self, idx):
        return (self.data[idx], self.labels[idx])
