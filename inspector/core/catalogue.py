"""The finding catalogue: every kind of finding, whether it is a cause or a symptom, how much it weighs in blame,
which thresholds it uses, what fixes it and which counterfactual repair proves it; and every threshold of the
diagnosis in one table.

One row per kind. Detectors (core/findings.py for what the file alone says, analysis/diagnose.py for what the
data shows) emit findings of a catalogued kind; blame, the report and the JSON read this table and nothing else
to tell a cause from a symptom. Adding a kind is one row here plus one detector.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Role = Literal["cause", "symptom", "context"]


@dataclass(frozen=True)
class Threshold:
    value: float
    meaning: str


THRESHOLDS: dict[str, Threshold] = {t_name: Threshold(v, m) for t_name, v, m in [
    # --- is a head collapsed? ---
    ("collapse_ratio", 0.01, "a regression head is collapsed when its across-sample std is below this share of the "
                             "targets' std"),
    ("nearly_collapsed_ratio", 0.05, "... and nearly collapsed (a warning) below this share"),
    ("collapse_relative_spread", 1e-3, "without targets: collapsed when the std is below this share of the output's "
                                       "RMS magnitude"),
    ("nearly_relative_spread", 1e-2, "without targets: nearly collapsed below this share"),
    ("same_class_share", 0.99, "a classifier is collapsed when one predicted class takes this share of the samples"),
    ("nearly_class_share", 0.90, "... and nearly collapsed from this share, when it also predicts fewer than half "
                                 "of the other classes' share of the targets"),
    ("identical_heads_tolerance", 1e-6, "two heads are identical when they never differ by more than this times "
                                        "their scale"),
    # --- layers ---
    ("dead_spread", 1e-3, "a layer's signal is dead when its relative across-sample spread is below this"),
    ("dead_units_warning", 0.5, "share of dead ReLU units reported as a warning"),
    ("dead_units_material", 0.1, "share of dead ReLU units below which dead units are not reported at all"),
    ("saturated_units_warning", 0.5, "share of saturated units reported as a warning"),
    ("near_bound", 0.01, "a value within this share of a bounded activation's range from a bound is saturated"),
    ("saturated_unit", 0.99, "a unit is saturated when this share of its values sit at a bound"),
    ("constant_units_share", 0.5, "a layer whose spread died is blamed for constant units from this share of them"),
    ("decay_per_layer", 0.5, "a slow decay: the relative spread shrinks by at least this factor per layer ..."),
    ("decay_span", 4, "... over at least this many consecutive layers"),
    # --- gradients ---
    ("vanishing_ratio", 1e-3, "first/last layer weight-gradient RMS below this: vanishing gradients"),
    ("exploding_ratio", 1e3, "... above this: exploding gradients"),
    # --- data ---
    ("unnormalized_scale", 10.0, "an input feature with |mean| + std above this is not normalised"),
    ("unnormalized_std_ratio", 100.0, "... or input feature stds differing by this factor"),
    ("target_scale", 10.0, "regression targets with |mean| or std above this are unscaled"),
    ("class_imbalance", 0.9, "majority class share of the targets reported as imbalance"),
    ("unknown_tokens_warning", 0.5, "share of a text layer's tokens outside its vocabulary reported"),
    ("unknown_tokens_error", 0.9, "... as the cause (error) when the output collapsed"),
    ("range_miss_share", 0.05, "an output activation cannot produce the targets when this share of them lies "
                               "outside its range"),
    # --- weights, data-free ---
    ("heavy_regularization", 0.1, "l1/l2 factor from which a regularizer is reported as a warning"),
    ("unit_tolerance", 0.0, "output units are identical when their weights differ by at most this (0: to the bit)"),
    ("bias_dominance", 10.0, "|bias| above this many times the kernel column's L2 norm dominates the output"),
    # --- verification ---
    ("verify_restored", 10.0, "a repair restores a head when its spread grows by this factor and the head is no "
                              "longer collapsed by the rules above"),
    ("verify_candidates", 6, "how many blamed layers are repaired in memory to verify them"),
]}


def threshold(name: str) -> float:
    return THRESHOLDS[name].value


def threshold_values() -> dict[str, float]:
    """Plain name -> value, as written into the JSON and the report."""
    return {name: t.value for name, t in THRESHOLDS.items()}


@dataclass(frozen=True)
class Kind:
    name: str
    role: Role  # cause: why the output cannot vary; symptom: where it shows; context: neither
    blame_weight: float  # points a finding of this kind adds to its layer's blame score (0: never blamed)
    thresholds: tuple[str, ...]
    fix: str
    repair: str | None  # the counterfactual repair that proves it (see REPAIRS), None where none can run
    blocks: bool = False  # the layer's output does not depend on its input at all (constant by construction)
    tier: int = 2  # rank in blame: 0 constant by construction, 1 a fault of the task at the output (targets,
    # labels, output activation, loss) or of the data, which explains mechanisms elsewhere, 2 a mechanism
    # (dead, saturated, fading), 3 a symptom. A repair that restores the output proves a mechanism (tier 2).


REPAIRS = {
    "reinitialise": "re-initialise the layer's weights with the initialiser that suits its activation",
    "replace_activation": "replace the layer's activation (one-unit softmax -> sigmoid, bounded output on "
                          "unbounded targets -> linear, sigmoid over exclusive classes -> softmax)",
    "reset_batchnorm": "reset BatchNormalization to identity (gamma 1, beta 0, mean 0, variance 1)",
    "zero_non_finite": "set the layer's NaN/Inf weights to 0",
    "standardise_inputs": "standardise the measured inputs feature by feature (a data counterfactual)",
    "refit_output": "fit the output layer's kernel and bias by least squares on the measured batch and its targets",
    "reinitialise_span": "re-initialise a whole span of consecutive layers (for a slow decay over a stack)",
}

KINDS: dict[str, Kind] = {k.name: k for k in [
    # causes: why the output cannot vary
    Kind("single_unit_softmax", "cause", 6.0, (), "for a binary output use Dense(1, activation='sigmoid') with "
         "binary_crossentropy, or Dense(2, activation='softmax') with one-hot targets", "replace_activation",
         blocks=True, tier=0),
    Kind("output_range_mismatch", "cause", 4.0, ("range_miss_share",), "use an output activation whose range "
         "covers the targets (linear for unbounded regression), or rescale the targets into its range",
         "replace_activation", tier=1),
    Kind("loss_activation_mismatch", "cause", 4.0, (), "match the output activation to the loss: softmax with "
         "categorical cross-entropy over exclusive classes, sigmoid (or from_logits=True) with binary cross-entropy",
         "replace_activation", tier=1),
    Kind("target_shape_mismatch", "cause", 4.5, (), "give the targets the output's shape: one-hot labels "
         "(keras.utils.to_categorical) or sparse_categorical_crossentropy for integer labels, and the same "
         "trailing axes as the output", "refit_output", tier=1),
    Kind("zero_weights", "cause", 5.0, (), "re-initialise the layer (glorot_uniform/he_normal for kernels, ones "
         "for gamma) and retrain; check for kernel_initializer='zeros'", "reinitialise", blocks=True, tier=0),
    Kind("non_finite", "cause", 5.0, (), "training diverged: lower the learning rate, clip gradients, check the "
         "data for NaN, and restart from a checkpoint before the divergence", "zero_non_finite", tier=0),
    Kind("constant_weights", "cause", 2.0, (), "use a random initializer (glorot_uniform, he_normal): constant "
         "weights never break symmetry", "reinitialise"),
    Kind("dead_units", "cause", 3.0, ("dead_units_warning", "dead_units_material"), "lower the learning rate, use "
         "he_normal initialisation, LeakyReLU/ELU, or BatchNormalization before the activation",
         "reinitialise"),
    Kind("saturation", "cause", 2.5, ("saturated_units_warning", "near_bound", "saturated_unit"), "normalise the "
         "layer's inputs, lower the initial weights, or use a relu-family activation", "reinitialise"),
    Kind("identical_heads", "cause", 3.0, ("identical_heads_tolerance",), "give the heads their own weights and "
         "initialisation; check that different targets reach them", "reinitialise", tier=1),
    Kind("over_regularization", "cause", 2.0, ("heavy_regularization",), "lower the factor (1e-4 to 1e-3 is "
         "typical) and check that the weights are not pushed to zero", "reinitialise"),
    Kind("out_of_vocabulary", "cause", 4.0, ("unknown_tokens_warning", "unknown_tokens_error"), "check that the "
         "data is preprocessed like the training text and that the saved vocabulary is the adapted one", None, tier=1),
    Kind("missing_vocabulary", "cause", 0.0, (), "save the model in the .keras format, which keeps the vocabulary",
         None, tier=1),
    Kind("spread_decay", "cause", 3.0, ("decay_per_layer", "decay_span"), "the signal fades layer after layer: "
         "use fewer layers, he_normal initialisation, BatchNormalization or residual connections",
         "reinitialise_span"),
    Kind("vanishing_gradient", "cause", 1.0, ("vanishing_ratio",), "use relu-family activations instead of "
         "stacked sigmoid/tanh, add BatchNormalization or residual connections, and he_normal initialisation",
         "reinitialise_span"),
    # data-side causes: they name the layer where the fix lands
    Kind("unnormalized_input", "cause", 2.5, ("unnormalized_scale", "unnormalized_std_ratio"), "standardise each "
         "feature (subtract the mean, divide by the std), e.g. with a keras.layers.Normalization layer",
         "standardise_inputs"),
    Kind("constant_input", "cause", 4.0, (), "check the data pipeline: every sample reaching this input is the "
         "same (a preprocessing step that zeroes or overwrites it, a wrong column, images that failed to load)",
         "standardise_inputs", tier=1),
    Kind("target_scale_mismatch", "cause", 3.0, ("target_scale",), "standardise the targets (and invert the "
         "scaling on predictions); a linear output then only has to learn values of order 1", "refit_output", tier=1),
    Kind("class_imbalance", "cause", 3.0, ("class_imbalance",), "use class_weight, resampling, or a metric that "
         "is not fooled by the majority class", "refit_output", tier=1),
    # symptoms: where the collapse shows, not why
    Kind("constant_output", "symptom", 1.0, ("collapse_ratio", "collapse_relative_spread", "same_class_share"),
         "follow the causes in the blame list: the output stopped depending on the input there", None, tier=3),
    Kind("nearly_collapsed", "symptom", 0.5, ("nearly_collapsed_ratio", "nearly_relative_spread",
                                              "nearly_class_share"),
         "the head barely depends on its input: look at the causes in the blame list", None, tier=3),
    Kind("spread_dies", "symptom", 2.0, ("dead_spread",), "the across-sample spread dies in this layer: look for "
         "why (its weights, its inputs)", "reinitialise", tier=3),
    Kind("constant_units", "symptom", 1.0, ("dead_spread", "constant_units_share"), "", "reinitialise", tier=3),
    Kind("bias_dominated_output", "symptom", 1.0, ("bias_dominance",), "the output has learned the target mean "
         "only: scale the targets, check the learning rate and that the inputs reach this layer", "refit_output", tier=3),
    Kind("exploding_gradient", "context", 0.0, ("exploding_ratio",), "lower the learning rate, clip gradients "
         "(clipnorm=1.0), normalise inputs", None, tier=3),
    Kind("code_in_file", "context", 0.0, (), "diagnose measures everything before this layer; with --trust-code "
         "(only for files you trust) it is built and run too", None, tier=3),
    Kind("missing_architecture", "context", 0.0, (), "save the whole model with model.save('model.keras')", None, tier=3),
]}


def kind(name: str) -> Kind:
    return KINDS[name]


def is_cause(name: str) -> bool:
    return KINDS[name].role == "cause"


def catalogue_table() -> list[dict[str, Any]]:
    """The catalogue as plain rows (JSON, report, README)."""
    return [{**asdict(k), "thresholds": list(k.thresholds)} for k in KINDS.values()]


def threshold_meanings() -> dict[str, str]:
    return {name: t.meaning for name, t in THRESHOLDS.items()}
