"""keras-inspector: find out why a Keras model predicts the same value for everything.

Importing the package is cheap on purpose: nothing here touches TensorFlow or Qt.
"""

__version__ = "0.1.0"  # the only place the version is written: pyproject.toml reads it from here

__all__ = ["__version__"]
