"""The sliding-window size formula shared by convolutions and pooling, one step per axis."""

from __future__ import annotations

from ...errors import ShapeError
from ...records import record
from ..steps import Step, derive
from ..symbolic import decided, fails, is_symbolic
from .base import Misconception

SIZE = "floor((W - F + 2*P)/S + 1)"
SIZE_CEIL = "ceil((W - F + 2*P)/S + 1)"
SIZE_DILATED = "floor((W + 2*P - D*(F - 1) - 1)/S + 1)"
SIZE_DILATED_CEIL = "ceil((W + 2*P - D*(F - 1) - 1)/S + 1)"
LAST_WINDOW = "O - 1"

MEANINGS = {
    "W": "input size",
    "F": "kernel size",
    "P": "padding on each side",
    "S": "stride",
    "D": "dilation",
    "O": "size before the correction",
}

AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}

# The classic wrong sizes of floor((W - F + 2P)/S + 1) (explainer.layers.misconceptions).
SLIPS = {
    "plus-one-forgotten": (
        "the \u201c+ 1\u201d of the size formula forgotten",
        "floor((W - F + 2*P)/S)",
    ),
    "ceil-for-floor": (
        "rounded up instead of taking the floor (a window that does not fit is dropped)",
        "ceil((W - F + 2*P)/S + 1)",
    ),
    "padding-forgotten": ("the padding forgotten", "floor((W - F)/S + 1)"),
    "padding-once": ("padding added on one side only", "floor((W - F + P)/S + 1)"),
    "stride-ignored": (
        "the stride ignored: the window moved one step at a time",
        "W - F + 2*P + 1",
    ),
}
# The handout's own Maxpool row writes floor((128 - 3 + 2×0)/3): a pooling student who copies
# it makes exactly this slip, so the feedback says where it comes from.
HANDOUT_SLIP = (
    "the \u201c+ 1\u201d of the size formula forgotten, as in the handout's Maxpool row, "
    "which writes \u230a(128 \u2212 3 + 2\u00d70)/3\u230b without it"
)


@record
class Window:
    """Kernel, stride, padding and dilation along one axis."""

    kernel: int
    stride: int
    padding: int
    dilation: int = 1


def window_steps(
    sizes: tuple[int, ...], windows: tuple[Window, ...], *, ceil_mode: bool = False
) -> tuple[tuple[int, ...], tuple[Step, ...]]:
    """Output sizes and their steps; axes that share every number share one step."""
    axes = AXES[len(sizes)]
    if len(set(zip(sizes, windows, strict=True))) == 1 and len(sizes) > 1:
        out, steps = _axis(" = ".join(axes), sizes[0], windows[0], ceil_mode)
        return (out,) * len(sizes), steps
    outs: list[int] = []
    all_steps: list[Step] = []
    for axis, size, window in zip(axes, sizes, windows, strict=True):
        out, steps = _axis(axis, size, window, ceil_mode)
        outs.append(out)
        all_steps.extend(steps)
    return tuple(outs), tuple(all_steps)


def _axis(axis: str, size: int, w: Window, ceil_mode: bool) -> tuple[int, tuple[Step, ...]]:
    span = w.dilation * (w.kernel - 1) + 1
    # PyTorch needs at least one window; with ceil_mode it may overhang by up to S - 1.
    overhang = w.stride - 1 if ceil_mode else 0
    if fails(span > size + 2 * w.padding + overhang):  # with named sizes: maybe an assumption
        dilated = f" (dilation {w.dilation} spans {span})" if w.dilation > 1 else ""
        allowed = ""
        if ceil_mode:
            allowed = f" (ceil_mode lets it overhang by at most S − 1 = {overhang})"
        raise ShapeError(
            f"kernel {w.kernel}{dilated} is larger than the padded input {axis}: "
            f"{size} + 2·{w.padding} = {size + 2 * w.padding}{allowed}"
        )
    values = {"W": size, "F": w.kernel, "P": w.padding, "S": w.stride, "D": w.dilation}
    text = _formula(w.dilation, ceil_mode)
    step = derive(f"output {axis}", text, values, MEANINGS, _why(size, w, span, ceil_mode))
    if ceil_mode and decided((step.value - 1) * w.stride >= size + w.padding, "ceil_mode=True"):
        # PyTorch: the last window must start inside the input or the left padding.
        why = (
            f"the last window would start at {(step.value - 1) * w.stride}, past the input "
            f"and left padding ({size} + {w.padding}): PyTorch drops it"
        )
        fix = derive(f"output {axis}", LAST_WINDOW, {"O": step.value}, MEANINGS, why)
        return fix.value, (step, fix)
    return step.value, (step,)


def _formula(dilation: int, ceil_mode: bool) -> str:
    if dilation == 1:
        return SIZE_CEIL if ceil_mode else SIZE
    return SIZE_DILATED_CEIL if ceil_mode else SIZE_DILATED


def _why(size: int, w: Window, span: int, ceil_mode: bool) -> str:
    if is_symbolic(size):
        return "the floor keeps whole windows only" if not ceil_mode else "ceil_mode=True"
    if span > size + 2 * w.padding:
        return "ceil_mode=True keeps one window even though it overhangs the padded input"
    slack = (size + 2 * w.padding - span) % w.stride
    if slack == 0:
        return "the windows fit exactly: nothing to round"
    if ceil_mode:
        return f"ceil_mode=True keeps the last partial window ({slack} left over)"
    return f"the floor drops the last partial window ({slack} left over)"


def window_slips(
    axis: str, window: Window, size: int, right: int, pooling: bool = False
) -> tuple[Misconception, ...]:
    """The size slips that apply to ``window`` along ``axis`` (none with a dilation)."""
    from .misconceptions import named

    if window.dilation != 1:
        return ()
    values = {"W": size, "F": window.kernel, "P": window.padding, "S": window.stride}
    table = dict(SLIPS)
    if pooling:
        table["plus-one-forgotten"] = (HANDOUT_SLIP, SLIPS["plus-one-forgotten"][1])
    slips = {key: slip for key, slip in table.items() if _applies(key, window)}
    return named(slips, f"output {axis}", values, MEANINGS, right)


def _applies(key: str, window: Window) -> bool:
    """A padding mistake needs padding, a stride mistake a stride other than 1."""
    if key.startswith("padding-"):
        return window.padding > 0
    if key == "stride-ignored":
        return window.stride > 1
    return True
