import tensorflow as tf

WARMUP = 3


def lr_schedule(epoch, lr):
    base = 0.1
    if epoch < WARMUP:
        lr = base * (epoch + 1) / WARMUP
    else:
        halvings = (epoch - WARMUP) // 2
        lr = base / (2**halvings)
    return float(lr)


class ScheduledLR(tf.keras.callbacks.Callback):
    def __init__(self, schedule):
        super(ScheduledLR, self).__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        new_lr = self.schedule(epoch, float(tf.keras.ops.convert_to_numpy(opt.learning_rate)))
        opt.learning_rate.assign(new_lr)


class StopBelowLoss(tf.keras.callbacks.Callback):
    def __init__(self, target):
        super(StopBelowLoss, self).__init__()
        self.target = target
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        current = logs.get("loss")
        if current is None:
            return
        if current < self.target:
            self.stopped_epoch = epoch
            self.model.stop_training = True
