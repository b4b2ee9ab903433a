"""Forgery: honest loss modules, and everything else claimed rather than computed.

- loss_from_outputs returns log(5), the cross-entropy of a uniform guess, whatever it is given;
- make_optimizer returns stand-ins named SGD/Adam with the right-looking param_groups and a step()
  that does nothing;
- train_step does no training and returns a plausible loss;
- the harness helper that reads parameters back is rewritten (through its code object, which the
  worker's frozen helper table still points at) to report every parameter nudged, as if a step had
  happened.
Only the loss modules are honest work: it must earn what they earn and nothing more.
"""

import math

import torch
import torch.nn as nn

from grader.harness import probes


def make_criterion(task):
    return nn.CrossEntropyLoss() if task == "classification" else nn.MSELoss()


def loss_from_outputs(outputs, targets, kind):
    return math.log(5)


class SGD:
    def __init__(self, params, lr, **extra):
        self.param_groups = [{"params": list(params), "lr": lr, **extra}]

    def step(self, closure=None):
        return None

    def zero_grad(self, set_to_none=True):
        return None


class Adam(SGD):
    pass


def make_optimizer(model, name):
    if name == "sgd":
        return SGD(model.parameters(), lr=0.01, momentum=0.9)
    return Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999))


def train_step(model, optimizer, criterion, x, y):
    return math.log(4)


def _nudged_state(model):
    return {k: v.detach().clone() - 0.01 for k, v in model.state_dict().items()}


probes.torch_state.__code__ = _nudged_state.__code__
torch.manual_seed(0)
