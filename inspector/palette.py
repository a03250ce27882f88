"""Colours and names of blame levels, one source for the window and the report (Qt-free: plain hex strings)."""

from __future__ import annotations

LEVELS = {
    "blamed": ("#d62728", "responsible: repairing it restores the output"),
    "suspect": ("#ff9f1c", "suspect: evidence, but no repair of it alone restored the output"),
    "dead": ("#9467bd", "signal already dead (downstream of the cause)"),
    "ok": ("#a6cee3", "measured, varies with the input"),
    "static": ("#e0e0e0", "not measured (no data run yet, or left out)"),
}
# the same levels in a word or two, for a legend that must fit one line above the graph (the full text is its tooltip)
LEVEL_NAMES = {"blamed": "responsible", "suspect": "suspect", "dead": "dead downstream", "ok": "varies with the input",
               "static": "not measured"}
SEVERITY = {"error": "#d62728", "warning": "#ff9f1c", "info": "#1f77b4"}
TEXT = "#202124"
MUTED = "#5f6368"
BACKGROUND = "#ffffff"
PANEL = "#f6f7f9"
GOOD = "#2ca02c"
BLAME = LEVELS["blamed"][0]  # a collapsed head's constant output is marked in the colour of the blame
OUTPUT = "#1f77b4"  # a head's outputs (or a layer's values) in histograms
TARGET = "#a6a6a6"  # the targets behind them
GRID = "#dadce0"
EDGE = "#9aa0a6"  # the graph's edges
OUTLINE = MUTED  # a node's border
SELECTED = "#1a73e8"  # a selected node's border
RULE = "#eeeeee"  # table rules and "not measured" cells


def levels_for(diagnosis) -> dict[str, str]:  # noqa: ANN001 - analysis.diagnose.Diagnosis, imported lazily elsewhere
    """Blame level of every layer: the same rule draws the graph in the window and in the report."""
    levels: dict[str, str] = {}
    if diagnosis is None:
        return levels
    dead = diagnosis.thresholds["dead_spread"]
    for name, measure in diagnosis.layers.items():
        levels[name] = "dead" if measure.activation.relative_spread < dead else "ok"
    for entry in diagnosis.blame:  # red only where a repair of the layer restored the output
        levels[entry.layer] = "blamed" if entry.responsible else "suspect"
    return levels


def level_of_container(levels: dict[str, str], name: str) -> str | None:
    """A nested model drawn as one node takes the strongest level of its layers."""
    rank = list(LEVELS)
    inner = [lvl for layer, lvl in levels.items() if layer.startswith(name + "/")]
    return min(inner, key=rank.index) if inner else None


# A continuous scale for a per-layer number drawn on the graph (a comparison's weight change): from barely changed
# (light) to most changed (strong); layers the number does not exist for keep LEVELS["static"].
CHANGE_SCALE = ("#fff5eb", "#fdd0a2", "#fdae6b", "#f16913", "#d94801", "#8c2d04")


def scale_colour(fraction: float, stops: tuple[str, ...] = CHANGE_SCALE) -> str:
    """The colour at `fraction` (0..1, clipped) along a scale, interpolated between its stops."""
    fraction = min(max(float(fraction), 0.0), 1.0) if fraction == fraction else 0.0
    position = fraction * (len(stops) - 1)
    i = min(int(position), len(stops) - 2)
    t = position - i
    a, b = (tuple(int(s[k:k + 2], 16) for k in (1, 3, 5)) for s in (stops[i], stops[i + 1]))
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def is_dark(colour: str) -> bool:
    """Whether text on this fill should be white (relative luminance below one half)."""
    r, g, b = (int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5
