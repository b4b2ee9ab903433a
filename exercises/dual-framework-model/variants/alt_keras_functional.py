import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tensorflow import keras
from tensorflow.keras import layers


class PyTorchModel(nn.Module):
    def __init__(self):
        super().__init__()
        # defined from the output back; forward() decides the order the data flows in
        self.output_layer = nn.Linear(128, 10)
        self.hidden2 = nn.Linear(256, 128)
        self.hidden1 = nn.Linear(784, 256)
        self.drop_a = nn.Dropout(0.3)
        self.drop_b = nn.Dropout(0.3)

    def forward(self, x):
        h = self.drop_a(torch.relu(self.hidden1(x)))
        h = self.drop_b(torch.relu(self.hidden2(h)))
        return self.output_layer(h)


inputs = keras.Input(shape=(784,), name="pixels")
h = layers.Dense(256, activation="relu", name="hidden1")(inputs)
h = layers.Dropout(0.3, name="drop_a")(h)
h = layers.Dense(128, activation="relu", name="hidden2")(h)
h = layers.Dropout(0.3, name="drop_b")(h)
logits = layers.Dense(10, name="logits")(h)
keras_model = keras.Model(inputs, logits, name="dual_model")

if __name__ == "__main__":
    x = np.random.randn(32, 784).astype("float32")
    print(PyTorchModel()(torch.from_numpy(x)).shape, keras_model(x).shape)
