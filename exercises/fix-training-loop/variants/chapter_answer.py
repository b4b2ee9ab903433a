import torch
import torch.nn as nn

model = nn.Linear(10, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = nn.MSELoss()  # 損失関数をインスタンス化

for epoch in range(10):
    x = torch.randn(32, 10)
    y = torch.randn(32, 5)

    optimizer.zero_grad()  # 勾配をゼロにリセット(追加)
    output = model(x)
    loss = criterion(output, y)  # 修正
    loss.backward()
    optimizer.step()
