"""The websocket protocol, declared once as pydantic models.

Every message is a JSON text frame with a ``type``. Client messages form a discriminated union
on ``type``; extra fields are forbidden and floats must be finite. ``docs/protocol.md`` embeds
the JSON Schema generated from these models (``python -m app.protocol`` prints it, and a test
checks that the document matches).
"""

from __future__ import annotations

import json
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

PROTOCOL_VERSION = "1.0"

Dataset = Literal["circle", "xor", "gauss", "spiral", "moons", "three_blobs", "plane", "bumps"]
Activation = Literal["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
OutputActivation = Literal["sigmoid", "softmax", "linear"]
Loss = Literal["bce", "cross_entropy", "mse"]
Init = Literal["zeros", "random", "xavier", "he"]
Optimizer = Literal["sgd", "momentum", "adam"]
Granularity = Literal["substep", "layer", "phase", "iteration", "epoch"]

Finite = Annotated[float, Field(allow_inf_nan=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class NetworkConfig(Strict):
    """A whole setup. Every field has a teaching-friendly default.

    Server-side limits (hidden layers, units, samples) come from the settings and are checked
    on top of the bounds declared here.
    """

    dataset: Dataset = Field("circle", description="Which 2-D dataset to learn.")
    n_samples: int = Field(200, ge=4, le=100_000, description="Train and test examples in all.")
    noise: Finite = Field(0.05, ge=0, le=1, description="Std. dev. of the jitter on features.")
    train_fraction: Finite = Field(0.8, ge=0.05, le=0.95, description="Share used to train.")
    hidden_layers: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: [4, 3], description="Units per hidden layer."
    )
    activation: Activation | list[Activation] = Field(
        "tanh", description="Hidden activation: one name, or one per hidden layer."
    )
    output_activation: OutputActivation | None = Field(
        None, description="Default: sigmoid (binary), softmax (3 classes), linear (regression)."
    )
    loss: Loss | None = Field(
        None, description="Default: bce (binary), cross_entropy (3 classes), mse (regression)."
    )
    init: Init = Field("xavier", description="Weight initialization; biases start at 0.")
    learning_rate: Finite = Field(0.3, gt=0, le=100, description="α, the step size.")
    batch_size: int | None = Field(
        32, ge=1, description="Examples per iteration; null for the full batch."
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seeds data, init and shuffling.")
    optimizer: Optimizer = Field("sgd", description="sgd (plain gradient descent), momentum, adam.")
    l2: Finite = Field(0.0, ge=0, le=10, description="λ of the L2 penalty.")


# ---------------------------------------------------------------------------- client → server
class Configure(Strict):
    type: Literal["configure"]
    config: NetworkConfig = Field(default_factory=NetworkConfig)


class Step(Strict):
    type: Literal["step"]
    granularity: Granularity = "substep"


class Back(Strict):
    type: Literal["back"]
    granularity: Granularity = "substep"


class Run(Strict):
    type: Literal["run"]
    speed: Finite | None = Field(
        None, gt=0, le=100_000, description="Iterations per second; null for as fast as possible."
    )


class Pause(Strict):
    type: Literal["pause"]


class Reset(Strict):
    type: Literal["reset"]
    seed: int | None = Field(None, ge=0, le=2**32 - 1)


class Set(Strict):
    type: Literal["set"]
    learning_rate: Finite | None = Field(None, gt=0, le=100)
    l2: Finite | None = Field(None, ge=0, le=10)
    speed: Finite | None = Field(None, gt=0, le=100_000)


class Focus(Strict):
    type: Literal["focus"]
    example: int = Field(ge=0)


class GradCheck(Strict):
    type: Literal["gradcheck"]


class Resume(Strict):
    type: Literal["resume"]
    session: str = Field(min_length=1, max_length=128)


ClientMessage = Annotated[
    Configure | Step | Back | Run | Pause | Reset | Set | Focus | GradCheck | Resume,
    Field(discriminator="type"),
]
client_adapter: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
#: The client message types, in the union's order (for error messages).
CLIENT_TYPES = [get_args(m.model_fields["type"].annotation)[0]
                for m in get_args(get_args(ClientMessage)[0])]


# ---------------------------------------------------------------------------- server → client
# These document the outgoing messages; the server builds them as plain dicts for speed, and
# the tests validate what it sends against these models.
Matrix = list[list[float | None]] | None


class StepInfo(BaseModel):
    phase: Literal["forward", "loss", "backward", "update"]
    quantity: Literal["Z", "A", "dA", "dZ", "dW", "db", "W", "b", "cost"]
    layer: int | None
    at: int | None = Field(description="The layer whose equations run (l for dA[l-1]).")
    equation: str
    formula: str
    latex: str
    operands: list[dict]
    result: dict


class LayerState(BaseModel):
    l: int
    n: int
    activation: str
    W: Matrix
    b: Matrix
    Z: Matrix
    A: Matrix
    dA: Matrix
    dZ: Matrix
    dW: Matrix
    dW_l2: Matrix
    db: Matrix
    dA_prev: Matrix


class Boundary(BaseModel):
    """The model's output on an n×n grid, row by row from the top-left, as base64 bytes.

    Each byte is round(255·(v − min)/(max − min)); ``channels`` values per grid point.
    """

    n: int
    extent: list[float]
    channels: int
    min: float
    max: float
    encoding: Literal["u8-base64"]
    data: str


class Metrics(BaseModel):
    train_cost: float | None
    test_cost: float | None
    train_accuracy: float | None
    test_accuracy: float | None


class Hello(BaseModel):
    type: Literal["hello"]
    protocol: str
    session: str
    limits: dict


class DatasetMessage(BaseModel):
    type: Literal["dataset"]
    name: str
    kind: Literal["binary", "multiclass", "regression"]
    extent: list[float]
    X_train: Matrix
    Y_train: Matrix
    X_test: Matrix
    Y_test: Matrix


class State(BaseModel):
    type: Literal["state"]
    config: NetworkConfig
    sizes: list[int]
    iteration: int = Field(description="Completed iterations (one iteration = one batch).")
    epoch: int = Field(description="Completed epochs (one epoch = every batch once).")
    batch_in_epoch: int
    batches_per_epoch: int
    position: int
    substeps_per_iteration: int
    last: StepInfo | None
    next: StepInfo
    cost: float | None
    cost_data: float | None
    cost_l2: float | None
    batch: dict
    focus: int
    layers: list[LayerState]
    symmetry: list[dict]
    diverged: bool
    can_back: bool
    running: bool
    learning_rate: float
    l2: float
    shortcut_latex: str | None
    metrics: Metrics
    boundary: Boundary


class Frame(BaseModel):
    type: Literal["frame"]
    iteration: int
    epoch: int
    position: int
    costs: list[list[float | None]] = Field(
        description="[iteration, batch cost] for every iteration since the last frame "
        "(costs to 6 significant digits; the state's cost is exact)."
    )
    metrics: Metrics
    W: list[Matrix]
    b: list[Matrix]
    symmetry: list[dict]
    diverged: bool
    boundary: Boundary


class GradCheckResult(BaseModel):
    type: Literal["gradcheck"]
    epsilon: float
    threshold: float
    passed: bool
    max_relative_error: float | None
    layers: list[dict]


class Error(BaseModel):
    type: Literal["error"]
    code: str
    message: str
    field: str | None


SERVER_MESSAGES = {
    "hello": Hello, "dataset": DatasetMessage, "state": State, "frame": Frame,
    "gradcheck": GradCheckResult, "error": Error,
}


def protocol_schema() -> dict:
    """The JSON Schema of both directions, as embedded in docs/protocol.md."""
    return {
        "version": PROTOCOL_VERSION,
        "client": client_adapter.json_schema(),
        "server": {name: model.model_json_schema() for name, model in SERVER_MESSAGES.items()},
    }


def schema_text() -> str:
    return json.dumps(protocol_schema(), indent=2, sort_keys=True, ensure_ascii=False)


SCHEMA_START = "<!-- schema:start (generated by `python -m app.protocol docs/protocol.md`) -->"
SCHEMA_END = "<!-- schema:end -->"


def with_schema(document: str) -> str:
    """``document`` with the block between the schema markers replaced by the current schema."""
    head, _, rest = document.partition(SCHEMA_START)
    _, _, tail = rest.partition(SCHEMA_END)
    return f"{head}{SCHEMA_START}\n```json\n{schema_text()}\n```\n{SCHEMA_END}{tail}"


if __name__ == "__main__":  # pragma: no cover
    import sys

    if len(sys.argv) > 1:
        path = sys.argv[1]
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(with_schema(text))
    else:
        print(schema_text())
