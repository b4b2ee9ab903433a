from tensorflow import keras

BASE_LR = 0.1
WARMUP_EPOCHS = 3
DROP_EVERY = 2


def lr_schedule(epoch, lr):
    """Learning rate (a float) for `epoch`, counted from 0; see the statement."""
    # TODO: linear warm-up over the first 3 epochs, then halve every 2 epochs
    return lr


class ScheduledLR(keras.callbacks.Callback):
    """Sets the optimizer's learning rate from `schedule` at the start of every epoch."""

    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    # TODO: on_epoch_begin(self, epoch, logs=None)


class StopBelowLoss(keras.callbacks.Callback):
    """Stops training at the end of the first epoch whose loss is below `target`."""

    def __init__(self, target):
        super().__init__()
        self.target = target

    # TODO: on_epoch_end(self, epoch, logs=None)
