import torch
import torch.nn as nn

model = nn.Linear(10, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = nn.MSELoss(reduction="mean")

for epoch in range(10):
    x = torch.randn(32, 10)
    y = torch.randn(32, 5)

    optimizer.zero_grad(set_to_none=False)  # keep the .grad tensors, filled with zeros
    output = model(x)
    loss = criterion(output, y)
    loss.backward()
    optimizer.step()
