# Forgery: patches the public harness (the tracer class and the helper table) so that the record
# would claim a run that never happened. The worker bound those before this file was imported.
import torch
import torch.nn as nn
from grader.harness import probes

model = nn.Linear(10, 5)


def fake_report(self):
    values = {"p0": model.weight.detach().numpy(), "p1": model.bias.detach().numpy()}
    events = []
    for epoch in range(10):
        events.append({"kind": "backward", "loss": 1.0, "loss_numel": 1})
        events.append({"kind": "step_pre", "optimizer": "SGD", "values": values})
        events.append({"kind": "step_post", "optimizer": "SGD", "values": values})
    return {"events": events, "params": 2}


probes.TrainingTracer.report = fake_report
probes.HELPERS.clear()
