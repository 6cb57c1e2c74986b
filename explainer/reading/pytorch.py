"""A pasted PyTorch ``print(model)`` block, optionally followed by ``forward`` methods.

The print-out gives the modules and their hierarchy: containers (``Sequential``, ``ModuleList``,
``ModuleDict``, a user's own block), and repeats as torch prints them, ``(0-11): 12 x Block(``.
The code after it gives the data flow: the model's ``forward`` (a bare ``def forward``, or the
one inside ``class <ModelType>``), and the forwards of block classes (``class BasicBlock:`` with
its ``def forward``), followed wherever the model calls such a block. The forward is read with
``ast`` as data, nothing in it runs: each call, ``+``, ``torch.cat``, ``x.mean(dim=1)``,
``x[:, -1, :]`` becomes a node of the graph, with the nodes it reads as its inputs.

Without any forward the counts are still exact (a module's count needs only its own arguments);
shapes are derived for a model printed as a ``Sequential``, whose order is the data flow, and
otherwise left out, as the solution says.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field, replace

from ..boundary import (
    MAX_DEPTH,
    MAX_LAYERS,
    LimitError,
    check_count,
    check_expression,
    excerpt,
)
from ..deriving.spec import Architecture, Block, LayerSpec, SizeOf
from ..errors import SpecSyntaxError
from ..records import record
from .literals import Place, compiler_warnings_as_errors, dotted_name, literal, parse_call

_MODULE = re.compile(r"^(?P<indent>\s*)\((?P<name>[\w.-]+)\):\s*(?P<rest>.*?)\s*$")
_HEADER = re.compile(r"^\s*(?P<type>[A-Za-z_][\w.]*)\(\s*$")
_REPEAT = re.compile(r"^(?P<times>\d+)\s+x\s+(?P<rest>.*)$")
_CODE = re.compile(r"^\s*(class|def)\s")
_CLASS = re.compile(r"^(?P<indent>\s*)class\s+(?P<name>\w+)\s*(\((?P<bases>[^)]*)\))?")
_DEF = re.compile(r"^(?P<indent>\s*)def\s+(?P<name>\w+)")

# F.relu(x) and friends, as layers. Each maps to (layer name, names of the extra arguments).
_FUNCTIONAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("ReLU", ()),
    "relu6": ("ReLU6", ()),
    "gelu": ("GELU", ()),
    "silu": ("SiLU", ()),
    "elu": ("ELU", ("alpha",)),
    "leaky_relu": ("LeakyReLU", ("negative_slope",)),
    "sigmoid": ("Sigmoid", ()),
    "tanh": ("Tanh", ()),
    "softmax": ("Softmax", ("dim",)),
    "log_softmax": ("LogSoftmax", ("dim",)),
    "dropout": ("Dropout", ("p",)),
    "dropout2d": ("Dropout2d", ("p",)),
    "max_pool1d": ("MaxPool1d", ("kernel_size", "stride", "padding")),
    "max_pool2d": ("MaxPool2d", ("kernel_size", "stride", "padding")),
    "avg_pool1d": ("AvgPool1d", ("kernel_size", "stride", "padding")),
    "avg_pool2d": ("AvgPool2d", ("kernel_size", "stride", "padding")),
    "adaptive_avg_pool1d": ("AdaptiveAvgPool1d", ("output_size",)),
    "adaptive_avg_pool2d": ("AdaptiveAvgPool2d", ("output_size",)),
    "adaptive_max_pool1d": ("AdaptiveMaxPool1d", ("output_size",)),
    "adaptive_max_pool2d": ("AdaptiveMaxPool2d", ("output_size",)),
    "flatten": ("Flatten", ("start_dim", "end_dim")),
    "mean": ("Mean", ("dim", "keepdim")),
    "sum": ("Sum", ("dim", "keepdim")),
    "transpose": ("Transpose", ("dim0", "dim1")),
}
_FUNCTIONAL_OWNERS = ("F", "torch", "nn.functional", "torch.nn.functional")
# x.relu(), x.mean(1), x.transpose(1, 2): tensor methods that are the same operation.
_METHODS = ("relu", "sigmoid", "tanh", "softmax", "log_softmax", "mean", "sum", "transpose",
            "flatten")  # fmt: skip
_SAME = ("contiguous", "clone", "detach", "float")  # the values, unchanged: no node
_IGNORED_KEYWORDS = ("inplace", "training")
_ATTENTION_NOTE = (
    "a printed MultiheadAttention shows only its out_proj: it is counted with kdim = vdim = "
    "embed_dim and without add_bias_kv, torch's defaults, which the print-out cannot confirm"
)
_SEQUENTIAL = "Sequential"
# Library classes that are a Sequential under another name (torchvision's conv-norm-activation
# blocks): called, they apply their children in order. A pasted ``class X(nn.Sequential):``
# line says the same of a user's own class.
_SEQUENTIAL_KINDS = frozenset({"Sequential", "Conv2dNormActivation", "Conv3dNormActivation",
                               "ConvNormActivation", "ConvBNActivation", "ConvBNReLU"})  # fmt: skip


def parse_pytorch_print(text: str) -> Architecture:
    lines = text.splitlines()
    code_at = next((i for i, line in enumerate(lines) if _CODE.match(line)), len(lines))
    printout = _PrintOut(lines[:code_at])
    methods = _Methods(lines, code_at)
    top_forward = methods.get(printout.type, "forward")
    if top_forward is None:
        return _without_forward(printout)
    reader = _Forward(printout, methods)
    reader.call_method(top_forward, "", {"x": 0})
    if not reader.layers:
        raise SpecSyntaxError("forward applies no layer", f"line {top_forward.line}, col 1")
    reader.check_output()
    blocks = tuple(reader.blocks.values())
    return Architecture(tuple(reader.layers), None, "pytorch-print", printout.notes, blocks=blocks)


def _without_forward(printout: _PrintOut) -> Architecture:
    if printout.type == _SEQUENTIAL or printout.type is None:
        order = [spec for name in printout.top for spec in printout.expand(name)]
        if not order:
            raise SpecSyntaxError("the print-out lists no layer")
        note = "no forward method given: the layers are applied in the order printed"
        if printout.type == _SEQUENTIAL:
            note = "a Sequential applies its layers in the order printed"
        return Architecture(tuple(order), None, "pytorch-print", (note, *printout.notes))
    leaves = [replace(spec, placed=False) for spec in printout.leaves_in_order()]
    if not leaves:
        raise SpecSyntaxError("the print-out lists no layer")
    note = (
        "no forward method given: every count is derived from the print-out alone, but the "
        "shapes need the forward (the order in which the modules are called); paste it below "
        "the print-out to derive them"
    )
    notes = (note, *printout.notes)
    return Architecture(tuple(leaves), None, "pytorch-print", notes, blocks=printout.block_list())


@dataclass
class _Container:
    path: str
    type: str
    times: int
    line: int
    children: list[str] = field(default_factory=list)


class _PrintOut:
    """The modules of a print-out: leaves by path, containers by their children, in order."""

    def __init__(self, lines: list[str]) -> None:
        self.leaves: dict[str, LayerSpec] = {}
        self.containers: dict[str, _Container] = {}
        self.leaf_times: dict[str, int] = {}  # "(0-2): 3 x Linear(...)": three equal leaves
        self.type: str | None = None  # the model's own class: "ResNet", "Sequential"
        self.notes: tuple[str, ...] = ()  # what the print-out leaves unsaid, and is assumed
        root = _Container("", "", 1, 0)
        self.stack: list[_Container] = [root]
        self.order: list[str] = []  # every path, as printed
        for number, raw in enumerate(lines, 1):
            self._line(raw.rstrip(), number)
        if len(self.stack) > 1:
            raise SpecSyntaxError(f"container ({self.stack[-1].path}) is never closed with ')'")
        self.top = root.children

    def _line(self, line: str, number: int) -> None:
        match = _MODULE.match(line)
        if match is None:
            self._other(line, number)
            return
        name, rest = match["name"], match["rest"]
        parent = self.stack[-1]
        full = f"{parent.path}.{name}" if parent.path else name
        parent.children.append(full)
        self.order.append(full)
        times = 1
        repeat = _REPEAT.match(rest)
        if repeat is not None:
            times, rest = int(repeat["times"]), repeat["rest"]
        if rest.endswith("("):  # a container such as Sequential(
            if len(self.stack) > MAX_DEPTH:  # expand() recurses once per level
                raise LimitError(f"containers nested more than {MAX_DEPTH} deep", f"line {number}")
            container = _Container(full, rest[:-1].strip(), times, number)
            self.containers[full] = container
            self.stack.append(container)
            return
        col = line.index(rest, len(match["indent"])) + 1
        call, args, kwargs = parse_call(rest, Place(number, col))
        self.leaves[full] = LayerSpec(call, args, kwargs, full, line.strip(), number, col)
        self.leaf_times[full] = times

    def _other(self, line: str, number: int) -> None:
        stripped = line.strip()
        if stripped == ")" and len(self.stack) > 1:
            self._close(self.stack.pop())
            return
        header = _HEADER.match(line)
        if header is not None and len(self.stack) == 1 and self.type is None:
            self.type = header["type"].rpartition(".")[2]
            return
        if not stripped or stripped == ")":
            return
        raise SpecSyntaxError(
            f"cannot read {excerpt(stripped)}: "
            "expected '(name): Layer(...)' as print(model) writes it",
            f"line {number}, col {len(line) - len(line.lstrip()) + 1}",
        )

    def _close(self, container: _Container) -> None:
        """A printed MultiheadAttention shows only its out_proj: it is one layer, read off it."""
        if container.type != "MultiheadAttention":
            return
        proj = self.leaves.get(f"{container.path}.out_proj")
        if proj is None or container.children != [proj.name]:
            return
        kwargs = dict(proj.kwargs)
        if "in_features" not in kwargs or proj.args:
            return
        self.notes = (_ATTENTION_NOTE,)
        del self.containers[container.path]
        del self.leaves[f"{container.path}.out_proj"]
        self.order.remove(f"{container.path}.out_proj")
        values = (
            ("embed_dim", kwargs["in_features"]),
            ("num_heads", 1),
            ("bias", kwargs.get("bias", True)),
        )
        text = f"({container.path.rpartition('.')[2]}): MultiheadAttention(out_proj={proj.text})"
        self.leaves[container.path] = LayerSpec(
            "MultiheadAttention", (), values, container.path, text, container.line, 1
        )
        self.leaf_times[container.path] = 1

    def expand(self, path: str, copy: str | None = None) -> list[LayerSpec]:
        """The leaves that calling module ``path`` applies in order (a Sequential's children)."""
        if path in self.leaves:
            return [self._renamed(self.leaves[path], path, n) for n in self._copies(path)]
        container = self.containers[path]
        if container.times > 1:
            return [
                spec
                for n in range(container.times)
                for child in container.children
                for spec in self.expand(child)
                for spec in [_rename(spec, path, n)]
            ]
        return [spec for child in container.children for spec in self.expand(child)]

    def _copies(self, path: str) -> range:
        return range(self.leaf_times.get(path, 1))

    def _renamed(self, spec: LayerSpec, path: str, copy: int) -> LayerSpec:
        return spec if self.leaf_times.get(path, 1) == 1 else _rename(spec, path, copy)

    def leaves_in_order(self) -> list[LayerSpec]:
        """Every leaf once, repeated leaves expanded; the leaves of a repeated block once."""
        found: list[LayerSpec] = []
        for path in self.order:
            if path in self.leaves:
                found.extend(self._renamed(self.leaves[path], path, n) for n in self._copies(path))
        return found

    def block_list(self) -> tuple[Block, ...]:
        return tuple(
            Block(c.path, c.type, c.times, c.line)
            for path in self.order
            if (c := self.containers.get(path)) is not None
        )

    def kind_of(self, path: str) -> str | None:
        """The printed type of a container, None for a leaf or an unknown path."""
        container = self.containers.get(path)
        return container.type if container else None

    def __contains__(self, path: str) -> bool:
        return path in self.leaves or path in self.containers


def _rename(spec: LayerSpec, path: str, copy: int) -> LayerSpec:
    """The ``copy``-th of a printed repeat: ``h.0-11.attn`` -> ``h.3.attn``."""
    head, _, last = path.rpartition(".")
    first = int(last.split("-")[0]) if last.split("-")[0].isdigit() else 0
    new = f"{head}.{first + copy}" if head else str(first + copy)
    name = spec.name or ""
    renamed = new + name[len(path) :] if name.startswith(path) else name
    return replace(spec, name=renamed)


@record
class _Method:
    lines: tuple[str, ...]
    line: int  # where the def is in the user's text


class _Methods:
    """The methods pasted after the print-out, by class (None: a def outside any class)."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.found: dict[tuple[str | None, str], _Method] = {}
        self.sequential: set[str] = set()  # classes pasted as subclasses of Sequential
        owner: tuple[str, int] | None = None  # class name and its indent
        i = start
        while i < len(lines):
            line = lines[i]
            indent = len(line) - len(line.lstrip())
            if owner is not None and line.strip() and indent <= owner[1] and not _CLASS.match(line):
                owner = None
            klass, method = _CLASS.match(line), _DEF.match(line)
            if klass is not None:
                owner = (klass["name"], indent)
                bases = (klass["bases"] or "").replace(" ", "").split(",")
                if any(base.rpartition(".")[2] == _SEQUENTIAL for base in bases):
                    self.sequential.add(klass["name"])
            elif method is not None:
                body = _method(lines[i:])
                name = owner[0] if owner is not None and indent > owner[1] else None
                self.found.setdefault((name, method["name"]), _Method(tuple(body), i + 1))
                i += len(body)
                continue
            i += 1

    def get(self, owner: str | None, name: str) -> _Method | None:
        return self.found.get((owner, name)) or (
            self.found.get((None, name)) if owner is None or self._top(owner) else None
        )

    def _top(self, owner: str) -> bool:
        return not any(klass == owner for klass, _ in self.found)

    def has_class(self, owner: str) -> bool:
        return any(klass == owner for klass, _ in self.found)


def _method(lines: list[str]) -> list[str]:
    """The def line and its body: up to the first line indented no deeper than the def."""
    indent = len(lines[0]) - len(lines[0].lstrip())
    for end, line in enumerate(lines[1:], 1):
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            return lines[:end]
    return lines


Value = int | str | SizeOf | None  # a node; a module path; a size; something not followed
_Node = ast.expr | ast.stmt


class _Forward:
    """Follows the data flow through the forwards: each tensor a node number (0: the input)."""

    def __init__(self, printout: _PrintOut, methods: _Methods) -> None:
        self.printout = printout
        self.methods = methods
        self.layers: list[LayerSpec] = []
        self.blocks: dict[str, Block] = {}
        self.output: int | None = None
        self.depth = 0

    # -- methods --------------------------------------------------------------------------

    def call_method(self, method: _Method, owner: str, env: dict[str, Value]) -> Value:
        """Read ``method`` with ``self`` = the module at path ``owner``; its return value."""
        function = self._function(method)
        params = [a.arg for a in function.args.args][1:]  # without self
        values = list(env.values())
        scope: dict[str, Value] = dict(zip(params, values, strict=False))
        if len(values) > len(params):
            raise SpecSyntaxError(
                f"{function.name} takes {len(params)} input(s), called with {len(values)}",
                f"line {method.line}, col 1",
            )
        self.depth += 1
        if self.depth > 50:
            raise SpecSyntaxError("forward calls itself too deeply", f"line {method.line}, col 1")
        frame = _Frame(self, owner, scope, method.line)
        result = frame.run(function.body)
        self.depth -= 1
        return result

    def _function(self, method: _Method) -> ast.FunctionDef:
        source = textwrap.dedent("\n".join(line.rstrip() for line in method.lines))
        check_expression(source, f"line {method.line}, col 1")
        try:
            with compiler_warnings_as_errors():
                tree = ast.parse(source)
        except SyntaxError as exc:
            where = Place(method.line, 1).at(exc.lineno or 1, exc.offset or 1)
            raise SpecSyntaxError(f"forward is not valid Python: {exc.msg}", where) from None
        function = tree.body[0]
        assert isinstance(function, ast.FunctionDef)  # the text starts with "def"
        return function

    def add(self, spec: LayerSpec, inputs: tuple[int, ...]) -> int:
        number = len(self.layers) + 1
        check_count(number, MAX_LAYERS, "layers applied", spec.where)
        chain = inputs == (number - 1,)
        self.layers.append(replace(spec, inputs=None if chain else inputs))
        return number

    def check_output(self) -> None:
        if self.output is not None and self.output != len(self.layers):
            last = self.layers[-1]
            raise SpecSyntaxError(
                f"forward returns the output of layer {self.output}, but layer "
                f"{len(self.layers)} ({last.text}) comes after it and leads nowhere",
                last.where,
            )


class _Frame:
    """One method being read: its variables, and ``self``'s module path."""

    def __init__(self, reader: _Forward, owner: str, env: dict[str, Value], line: int) -> None:
        self.reader = reader
        self.owner = owner
        self.env = env
        self.first_line = line
        self.returned: Value = None
        self.done = False

    def place(self, node: ast.expr | ast.stmt) -> str:
        return f"line {self.first_line + node.lineno - 1}, col {node.col_offset + 1}"

    def run(self, body: list[ast.stmt]) -> Value:
        for statement in body:
            self.statement(statement)
            if self.done:  # a return, here or inside an if
                break
        return self.returned

    # -- statements -----------------------------------------------------------------------

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Return) and node.value is not None:
            self.returned = self.expr(node.value)
            self.done = True
            if self.reader.depth == 1 and isinstance(self.returned, int):
                self.reader.output = self.returned
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            self.assign(node.targets[0], self.expr(node.value))
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            left = self.expr(node.target)
            right = self.expr(node.value)
            self.assign(node.target, self.merge("Add", (left, right), node, {}))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # a docstring
        elif isinstance(node, ast.If):
            if not self.residual_flag(node):
                self.run(node.body if self.condition(node.test) else node.orelse)
        elif isinstance(node, ast.For):
            self.loop(node)
        elif isinstance(node, ast.Pass):
            return
        else:
            raise SpecSyntaxError(
                "forward: only assignments, +=, return, 'if self.x is not None' and "
                "'for layer in self.layers' are followed",
                self.place(node),
            )

    def assign(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List) and target.elts:
            # out, (h, c) = self.lstm(x): the first is the output; the rest are not followed
            self.assign(target.elts[0], value)
            for other in target.elts[1:]:
                self.assign(other, None)
        elif isinstance(target, ast.Subscript | ast.Attribute):
            raise SpecSyntaxError(
                f"forward: cannot follow an assignment to {ast.unparse(target)!r}",
                self.place(target),
            )
        else:
            raise self.unsupported(target)

    def residual_flag(self, node: ast.If) -> bool:
        """``if self.use_res_connect: return x + self.conv(x) else: return self.conv(x)``: a
        flag the print-out does not show, whose branches differ by a residual only. Read as
        an optional Add, taken where the shapes agree (the flag's meaning in torchvision)."""
        path = self.module_path(node.test)
        if path is None or _real(path) in self.reader.printout:
            return False
        if len(node.body) != 1 or len(node.orelse) != 1:
            return False
        taken, other = node.body[0], node.orelse[0]
        if isinstance(taken, ast.Return) and isinstance(other, ast.Return):
            target = None
        elif (
            isinstance(taken, ast.Assign)
            and isinstance(other, ast.Assign)
            and ast.dump(taken.targets[0]) == ast.dump(other.targets[0])
        ):
            target = taken.targets[0]
        else:
            return False
        value, plain = taken.value, other.value
        if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) and plain):
            return False
        operands = {ast.dump(value.left): value.right, ast.dump(value.right): value.left}
        identity = operands.get(ast.dump(plain))
        if identity is None:
            return False
        sources = (self.expr(identity), self.expr(plain))
        result = self.merge("Add", sources, value, {"optional": True})
        if target is None:
            self.returned = result
            self.done = True
            if self.reader.depth == 1:
                self.reader.output = result
        else:
            self.assign(target, result)
        return True

    def condition(self, test: ast.expr) -> bool:
        """``self.downsample is not None``, ``self.shortcut``: decided by the print-out."""
        negate = False
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            negate, test = True, test.operand
        subject, wanted = test, True
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
            and isinstance(test.ops[0], ast.Is | ast.IsNot)
        ):
            subject, wanted = test.left, isinstance(test.ops[0], ast.IsNot)
        path = self.module_path(subject)
        if path is None or isinstance(subject, ast.Name):
            raise SpecSyntaxError(
                f"forward: cannot decide {ast.unparse(test)!r} from the print-out: only "
                "'self.name is not None' and 'self.name' are read",
                self.place(test),
            )
        present = _real(path) in self.reader.printout
        if subject is test and not present:  # a flag, not a module: the print-out cannot say
            raise SpecSyntaxError(
                f"forward: cannot decide {excerpt(ast.unparse(test))} from the print-out: "
                f"{ast.unparse(subject)} is not a module it lists",
                self.place(test),
            )
        return (present == wanted) != negate

    def loop(self, node: ast.For) -> None:
        path = self.module_path(node.iter)
        container = self.reader.printout.containers.get(_real(path or ""))
        if path is None or container is None or not isinstance(node.target, ast.Name):
            raise SpecSyntaxError(
                "forward: only 'for layer in self.layers:' over a printed ModuleList or "
                "Sequential is followed",
                self.place(node),
            )
        for child in self.children(path):
            self.env[node.target.id] = child
            self.run(node.body)

    def children(self, path: str) -> list[str]:
        """The children of a container, a printed repeat given as its separate copies."""
        found: list[str] = []
        for child in self.reader.printout.containers[_real(path)].children:
            own = f"{path}.{child.rpartition('.')[2]}"
            times = self.times(child)
            found.extend([own] if times == 1 else [f"{own}#{n}" for n in range(times)])
        return found

    def times(self, path: str) -> int:
        printout = self.reader.printout
        if path in printout.containers:
            return printout.containers[path].times
        return printout.leaf_times.get(path, 1)

    # -- expressions ----------------------------------------------------------------------

    def expr(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Name):
            if node.id not in self.env:
                raise SpecSyntaxError(
                    f"forward uses {node.id!r}, which is not assigned before", self.place(node)
                )
            return self.env[node.id]
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.merge("Add", (self.expr(node.left), self.expr(node.right)), node, {})
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Attribute) and self.module_path(node) is not None:
            return self.module_path(node)
        raise self.unsupported(node)

    def tensor(self, node: ast.expr) -> int:
        value = self.expr(node)
        if not isinstance(value, int):
            raise SpecSyntaxError(
                f"forward: {ast.unparse(node)!r} is not a tensor explainer follows",
                self.place(node),
            )
        return value

    def module_path(self, node: ast.expr) -> str | None:
        """``self.layer1`` / ``self.h[0]`` / ``self.blocks['a']`` / a loop variable."""
        if isinstance(node, ast.Name) and isinstance(self.env.get(node.id), str):
            return str(self.env[node.id])
        if isinstance(node, ast.Attribute) and dotted_name(node.value) == "self":
            return f"{self.owner}.{node.attr}" if self.owner else node.attr
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            head = self.module_path(node.value)
            key = node.slice.value
            if head is not None and isinstance(key, int | str) and not isinstance(key, bool):
                return self._item(head, key)
        return None

    def _item(self, head: str, key: int | str) -> str:
        if _real(f"{head}.{key}") in self.reader.printout:
            return f"{head}.{key}"
        if isinstance(key, int) and _real(head) in self.reader.printout.containers:
            children = self.children(head)
            if -len(children) <= key < len(children):
                return children[key]
        return f"{head}.{key}"

    def call(self, node: ast.Call) -> Value:
        func = node.func
        path = self.module_path(func)
        if path is not None and not self._is_method(func):
            return self.module_call(path, node)
        if isinstance(func, ast.Attribute) and dotted_name(func.value) == "self":
            method = self.reader.methods.get(self._owner_type(), func.attr)
            if method is not None:  # self._forward_impl(x): another method of the same class
                args = {f"a{i}": self.expr(a) for i, a in enumerate(node.args)}
                return self.reader.call_method(method, self.owner, args)
        name = dotted_name(func)
        owner, _, attr = (name or "").rpartition(".")
        if name is not None and owner in _FUNCTIONAL_OWNERS:
            return self.functional(attr, node)
        if isinstance(func, ast.Attribute):
            return self.method(func.attr, func.value, node)
        raise self.unsupported(node)

    def _is_method(self, func: ast.expr) -> bool:
        return (
            isinstance(func, ast.Attribute)
            and dotted_name(func.value) == "self"
            and _real(self.module_path(func) or "") not in self.reader.printout
            and self.reader.methods.get(self._owner_type(), func.attr) is not None
        )

    def _owner_type(self) -> str | None:
        if not self.owner:
            return self.reader.printout.type
        return self.reader.printout.kind_of(_real(self.owner))

    # -- module calls ---------------------------------------------------------------------

    def module_call(self, path: str, node: ast.Call) -> Value:
        if not node.args:
            raise SpecSyntaxError(f"forward calls {ast.unparse(node.func)} without input",
                                  self.place(node))  # fmt: skip
        source = self.tensor(node.args[0])
        for extra in node.args[1:]:  # self.attn(x, x, x): the same tensor as query, key, value
            if self.expr(extra) != source:
                raise SpecSyntaxError(
                    f"forward: {ast.unparse(node)}: only one input (or the same one repeated) "
                    "is followed",
                    self.place(extra),
                )
        return self.apply(path, source, node)

    def apply(self, path: str, source: int, node: ast.Call) -> int:
        """Module ``path`` (a copy of a repeat marked ``#n``) applied to node ``source``."""
        printout = self.reader.printout
        real = _real(path)
        if real in printout.leaves:
            spec = replace(printout.leaves[real], name=_display(path))
            return self.reader.add(spec, (source,))
        if real not in printout.containers:
            raise SpecSyntaxError(
                f"forward calls {excerpt(ast.unparse(node.func))}, which the print-out does not "
                "list",
                self.place(node),
            )
        return self.container(path, source, node)

    def container(self, path: str, source: int, node: ast.Call) -> int:
        container = self.reader.printout.containers[_real(path)]
        shown = _display(path)
        self.reader.blocks.setdefault(shown, Block(shown, container.type, 1, container.line))
        methods = self.reader.methods
        method = methods.get(container.type, "forward")
        if method is not None and methods.has_class(container.type):
            result = self.reader.call_method(method, path, {"x": source})
            if not isinstance(result, int):
                raise SpecSyntaxError(
                    f"forward of {container.type} returns no tensor", f"line {method.line}, col 1"
                )
            return result
        if container.type not in _SEQUENTIAL_KINDS and container.type not in methods.sequential:
            raise SpecSyntaxError(
                f"forward calls {ast.unparse(node.func)}, a {container.type}: paste its forward "
                f"below the print-out (class {container.type}: def forward(self, x): ...)",
                self.place(node),
            )
        current = source
        for child in self.children(path):
            current = self.apply(child, current, node)
        return current

    # -- functions and tensor methods -----------------------------------------------------

    def functional(self, attr: str, node: ast.Call) -> Value:
        if attr in ("cat", "concat", "concatenate"):
            return self.concat(node)
        if attr == "add" and len(node.args) == 2:
            return self.merge("Add", tuple(self.expr(a) for a in node.args), node, {})
        if attr in ("permute", "reshape") and node.args:
            return self.method(attr, node.args[0], node, skip=1)
        if attr not in _FUNCTIONAL or not node.args:
            raise self.unsupported(node)
        source = self.tensor(node.args[0])
        return self.operation(attr, source, node.args[1:], node)

    def method(self, attr: str, value: ast.expr, node: ast.Call, skip: int = 0) -> Value:
        args = node.args[skip:]
        if attr in ("size",) and len(args) == 1:
            return self.size(value, args[0], node)
        source = self.tensor(value)
        if attr in _SAME and not args:
            return source
        if attr in ("view", "reshape"):
            return self.reshape(source, args, node)
        if attr == "permute":
            dims = args[0] if len(args) == 1 and isinstance(args[0], ast.Tuple) else args
            items = dims.elts if isinstance(dims, ast.Tuple) else dims
            values = tuple(self.number(a) for a in items)
            return self.node("Permute", source, {"dims": values}, node)
        if attr in _METHODS:
            return self.operation(attr, source, args, node)
        raise self.unsupported(node)

    def operation(self, attr: str, source: int, args: list[ast.expr], node: ast.Call) -> int:
        kind, names = _FUNCTIONAL[attr]
        if len(args) > len(names):
            raise SpecSyntaxError(
                f"{excerpt(ast.unparse(node))}: too many arguments", self.place(node)
            )
        kwargs = {name: self.number(a) for name, a in zip(names, args, strict=False)}
        for keyword in node.keywords:
            if keyword.arg in _IGNORED_KEYWORDS:
                continue
            if keyword.arg is None:
                raise self.unsupported(node)
            kwargs[keyword.arg] = self.number(keyword.value)
        if kind == "Flatten" and not kwargs:
            kwargs = {}  # torch.flatten(x) would join the batch too; x.flatten(1) is usual
        return self.node(kind, source, kwargs, node)

    def number(self, node: ast.expr) -> object:
        """A literal argument, or a size read off a tensor: ``x.shape[-1]``, ``x.size(2)``."""
        if isinstance(node, ast.Name) and isinstance(self.env.get(node.id), SizeOf):
            return self.env[node.id]
        size = self._size_of(node)
        if size is not None:
            return size
        return literal(node, Place(self.first_line, 1))

    def _size_of(self, node: ast.expr) -> SizeOf | None:
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "shape"
        ):
            dim = literal(node.slice, Place(self.first_line, 1))
            return self._size(node.value.value, dim, node)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "size"
            and len(node.args) == 1
        ):
            dim = literal(node.args[0], Place(self.first_line, 1))
            return self._size(node.func.value, dim, node)
        return None

    def _size(self, tensor: ast.expr, dim: object, node: ast.expr) -> SizeOf:
        if type(dim) is not int:
            raise SpecSyntaxError(f"{ast.unparse(node)}: the dimension must be an integer",
                                  self.place(node))  # fmt: skip
        return SizeOf(self.tensor(tensor), dim)

    def size(self, value: ast.expr, dim: ast.expr, node: ast.Call) -> SizeOf:
        return self._size(value, literal(dim, Place(self.first_line, 1)), node)

    def subscript(self, node: ast.Subscript) -> Value:
        size = self._size_of(node)
        if size is not None:
            return size
        source = self.expr(node.value)
        if isinstance(source, SizeOf | str) or source is None:
            if self.module_path(node) is not None:
                return self.module_path(node)
            raise self.unsupported(node)
        if isinstance(node.slice, ast.Constant) and node.slice.value == 0 and self._is_call(node):
            return source  # self.lstm(x)[0]: the output of a layer that returns a tuple
        index = ast.unparse(node.slice)
        if index.startswith("(") and index.endswith(")"):
            index = index[1:-1]
        return self.node("Slice", source, {"index": index}, node)

    def _is_call(self, node: ast.Subscript) -> bool:
        return isinstance(node.value, ast.Call)

    def reshape(self, source: int, args: list[ast.expr], node: ast.Call) -> int:
        # x.view(x.size(0), -1), x.view(-1, 400): flatten after the batch, as before.
        if len(args) == 1 and isinstance(args[0], ast.Tuple | ast.List):
            args = list(args[0].elts)
        if not args:
            raise self.unsupported(node)
        first = args[0]
        batch = self._is_batch(first)
        if len(args) == 2 and (batch or _is_minus_one(first)) and self._flat(args[1], source):
            return self.node("Flatten", source, {}, node)
        if not (batch or _is_minus_one(first)):
            raise SpecSyntaxError(
                f"forward: {ast.unparse(node)}: the first size must be the batch (x.size(0) or -1)",
                self.place(node),
            )
        sizes = tuple(self.number(a) for a in args[1:])
        return self.node("Reshape", source, {"shape": sizes}, node)

    def _flat(self, node: ast.expr, source: int) -> bool:
        if _is_minus_one(node):
            return True
        return isinstance(node, ast.Constant | ast.BinOp)  # x.view(-1, 16 * 5 * 5)

    def _is_batch(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name) and isinstance(self.env.get(node.id), SizeOf):
            size = self.env[node.id]
            return isinstance(size, SizeOf) and size.dim == 0
        size = self._size_of(node)
        return size is not None and size.dim == 0

    def concat(self, node: ast.Call) -> int:
        if not node.args or not isinstance(node.args[0], ast.Tuple | ast.List):
            raise self.unsupported(node)
        sources = tuple(self.expr(e) for e in node.args[0].elts)
        kwargs: dict[str, object] = {}
        if len(node.args) > 1:
            kwargs["dim"] = self.number(node.args[1])
        for keyword in node.keywords:
            if keyword.arg in ("dim", "axis"):
                kwargs["dim"] = self.number(keyword.value)
        if "dim" not in kwargs:
            kwargs["dim"] = 0  # torch.cat's own default: the batch, refused by Concat
        return self.merge("Concat", sources, node, kwargs)

    def merge(
        self, kind: str, sources: tuple[Value, ...], node: _Node, kwargs: dict[str, object]
    ) -> int:
        for source, part in zip(sources, _parts(node), strict=False):
            if not isinstance(source, int):
                raise SpecSyntaxError(
                    f"forward: {ast.unparse(part)!r} is not a tensor explainer follows",
                    self.place(part),
                )
        numbers = tuple(s for s in sources if isinstance(s, int))
        return self.reader.add(self._spec(kind, kwargs, node), numbers)

    def node(self, kind: str, source: int, kwargs: dict[str, object], node: ast.expr) -> int:
        return self.reader.add(self._spec(kind, kwargs, node), (source,))

    def _spec(self, kind: str, kwargs: dict[str, object], node: _Node) -> LayerSpec:
        text = ast.unparse(node)
        line = self.first_line + node.lineno - 1
        name = f"{_display(self.owner)}.{text}" if self.owner else text
        return LayerSpec(kind, (), tuple(kwargs.items()), name, text, line, node.col_offset + 1)

    def unsupported(self, node: ast.expr) -> SpecSyntaxError:
        return SpecSyntaxError(
            f"forward: cannot follow {excerpt(ast.unparse(node))}; write x = self.layer(x), "
            "F.relu(x), torch.flatten(x, 1), torch.cat((a, b), dim=1), a + b, x.mean(dim=1) "
            "or x[:, -1, :]",
            self.place(node),
        )


def _real(path: str) -> str:
    """The printed path of a copy: ``h.0-11#3.ln_1`` -> ``h.0-11.ln_1``."""
    return ".".join(part.partition("#")[0] for part in path.split("."))


def _display(path: str) -> str:
    """The module's own name: ``h.0-11#3.ln_1`` -> ``h.3.ln_1``, as torch names the copy."""
    parts = []
    for part in path.split("."):
        base, mark, copy = part.partition("#")
        first = base.split("-")[0]
        parts.append(str(int(first) + int(copy)) if mark and first.isdigit() else base)
    return ".".join(parts)


def _is_minus_one(node: ast.expr) -> bool:
    return ast.unparse(node) == "-1"


def _parts(node: _Node) -> list[ast.expr]:
    """The operands of a merge as written, for messages."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.AugAssign):
        return [node.target, node.value]
    if isinstance(node, ast.Call) and node.args:
        first = node.args[0]
        return list(first.elts) if isinstance(first, ast.Tuple | ast.List) else list(node.args)
    return []
