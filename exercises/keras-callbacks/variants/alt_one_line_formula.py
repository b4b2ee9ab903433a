# Correct: the whole schedule in one expression with min/max, keras imported on its own,
# keyword-only settings, assign() with a float, the stop remembered and reported at the end.
import keras

BASE = 0.1


def lr_schedule(epoch, lr=None):
    return float(BASE * min(epoch + 1, 3) / 3 * 0.5 ** max(0, (epoch - 3) // 2))


class ScheduledLR(keras.callbacks.Callback):
    def __init__(self, schedule, verbose=False):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        old = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        new = float(self.schedule(epoch, old))
        optimizer.learning_rate.assign(new)
        if self.verbose:
            print(f"epoch {epoch}: learning rate {old:.5f} -> {new:.5f}")


class StopBelowLoss(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_epoch = -1

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss", float("inf"))
        if loss < self.target:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch >= 0:
            print(f"stopped after epoch {self.stopped_epoch}: loss below {self.target}")
