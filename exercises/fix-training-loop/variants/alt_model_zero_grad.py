import torch
import torch.nn as nn

model = nn.Linear(10, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = nn.MSELoss()

for epoch in range(10):
    x = torch.randn(32, 10)
    y = torch.randn(32, 5)

    model.zero_grad()
    pred = model(x)
    loss = loss_fn(pred, y)
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch + 1}: loss = {loss.item():.4f}")
