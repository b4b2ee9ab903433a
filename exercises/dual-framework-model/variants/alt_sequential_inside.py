import keras
import torch
from torch import nn


class PyTorchModel(nn.Module):
    """784 -> 256 -> 128 -> 10 with ReLU and Dropout(0.3) after each hidden layer."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(784, 256),
            nn.ReLU(),
            nn.Dropout(p=0.3),
            nn.Linear(256, 128),
            nn.ReLU(),
            nn.Dropout(p=0.3),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        return self.net(x)


keras_model = keras.Sequential(
    [
        keras.layers.Input(shape=(784,)),
        keras.layers.Dense(256),
        keras.layers.ReLU(),
        keras.layers.Dropout(rate=0.3),
        keras.layers.Dense(128),
        keras.layers.Activation("relu"),
        keras.layers.Dropout(rate=0.3),
        keras.layers.Dense(10, activation=None),
    ],
    name="mlp",
)

if __name__ == "__main__":
    print(sum(p.numel() for p in PyTorchModel().parameters()), keras_model.count_params())
