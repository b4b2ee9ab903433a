# Correct: names imported from tensorflow.keras, a helper building each input branch, the
# concatenate() function with axis=-1, outputs collected in a list first.
from tensorflow.keras import Input, Model
from tensorflow.keras.layers import Dense, concatenate


def branch(width, input_name, dense_name):
    inputs = Input(shape=(width,), name=input_name)
    hidden = Dense(units=16, activation="relu", name=dense_name)(inputs)
    return inputs, hidden


def build_model():
    features, f = branch(12, "features", "feature_dense")
    context, c = branch(4, "context", "context_dense")
    merged = concatenate([f, c], axis=-1, name="merged")
    shared = Dense(units=16, activation="relu", name="shared")(merged)
    outputs = []
    outputs.append(Dense(units=3, activation="softmax", name="class_output")(shared))
    outputs.append(Dense(units=1, activation=None, name="value_output")(shared))
    return Model(inputs=[features, context], outputs=outputs)
