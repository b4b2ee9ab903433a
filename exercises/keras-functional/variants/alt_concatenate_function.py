import keras
import numpy as np


def dense(units, name, activation="relu"):
    return keras.layers.Dense(units, activation=activation, name=name)


def build_model():
    features = keras.layers.Input(shape=(12,), name="features")
    context = keras.layers.Input(shape=(4,), name="context")
    merged = keras.layers.concatenate(
        [dense(16, "feature_dense")(features), dense(16, "context_dense")(context)],
        axis=1,
        name="merged",
    )
    hidden = dense(16, "shared")(merged)
    model = keras.Model(
        inputs=[features, context],
        outputs=[dense(3, "class_output", "softmax")(hidden), dense(1, "value_output", None)(hidden)],
        name="two_heads",
    )
    return model


if __name__ == "__main__":
    m = build_model()
    m.summary()
    print([o.shape for o in m([np.zeros((2, 12)), np.zeros((2, 4))])])
