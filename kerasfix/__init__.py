"""kerasfix: find and fix Keras layers and models whose weights TensorFlow silently loses."""

__version__ = "0.1.0"
