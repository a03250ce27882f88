"""keras-inspector: find out why a Keras model predicts the same value for everything.

Importing the package is cheap on purpose: nothing here touches TensorFlow or Qt.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("keras-inspector")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
