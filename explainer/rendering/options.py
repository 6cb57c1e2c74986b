"""How a worked solution is written: one object, checked once when it is made, that the
command line and the API build and every later step reads. Every combination of options either
works or is refused here, with one message, before anything is read or solved."""

from __future__ import annotations

from ..deriving.costs import SHOW
from ..errors import OptionError, literal
from ..records import record

FORMATS = ("text", "markdown", "latex", "html", "json")
DIGITS = ("western", "indian", "plain")
EXTENSIONS = {"text": "txt", "markdown": "md", "latex": "tex", "html": "html", "json": "json"}
FADED = ("text", "markdown")  # the formats whose templates blank the steps of a faded example


@record
class Options:
    fmt: str = "text"
    digits: str = "western"
    fade: int = 0  # leave the last N steps blank: a faded worked example
    show: tuple[str, ...] = ()  # cost steps beside the counts: "macs", "memory"
    compare: bool = False  # the other framework's count wherever it differs
    depth: int | None = None  # the summary's rows down to this depth of a print-out's blocks

    def __post_init__(self) -> None:
        _one_of("fmt", self.fmt, FORMATS)
        _one_of("digits", self.digits, DIGITS)
        for name in self.show:
            if name not in SHOW:
                raise OptionError(f"{{show}} {_shown(name)}: choose from {', '.join(SHOW)}")
        check_fade(self.fade)
        if self.depth is not None and (type(self.depth) is not int or self.depth < 1):
            raise OptionError(f"{{depth}} must be a positive integer, got {_shown(self.depth)}")
        if self.fade:
            self._check_fade()
        if self.fmt == "json":  # the contract carries shapes and counts: nothing to drop silently
            if self.show:
                raise OptionError(
                    "{show} writes cost steps, which JSON does not carry: use another {fmt}"
                )
            if self.compare:
                raise OptionError(
                    "{compare} writes the other framework's count, which JSON does not carry: "
                    "use another {fmt}"
                )

    def _check_fade(self) -> None:
        """The blanks are the exercise: nothing may give their numbers away."""
        if self.fmt not in FADED:
            raise OptionError(f"{{fade}} works with the text and markdown formats, not {self.fmt}")
        if self.show:
            raise OptionError("{fade} blanks the shape and parameter steps: leave out {show}")
        if self.compare:
            raise OptionError(
                "{fade} blanks the parameter steps, whose counts {compare} would show: leave it out"
            )


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise OptionError(f"{{{name}}} must be one of {', '.join(allowed)}, got {_shown(value)}")


def check_fade(fade: object) -> None:
    """How many steps a faded worked example leaves blank: a solution's, or practice's."""
    if type(fade) is not int or fade < 0:
        raise OptionError(f"{{fade}} must be a non-negative integer, got {_shown(fade)}")


def _shown(value: object) -> str:
    """A value the caller gave, quoted in a message as it is (its braces name no option)."""
    return literal(repr(value))
