import torch
import torch.nn as nn
import torch.nn.functional as F
from tensorflow import keras
from tensorflow.keras import layers

SIZES = [784, 256, 128, 10]
DROPOUT = 0.3


class PyTorchModel(nn.Module):
    def __init__(self, sizes=SIZES, dropout=DROPOUT):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.dropouts = nn.ModuleList(nn.Dropout(dropout) for _ in sizes[1:-1])

    def forward(self, x):
        for linear, dropout in zip(self.layers[:-1], self.dropouts):
            x = dropout(F.relu(linear(x)))
        return self.layers[-1](x)


class KerasModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = layers.Dense(256, activation="relu")
        self.dropout1 = layers.Dropout(DROPOUT)
        self.dense2 = layers.Dense(128, activation="relu")
        self.dropout2 = layers.Dropout(DROPOUT)
        self.dense3 = layers.Dense(10)

    def call(self, x, training=False):
        x = self.dropout1(self.dense1(x), training=training)
        x = self.dropout2(self.dense2(x), training=training)
        return self.dense3(x)


keras_model = KerasModel()
keras_model.build((None, 784))
