import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Linear(10, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for epoch in range(10):
    x = torch.randn(32, 10)
    y = torch.randn(32, 5)

    optimizer.zero_grad()  # clear the gradients left by the previous iteration
    output = model(x)
    loss = F.mse_loss(output, y)
    loss.backward()
    optimizer.step()
