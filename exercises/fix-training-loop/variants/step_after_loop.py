import torch
import torch.nn as nn

model = nn.Linear(10, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = nn.MSELoss()  # a loss is a module: create it once, then call it

for epoch in range(10):
    x = torch.randn(32, 10)
    y = torch.randn(32, 5)

    optimizer.zero_grad()  # clear the gradients left by the previous iteration
    output = model(x)
    loss = criterion(output, y)
    loss.backward()
optimizer.step()  # only once, after the loop
