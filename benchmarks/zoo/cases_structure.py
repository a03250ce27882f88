"""Structure: nested models with the bug inside (named `outer/inner`, as the reader names them), multi-output
regressions whose heads end identical, and a slow decay of the spread through a stack of narrow ReLU layers."""

from __future__ import annotations

import numpy as np

from zoo.case import FirstDead, Intent, Trained, case
from zoo.kit import classes, f32, fit, images, mlp, one_hot, regression, seeded


@case("nested_sequential_zero_relu", "nested",
      Intent("collapsed", ("block/h2",), ("zero_weights", "dead_units", "constant_weights")))
def nested_sequential_zero_relu() -> Trained:
    """A Functional model that calls a Sequential feature block; inside the block a ReLU layer was built with
    kernel_initializer='zeros', so it is dead from the start and the whole block outputs a constant."""
    import keras

    rng = seeded(60)
    x, y = regression(rng)
    L = keras.layers
    block = keras.Sequential([keras.Input((8,)), L.Dense(32, activation="relu", name="h1"),
                              L.Dense(32, activation="relu", kernel_initializer="zeros", name="h2")], name="block")
    inp = keras.Input((8,), name="x")
    out = L.Dense(1, name="out")(L.Dense(16, activation="relu", name="top")(block(inp)))
    model = keras.Model(inp, out)
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


@case("nested_functional_nan", "nested", Intent("collapsed", ("encoder/e2",), ("non_finite",)))
def nested_functional_nan() -> Trained:
    """A Functional tanh encoder used as a layer of a classifier, trained, then one NaN lands in its second
    kernel."""
    import keras

    rng = seeded(61)
    x, labels = classes(rng, k=3)
    L = keras.layers
    e_in = keras.Input((8,), name="e_in")
    e = L.Dense(16, activation="tanh", name="e2")(L.Dense(32, activation="tanh", name="e1")(e_in))
    encoder = keras.Model(e_in, e, name="encoder")
    inp = keras.Input((8,), name="x")
    out = L.Dense(3, activation="softmax", name="out")(encoder(inp))
    model = keras.Model(inp, out)
    model.compile("adam", "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 3), epochs=10)
    layer = encoder.get_layer("e2")
    weights = layer.get_weights()
    weights[0][2, 7] = np.nan
    layer.set_weights(weights)
    return Trained(model, {"x": x, "y": one_hot(labels, 3)}, {"out": "multiclass"}, history=history)


@case("nested_softmax_one_unit", "nested",
      Intent("collapsed", ("classifier/prob",), ("single_unit_softmax", "loss_activation_mismatch")))
def nested_softmax_one_unit() -> Trained:
    """A Sequential classifier head, used as the last layer of a Functional model, ends in Dense(1, softmax): the
    outer output layer is the nested model itself, the fault is inside it."""
    import keras

    rng = seeded(62)
    x, labels = classes(rng, k=2)
    L = keras.layers
    head = keras.Sequential([keras.Input((16,)), L.Dense(16, activation="relu", name="fc"),
                             L.Dense(1, activation="softmax", name="prob")], name="classifier")
    inp = keras.Input((8,), name="x")
    model = keras.Model(inp, head(L.Dense(16, activation="relu", name="trunk")(inp)))
    model.compile("adam", "binary_crossentropy")
    history = fit(model, x, f32(labels[:, None]), epochs=5)
    return Trained(model, {"x": x, "y": f32(labels[:, None])}, {"classifier": "binary"}, history=history)


@case("nested_unscaled_tanh", "nested",
      Intent("collapsed", ("features/f1",), ("unnormalized_input", "saturation")))
def nested_unscaled_tanh() -> Trained:
    """A nested Sequential feature extractor with tanh layers receives raw features in the thousands."""
    import keras

    rng = seeded(63)
    x, y = regression(rng)
    x = f32(x * rng.uniform(20, 200, size=8) + rng.uniform(1000, 5000, size=8))
    L = keras.layers
    features = keras.Sequential([keras.Input((8,)), L.Dense(32, activation="tanh", name="f1"),
                                 L.Dense(16, activation="tanh", name="f2")], name="features")
    model = keras.Sequential([keras.Input((8,), name="x"), features, L.Dense(1, name="out")])
    model.compile("sgd", "mse")
    history = fit(model, x, y, epochs=5)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)


