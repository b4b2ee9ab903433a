import torch
import torch.nn as nn


def train(epochs=10, lr=0.01):
    model = nn.Linear(10, 5)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.MSELoss()

    losses = []
    for epoch in range(epochs):
        x = torch.randn(32, 10)
        y = torch.randn(32, 5)

        optimizer.zero_grad()
        output = model(x)
        loss = criterion(output, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses


if __name__ == "__main__":
    model, losses = train()
    print("final loss:", losses[-1])
