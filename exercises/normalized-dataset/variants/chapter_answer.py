import torch
from torch.utils.data import Dataset, DataLoader
import numpy as np

class NormalizedDataset(Dataset):
    """正規化を適用するカスタムデータセット"""

    def __init__(self, data, labels):
        """
        Args:
            data: NumPy配列 (N, features)
            labels: NumPy配列 (N,)
        """
        # データを正規化
        self.mean = data.mean(axis=0)
        self.std = data.std(axis=0) + 1e-8  # ゼロ除算回避
        self.data = (data - self.mean) / self.std
        self.labels = labels

        # PyTorchテンソルに変換
        self.data = torch.FloatTensor(self.data)
        self.labels = torch.LongTensor(self.labels)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx]

# テスト
np.random.seed(42)
data = np.random.randn(100, 10) * 5 + 10  # 平均10、標準偏差5
labels = np.random.randint(0, 3, size=100)

dataset = NormalizedDataset(data, labels)
loader = DataLoader(dataset, batch_size=16, shuffle=True)

# 確認
sample_data, sample_label = dataset[0]
print(f"正規化後のデータ(最初のサンプル): {sample_data}")
print(f"データの平均(正規化後): {dataset.data.mean():.4f}")
print(f"データの標準偏差(正規化後): {dataset.data.std():.4f}")
