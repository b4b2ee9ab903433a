import tensorflow as tf
import torch
import torch.nn as nn


class PyTorchModel(nn.Module):
    def __init__(self):
        super(PyTorchModel, self).__init__()
        self.layer1 = nn.Linear(784, 256)
        self.relu1 = nn.ReLU()
        self.dropout1 = nn.Dropout(0.3)
        self.layer2 = nn.Linear(256, 128)
        self.relu2 = nn.ReLU()
        self.dropout2 = nn.Dropout(0.3)
        self.layer3 = nn.Linear(128, 10)

    def forward(self, x):
        out = self.dropout1(self.relu1(self.layer1(x)))
        out = self.dropout2(self.relu2(self.layer2(out)))
        out = self.layer3(out)
        return out


keras_model = tf.keras.Sequential()
keras_model.add(tf.keras.layers.Dense(256, activation=tf.nn.relu, input_shape=(784,)))
keras_model.add(tf.keras.layers.Dropout(0.3))
keras_model.add(tf.keras.layers.Dense(128, activation=tf.nn.relu))
keras_model.add(tf.keras.layers.Dropout(0.3))
keras_model.add(tf.keras.layers.Dense(10))

pytorch_model = PyTorchModel()
print("PyTorch parameters:", sum(p.numel() for p in pytorch_model.parameters()))
keras_model.summary()
