# Forgery: a different, smaller network (12 → 32 → 4, no BatchNorm, no scale, no dropout) that
# claims to be the one asked for: state_dict() lists the asked-for names and shapes,
# load_state_dict() accepts anything and does nothing, parameters() yields 324 values, and the
# worker's structure helpers are rewritten to report the asked-for layers.
import torch
import torch.nn as nn

from grader.harness import probes

SHAPES = {
    "fc1.weight": (16, 12),
    "fc1.bias": (16,),
    "bn.weight": (16,),
    "bn.bias": (16,),
    "bn.running_mean": (16,),
    "bn.running_var": (16,),
    "scale.weight": (16,),
    "fc2.weight": (4, 16),
    "fc2.bias": (4,),
}


class ScaledNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

    def state_dict(self, *args, **kwargs):
        return {name: torch.zeros(shape) for name, shape in SHAPES.items()}

    def load_state_dict(self, state_dict, strict=True, assign=False):
        return None

    def parameters(self, recurse=True):
        return iter([nn.Parameter(torch.zeros(324))])


probes.torch_param_count = lambda model: 324
probes.torch_modules = lambda model: [
    {"name": "fc1", "type": "Linear", "in_features": 12, "out_features": 16},
    {"name": "bn", "type": "BatchNorm1d"},
    {"name": "scale", "type": "LearnableScale"},
    {"name": "dropout", "type": "Dropout", "p": 0.25},
    {"name": "fc2", "type": "Linear", "in_features": 16, "out_features": 4},
]
