from tensorflow import keras

BASE_LR = 0.1
WARMUP_EPOCHS = 3
DROP_EVERY = 2


def lr_schedule(epoch, lr):
    """Learning rate for `epoch` (counted from 0): linear warm-up, then halved every 2 epochs."""
    if epoch < WARMUP_EPOCHS:
        return BASE_LR * (epoch + 1) / WARMUP_EPOCHS
    return BASE_LR * 0.5 ** ((epoch - WARMUP_EPOCHS) // DROP_EVERY)


class ScheduledLR(keras.callbacks.Callback):
    """Sets the optimizer's learning rate from `schedule` at the start of every epoch."""

    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        current = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        optimizer.learning_rate = float(self.schedule(epoch, current))


class StopBelowLoss(keras.callbacks.Callback):
    """Stops training at the end of the first epoch whose loss is below `target`."""

    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and loss < self.target:
            self.model.stop_training = True
            self.stopped_epoch = epoch
