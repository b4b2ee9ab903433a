"""The checks library for hidden tests: values decided on the trusted side, failures that teach.

Import every helper from here (``from grader.harness.checks import check_shape``); the modules
behind it (``checks_values``, ``checks_layers``, ``checks_modes``, ``checks_training``) are how the
code is filed, not part of the API. docs/authoring.md, "6. The checks library", is the guide.

Everything in the submission's process (its code, the probes and the tracer next to it) is the
learner's to rewrite, so nothing it *says* about itself is evidence. These helpers take values the
test obtained by calling into the learner's code on inputs the test chose (``Tensor``s and arrays
the client decoded, numbers, weight shapes), compare them here with what correct work produces,
and fail through ``grader.harness.feedback``: a bilingual message with Expected/Found lines and
the tolerance used, never the test's source. Arguments after the first one or two are
keyword-only, so the API can grow without breaking a test.

Runs in the trusted test runner: numpy, pytest, and torch where the exercise uses it (imported
only by the helpers that need it). Never TensorFlow: a Keras model lives only in the learner's
worker and is reached through the client.
"""

from grader.harness.checks_layers import (
    check_frameworks_agree,
    check_parameter_counts,
    check_uses_weights,
    dense_forward,
    keras_to_torch,
    known_weights,
    layer_parameter_counts,
    torch_to_keras,
)
from grader.harness.checks_modes import (
    batch_norm_expected,
    check_batch_norm,
    check_dropout,
    check_modes,
)
from grader.harness.checks_training import (
    check_checkpoint_epoch,
    check_training_replayed,
    load_checkpoint,
    matching_state,
    replay_states,
)
from grader.harness.checks_values import (
    as_array,
    check_close,
    check_dtype,
    check_gradient,
    check_gradient_numerically,
    check_shape,
    check_time_budget,
    numerical_gradient,
    timed,
)
from grader.harness.feedback import advice

__all__ = [
    "advice",
    "as_array",
    "batch_norm_expected",
    "check_batch_norm",
    "check_checkpoint_epoch",
    "check_close",
    "check_dropout",
    "check_dtype",
    "check_frameworks_agree",
    "check_gradient",
    "check_gradient_numerically",
    "check_modes",
    "check_parameter_counts",
    "check_shape",
    "check_time_budget",
    "check_training_replayed",
    "check_uses_weights",
    "dense_forward",
    "keras_to_torch",
    "known_weights",
    "layer_parameter_counts",
    "load_checkpoint",
    "matching_state",
    "numerical_gradient",
    "replay_states",
    "timed",
    "torch_to_keras",
]
