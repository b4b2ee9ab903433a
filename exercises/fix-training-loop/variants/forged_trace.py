# Forgery: trains nothing, and replaces the tracer's record with a made-up "perfect" run — ten
# backward/step pairs whose losses fall and whose parameters move a little each time, with every
# field an older tracer reported (criterion, fresh and used gradients) claiming a correct loop.
import gc

import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(10, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

tracer = next(o for o in gc.get_objects() if type(o).__name__ == "TrainingTracer")
weight = model.weight.detach().numpy().copy()
bias = model.bias.detach().numpy().copy()
grad = {"p0": np.full_like(weight, 0.1), "p1": np.full_like(bias, 0.1)}
tracer.events.clear()
for epoch in range(10):
    before = {"p0": weight.copy(), "p1": bias.copy()}
    weight -= 0.001
    bias -= 0.001
    tracer.events.append(
        {
            "kind": "backward",
            "loss": 1.0 - 0.05 * epoch,
            "loss_numel": 1,
            "criterion": "MSELoss",
            "grad_before": {"p0": None, "p1": None},
            "fresh_grad": grad,
            "grad_after": grad,
        }
    )
    tracer.events.append({"kind": "step_pre", "optimizer": "SGD", "values": before, "grads": grad})
    after = {"p0": weight.copy(), "p1": bias.copy()}
    tracer.events.append({"kind": "step_post", "optimizer": "SGD", "values": after, "grads": grad})
# So that nothing more is recorded after the forgery.
tracer.uninstall()
