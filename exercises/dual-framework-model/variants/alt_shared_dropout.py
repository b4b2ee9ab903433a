import torch
import torch.nn as nn
import torch.nn.functional as F
from tensorflow import keras
from tensorflow.keras import layers


class PyTorchModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.dropout = nn.Dropout(0.3)  # no weights, so one module serves both places

    def forward(self, x):
        x = self.dropout(F.relu(self.fc1(x)))
        x = self.dropout(F.relu(self.fc2(x)))
        return self.fc3(x)


# Functional API, the same Dropout layer called twice
inputs = keras.Input(shape=(784,))
dropout = layers.Dropout(0.3)
x = dropout(layers.Dense(256, activation="relu")(inputs))
x = dropout(layers.Dense(128, activation="relu")(x))
outputs = layers.Dense(10)(x)
keras_model = keras.Model(inputs=inputs, outputs=outputs)
