"""The Backprop Lab engine: a NumPy MLP in the course notation, steppable one equation at a time.

It imports nothing from the web layer; the server and outside tools build on this API::

    from app.engine import Network
    net = Network(sizes=[2, 4, 3, 1], hidden_activation="tanh", output_activation="sigmoid",
                  loss="bce", init="xavier", seed=0)
    AL = net.forward(X); cost = net.cost(Y); net.backward(Y); net.update(0.5)
"""

from .datasets import DATASETS, Batches, Dataset, make_dataset
from .instruments import GradCheck, gradient_check, symmetric_layers
from .network import Layer, Network
from .stepper import GRANULARITIES, PHASES, Stepper, SubStep, build_plan, describe

__all__ = [
    "DATASETS",
    "GRANULARITIES",
    "PHASES",
    "Batches",
    "Dataset",
    "GradCheck",
    "Layer",
    "Network",
    "Stepper",
    "SubStep",
    "build_plan",
    "describe",
    "gradient_check",
    "make_dataset",
    "symmetric_layers",
]
