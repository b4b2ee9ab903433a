import torch
import torch.nn as nn
import torch.nn.functional as F

class SimpleNet(nn.Module):
    """シンプルな3層ニューラルネットワーク"""

    def __init__(self, input_size, hidden_size, output_size):
        """
        Args:
            input_size: 入力層のサイズ
            hidden_size: 隠れ層のサイズ
            output_size: 出力層のサイズ
        """
        super(SimpleNet, self).__init__()

        # レイヤーの定義
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size)
        self.fc3 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        """順伝播"""
        x = F.relu(self.fc1(x))  # 1層目 + ReLU
        x = F.relu(self.fc2(x))  # 2層目 + ReLU
        x = self.fc3(x)           # 出力層(活性化なし)
        return x

import torch
import torch.nn as nn
import torch.optim as optim
import numpy as np

class EarlyStoppingWithCheckpoint:
    """Early StoppingとCheckpointingを統合したクラス"""

    def __init__(self, patience=5, checkpoint_path='best_model.pth', verbose=True):
        self.patience = patience
        self.checkpoint_path = checkpoint_path
        self.verbose = verbose

        self.counter = 0
        self.best_loss = None
        self.early_stop = False

    def __call__(self, val_loss, model):
        if self.best_loss is None or val_loss < self.best_loss:
            # 改善した場合
            if self.verbose:
                if self.best_loss is not None:
                    improvement = self.best_loss - val_loss
                    print(f'検証損失が改善: {self.best_loss:.4f} → {val_loss:.4f} ({improvement:.4f})')
                else:
                    print(f'初期ベストモデル: {val_loss:.4f}')

            self.best_loss = val_loss
            self.counter = 0

            # モデルを保存
            torch.save(model.state_dict(), self.checkpoint_path)
            if self.verbose:
                print(f'モデルを保存: {self.checkpoint_path}')
        else:
            # 改善しなかった場合
            self.counter += 1
            if self.verbose:
                print(f'EarlyStopping counter: {self.counter}/{self.patience}')

            if self.counter >= self.patience:
                self.early_stop = True
                if self.verbose:
                    print('Early Stopping発動!')

        return self.early_stop

    def load_best_model(self, model):
        """ベストモデルを読み込む"""
        model.load_state_dict(torch.load(self.checkpoint_path))
        if self.verbose:
            print(f'ベストモデルを復元: {self.checkpoint_path} (loss={self.best_loss:.4f})')

# 使用例
print("=== Early Stopping + Checkpoint 実装例 ===\n")

# ダミーデータ
X_train = torch.randn(800, 784)
y_train = torch.randint(0, 10, (800,))
X_val = torch.randn(200, 784)
y_val = torch.randint(0, 10, (200,))

# モデル、損失関数、オプティマイザ
model = SimpleNet(784, 128, 10)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)

# Early Stoppingの初期化
early_stopping = EarlyStoppingWithCheckpoint(
    patience=5,
    checkpoint_path='best_model.pth',
    verbose=True
)

# 学習ループ
for epoch in range(50):
    # 学習
    model.train()
    optimizer.zero_grad()
    output = model(X_train)
    train_loss = criterion(output, y_train)
    train_loss.backward()
    optimizer.step()

    # 検証
    model.eval()
    with torch.no_grad():
        val_output = model(X_val)
        val_loss = criterion(val_output, y_val)

    print(f'\nEpoch {epoch+1}: Train Loss={train_loss.item():.4f}, Val Loss={val_loss.item():.4f}')

    # Early Stopping判定
    if early_stopping(val_loss.item(), model):
        print(f'\n学習を{epoch+1}エポックで終了')
        break

# ベストモデルを復元
print("\n" + "="*50)
early_stopping.load_best_model(model)
print("="*50)
