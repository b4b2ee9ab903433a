# Correct: the decay done by halving in a loop, the optimizer's rate read with .numpy() and set
# by assigning the attribute, float() around the logged loss.
from tensorflow import keras


def lr_schedule(epoch, lr):
    if epoch <= 2:
        return 0.1 * (epoch + 1) / 3
    rate = 0.1
    for _ in range((epoch - 3) // 2):
        rate = rate / 2
    return rate


class ScheduledLR(keras.callbacks.Callback):
    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        current = float(self.model.optimizer.learning_rate.numpy())
        self.model.optimizer.learning_rate = self.schedule(epoch, current)


class StopBelowLoss(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and "loss" in logs and float(logs["loss"]) < self.target:
            self.model.stop_training = True
