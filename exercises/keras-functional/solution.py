from tensorflow import keras
from tensorflow.keras import layers


def build_model():
    features = keras.Input(shape=(12,), name="features")
    context = keras.Input(shape=(4,), name="context")

    f = layers.Dense(16, activation="relu", name="feature_dense")(features)
    c = layers.Dense(16, activation="relu", name="context_dense")(context)
    merged = layers.Concatenate(axis=-1, name="merged")([f, c])  # (batch, 32)
    shared = layers.Dense(16, activation="relu", name="shared")(merged)

    class_output = layers.Dense(3, activation="softmax", name="class_output")(shared)
    value_output = layers.Dense(1, name="value_output")(shared)  # linear: any real number
    return keras.Model(inputs=[features, context], outputs=[class_output, value_output])
