"""The Keras dialect: Keras names and arguments, channels-last shapes, Keras's counting rules.

Each kind is a small class in this package with Keras's own argument names, order and
defaults; its formulas are the PyTorch kinds' (conv.params_step, sizes.window_steps, Linear),
and only what Keras does differently has a step of its own, whose why line says so; where the
two frameworks count a kind differently, layers.conventions says how, once for both. The
kinds are registered, and imported on first use, in ``explainer.layers.KERAS_KINDS``, as the
PyTorch kinds are. Every entry is checked against real Keras in tests/test_keras_oracle.py.
"""
