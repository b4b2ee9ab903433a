import logging

import torch
from torch import nn, optim

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("train")

model = nn.Linear(in_features=10, out_features=5)
optimizer = optim.SGD(params=model.parameters(), lr=0.01)
criterion = nn.MSELoss()

model.train()
for epoch in range(10):
    inputs = torch.randn(32, 10)
    targets = torch.randn(32, 5)

    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
    log.info("epoch %d loss %.4f", epoch, loss.item())
