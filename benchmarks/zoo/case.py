"""What a zoo case is: a training program, what it is meant to show, and the registry that lists them all.

The intent is only a claim: `label.py` keeps it where the measurement on the saved model confirms it and reports
the case as inconsistent where it does not (the program then has to change, never the label).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Task = Literal["regression", "binary", "multiclass"]
Outcome = Literal["collapsed", "nearly", "fault", "healthy"]

CAUSES = frozenset({
    "single_unit_softmax", "output_range_mismatch", "loss_activation_mismatch", "target_shape_mismatch",
    "zero_weights", "non_finite", "dead_units", "saturation", "vanishing_gradient", "unnormalized_input",
    "target_scale_mismatch", "class_imbalance", "over_regularization", "identical_heads", "spread_decay",
    "constant_weights", "bias_dominated_output", "exploding_gradient",
})


@dataclass(frozen=True)
class FirstDead:
    """The buggy layer is whichever of these is the first to end dead (at least `label.DEAD` of its units output 0
    for every sample): which one a high learning rate kills is a fact of the run, so it is measured, not assumed."""

    layers: tuple[str, ...]


@dataclass(frozen=True)
class HoldsNonFinite:
    """The buggy layers are those of these whose weights ended NaN or infinite: where a diverging run leaves
    them is a fact of the run, so it is measured."""

    layers: tuple[str, ...]


@dataclass(frozen=True)
class Intent:
    outcome: Outcome
    buggy: tuple[str, ...] | FirstDead | HoldsNonFinite = ()
    causes: tuple[str, ...] = ()
    warning: tuple[str, str] | None = None  # (kind, layer) for an output fault on a model that is not collapsed
    probe: tuple[str, ...] = ()  # extra layers whose activations are measured (the buggy ones always are)

    def __post_init__(self) -> None:
        unknown = set(self.causes) - CAUSES
        if unknown:
            raise ValueError(f"unknown cause kinds {sorted(unknown)}")


@dataclass
class Trained:
    """What a program hands back: the trained model, the arrays it trained on (named as `data.npz` stores
    them) and the task of each output, by output layer name."""

    model: Any
    data: dict[str, np.ndarray]
    tasks: dict[str, Task]
    notes: str = ""
    history: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    name: str
    pattern: str
    program: Callable[[], Trained]
    intent: Intent
    fmt: Literal["keras", "h5"] = "keras"
    doc: str = ""

    @property
    def model_file(self) -> str:
        return f"model.{self.fmt}"


CASES: dict[str, Case] = {}


def case(name: str, pattern: str, intent: Intent, fmt: Literal["keras", "h5"] = "keras"):  # noqa: ANN201
    """Register a program as a zoo case; its docstring says what Stack Overflow pattern it follows."""

    def register(program: Callable[[], Trained]) -> Callable[[], Trained]:
        if name in CASES:
            raise ValueError(f"zoo case {name!r} registered twice")
        CASES[name] = Case(name, pattern, program, intent, fmt, (program.__doc__ or "").strip())
        return program

    return register


def all_cases() -> dict[str, Case]:
    """Every case, importing the program modules on first use (they register themselves)."""
    from zoo import cases_data, cases_healthy, cases_output, cases_shapes, cases_structure, cases_training  # noqa: F401

    return CASES
