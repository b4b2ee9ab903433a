import math

import keras
import numpy as np


def lr_schedule(epoch, lr):
    # warm-up 1/3, 2/3, 1 of 0.1; then 0.1, 0.1, 0.05, 0.05, 0.025, ...
    if epoch in (0, 1, 2):
        return [0.1 / 3, 0.2 / 3, 0.1][epoch]
    return float(0.1 * np.power(0.5, math.floor((epoch - 3) / 2)))


class ScheduledLR(keras.callbacks.Callback):
    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule
        self.history = []

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.schedule(epoch, float(np.array(self.model.optimizer.learning_rate)))
        self.model.optimizer.learning_rate.assign(lr)
        self.history.append(lr)


class StopBelowLoss(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        if logs and logs.get("loss", math.inf) < self.target:
            print(f"loss {logs['loss']:.4f} < {self.target}: stopping after epoch {epoch}")
            self.model.stop_training = True


if __name__ == "__main__":
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x, y = np.random.rand(32, 3), np.random.rand(32, 1)
    model.fit(
        x,
        y,
        epochs=10,
        callbacks=[keras.callbacks.LearningRateScheduler(lr_schedule), StopBelowLoss(0.05)],
    )
