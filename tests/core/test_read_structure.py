"""`read_structure`: the graph of a model without walking its weights, as the window draws it before measuring;
every real file gives the layers, edges, shapes and heads `read_model` gives."""

from __future__ import annotations

import pytest

from inspector.core.reader import read_model, read_structure
from inspector.errors import InspectorError
from tests.conftest import CORPUS_REAL, corpus_file, corpus_files


def _shape(info):  # noqa: ANN001, ANN202
    return ({n: (a.class_name, a.output_shape, a.parent, tuple(a.children)) for n, a in info.layers.items()},
            info.edges, info.inputs, info.outputs, [(h.name, h.layers) for h in info.heads])


@pytest.mark.parametrize("name", corpus_files(CORPUS_REAL))
def test_the_structure_is_the_models(name):
    path = corpus_file(CORPUS_REAL, name)
    try:
        full = read_model(path)
    except InspectorError as exc:
        with pytest.raises(type(exc)):
            read_structure(path)
        return
    structure = read_structure(path)
    assert _shape(structure) == _shape(full)
    if full.format == "keras_zip":  # the weights file of the archive is not opened (by content: not the name)
        assert structure.source is None and structure.weight_tree == []
        assert all(not layer.weights for layer in structure.layers.values())
    else:  # an HDF5 file's structure lies among its weights: read in full
        assert structure.source is not None and structure.params == full.params
