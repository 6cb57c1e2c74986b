"""Rendering: solutions, quizzes and reports -> text (Markdown, LaTeX, text, HTML, JSON, ...).

Every Jinja environment, printer, serializer and picture lives here, and the one module that
writes files (:mod:`explainer.rendering.files`). Nothing here derives a number: it words what
:mod:`explainer.deriving` worked out.
"""
