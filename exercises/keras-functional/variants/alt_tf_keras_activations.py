import tensorflow as tf

layers = tf.keras.layers


def build_model():
    features = tf.keras.Input((12,), name="features")
    context = tf.keras.Input((4,), name="context")
    x1 = layers.Dense(16, activation=tf.nn.relu, name="feature_dense")(features)
    x2 = layers.Dense(16, activation=tf.nn.relu, name="context_dense")(context)
    x = layers.Concatenate(name="merged")([x1, x2])
    x = layers.Dense(16, activation="relu", name="shared")(x)
    probs = layers.Dense(3, activation=tf.nn.softmax, name="class_output")(x)
    value = layers.Dense(1, activation="linear", name="value_output")(x)
    model = tf.keras.Model(inputs=[features, context], outputs=[probs, value])
    return model


model = build_model()
model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
model.summary()
