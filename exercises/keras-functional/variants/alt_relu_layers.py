# Correct: each hidden Dense without an activation, followed by its own layers.ReLU(); axis=1
# for the Concatenate layer; keras.Model called with positional arguments.
from tensorflow import keras
from tensorflow.keras import layers


def build_model():
    features = keras.Input(shape=(12,), name="features")
    context = keras.Input(shape=(4,), name="context")

    f = layers.Dense(16, name="feature_dense")(features)
    f = layers.ReLU()(f)
    c = layers.Dense(16, name="context_dense")(context)
    c = layers.ReLU()(c)

    x = layers.Concatenate(axis=1, name="merged")([f, c])
    x = layers.Dense(16, name="shared")(x)
    x = layers.ReLU()(x)

    class_output = layers.Dense(3, activation="softmax", name="class_output")(x)
    value_output = layers.Dense(1, name="value_output")(x)
    return keras.Model([features, context], [class_output, value_output])
