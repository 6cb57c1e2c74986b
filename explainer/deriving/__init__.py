"""Deriving: an Architecture -> a Solution, every count and shape worked out exactly.

The spec (pure data), the layer kinds behind their registry, formulas and steps, the solver,
and what is derived beside the counts (costs, comparisons between frameworks, a check against
the real framework, named sizes, language models from a configuration). Nothing here reads a
file or produces text: :mod:`explainer.reading` gives it specs, :mod:`explainer.rendering`
words its results.
"""