def _three_targets(seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Three different standardised targets (same mean and scale, different functions of the input)."""
    rng = seeded(seed)
    x, y1 = regression(rng)
    y2 = np.sin(x[:, :1] * 1.5) + 0.3 * x[:, 2:3]
    y3 = x[:, 3:4] * x[:, 4:5]
    ys = [(y - y.mean()) / y.std() for y in (y1, y2, y3)]
    return x, {f"y_o{i}": f32(y) for i, y in enumerate(ys, start=1)}


@case("multi_output_zero_init_identical", "identical_heads",
      Intent("collapsed", ("o1", "o2", "o3", "hidden1", "hidden2"),
             ("identical_heads", "zero_weights", "constant_weights")))
def multi_output_zero_init_identical() -> Trained:
    """The seed article's multi-output regression: a shared ReLU trunk and three Dense(1) heads, every layer with
    kernel_initializer='zeros', trained full-batch. The trunk never moves, each head learns only its bias, the
    targets have the same mean, and the three heads output one and the same constant."""
    import keras

    x, targets = _three_targets(64)
    L = keras.layers
    inp = keras.Input((8,), name="x")
    h = L.Dense(64, activation="relu", kernel_initializer="zeros", name="hidden1")(inp)
    h = L.Dense(32, activation="relu", kernel_initializer="zeros", name="hidden2")(h)
    outs = [L.Dense(1, kernel_initializer="zeros", name=f"o{i}")(h) for i in (1, 2, 3)]
    model = keras.Model(inp, outs)
    model.compile(keras.optimizers.SGD(0.01), "mse")
    history = fit(model, x, [targets["y_o1"], targets["y_o2"], targets["y_o3"]], epochs=50, batch_size=len(x))
    return Trained(model, {"x": x, **targets}, {"o1": "regression", "o2": "regression", "o3": "regression"},
                   history=history)


@case("multi_output_dense3_zeros", "identical_heads",
      Intent("collapsed", ("dense1", "dense2", "out3"), ("zero_weights", "constant_weights", "identical_heads")),
      fmt="h5")
def multi_output_dense3_zeros() -> Trained:
    """The seed article's first example taken all the way: Dense(64, relu) -> Dense(32, relu) -> Dense(3), all
    zero-initialised, one 3-column head for three standardised targets: the three columns are one constant; .h5."""

    x, targets = _three_targets(65)
    y = np.concatenate([targets["y_o1"], targets["y_o2"], targets["y_o3"]], axis=1)
    model = mlp(8, [64, 32], 3, None, names=("dense", "out3"), kernel_initializer="zeros")
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=10)
    return Trained(model, {"x": x, "y": y}, {"out3": "regression"}, history=history)


@case("multi_output_high_lr_head_dies", "dead_units",
      Intent("collapsed", FirstDead(("trunk", "b1", "b2", "b3")), ("dead_units",)))
def multi_output_high_lr_head_dies() -> Trained:
    """Three regression heads, each with its own ReLU branch on one trunk, trained with Adam at 5.0: one branch
    dies and its head outputs a constant while the others still vary (measured: which branch dies)."""
    import keras

    x, targets = _three_targets(66)
    L = keras.layers
    inp = keras.Input((8,), name="x")
    h = L.Dense(32, activation="relu", name="trunk")(inp)
    outs = [L.Dense(1, name=f"o{i}")(L.Dense(8, activation="relu", name=f"b{i}")(h)) for i in (1, 2, 3)]
    model = keras.Model(inp, outs)
    model.compile(keras.optimizers.Adam(5.0), "mse")
    history = fit(model, x, [targets["y_o1"], targets["y_o2"], targets["y_o3"]], epochs=5)
    return Trained(model, {"x": x, **targets}, {"o1": "regression", "o2": "regression", "o3": "regression"},
                   history=history)


@case("spread_decay_lenet_dense84x13", "spread_decay",
      Intent("collapsed", tuple(f"d{i}" for i in range(1, 14)), ("spread_decay", "vanishing_gradient")))
def spread_decay_lenet_dense84x13() -> Trained:
    """Like the DeepDiagnosis MNIST model: two Conv2D + pooling, Dense(120), then thirteen Dense(84) ReLU layers
    initialised too small (RandomNormal stddev 0.03) and a 10-way softmax, trained briefly with SGD: the spread
    shrinks layer after layer, no single layer is the cause."""
    import keras

    rng = seeded(67)
    x, labels = images(rng, n=900, size=12, k=3)
    init = keras.initializers.RandomNormal(stddev=0.03)
    L = keras.layers
    layers = [keras.Input(x.shape[1:], name="x"), L.Conv2D(6, 3, activation="relu", padding="same", name="conv1"),
              L.MaxPooling2D(name="pool1"), L.Conv2D(16, 3, activation="relu", padding="same", name="conv2"),
              L.MaxPooling2D(name="pool2"), L.Flatten(name="flat"), L.Dense(120, activation="relu", name="fc")]
    layers += [L.Dense(84, activation="relu", kernel_initializer=init, name=f"d{i}") for i in range(1, 14)]
    layers.append(L.Dense(10, activation="softmax", name="out"))
    model = keras.Sequential(layers)
    model.compile(keras.optimizers.SGD(0.01), "categorical_crossentropy")
    history = fit(model, x, one_hot(labels, 10), epochs=3)
    return Trained(model, {"x": x, "y": one_hot(labels, 10)}, {"out": "multiclass"}, history=history)


@case("spread_decay_dense32x20", "spread_decay",
      Intent("collapsed", tuple(f"d{i}" for i in range(1, 21)), ("spread_decay", "vanishing_gradient")), fmt="h5")
def spread_decay_dense32x20() -> Trained:
    """Twenty Dense(32) ReLU layers with a small normal initialiser and Adam: the regression output is flat; .h5."""
    import keras

    rng = seeded(68)
    x, y = regression(rng)
    init = keras.initializers.RandomNormal(stddev=0.05)
    L = keras.layers
    layers = [keras.Input((8,), name="x")]
    layers += [L.Dense(32, activation="relu", kernel_initializer=init, name=f"d{i}") for i in range(1, 21)]
    layers.append(L.Dense(1, name="out"))
    model = keras.Sequential(layers)
    model.compile("adam", "mse")
    history = fit(model, x, y, epochs=3)
    return Trained(model, {"x": x, "y": y}, {"out": "regression"}, history=history)
