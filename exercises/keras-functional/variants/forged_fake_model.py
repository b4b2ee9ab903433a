# Forgery: no network at all. build_model() returns an object that answers every question the
# grader might ask about structure (layer names, kernel shapes, parameter counts, get_layer,
# set_weights) with the statement's values, and returns arrays of the right shapes when called.
# Only outputs computed from the weights the grader plants can tell, and those it cannot fake
# without computing the network.
import numpy as np

from grader.harness import probes

SPEC = {
    "features": [],
    "context": [],
    "feature_dense": [[12, 16], [16]],
    "context_dense": [[4, 16], [16]],
    "merged": [],
    "shared": [[32, 16], [16]],
    "class_output": [[16, 3], [3]],
    "value_output": [[16, 1], [1]],
}


class FakeLayer:
    def __init__(self, name, shapes):
        self.name = name
        self.weights = [np.zeros(shape, np.float32) for shape in shapes]

    def set_weights(self, values):
        self.weights = list(values)

    def get_weights(self):
        return self.weights


class FakeModel:
    built = True

    def __init__(self):
        self.layers = [FakeLayer(name, shapes) for name, shapes in SPEC.items()]

    def get_layer(self, name):
        return next(layer for layer in self.layers if layer.name == name)

    def count_params(self):
        return 884

    def __call__(self, inputs, training=False):
        rows = len(inputs[0])
        return [np.full((rows, 3), 1 / 3, np.float32), np.zeros((rows, 1), np.float32)]


def claimed_layers(model, width):
    return {
        "layers": [
            {"name": layer.name, "type": "Dense", "weights": [list(w.shape) for w in layer.weights]}
            for layer in model.layers
        ],
        "params": 884,
    }


probes.keras_layers.__code__ = claimed_layers.__code__


def build_model():
    return FakeModel()
