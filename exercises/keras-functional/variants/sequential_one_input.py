from tensorflow import keras
from tensorflow.keras import layers


def build_model():
    # Sequential: only one input and one output fit in a stack of layers
    return keras.Sequential(
        [
            keras.Input(shape=(12,), name="features"),
            layers.Dense(16, activation="relu", name="feature_dense"),
            layers.Dense(16, activation="relu", name="shared"),
            layers.Dense(3, activation="softmax", name="class_output"),
        ]
    )
