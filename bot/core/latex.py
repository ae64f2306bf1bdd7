"""LaTeX in cards: where the math is, and readable plain text of it.

Cards keep their LaTeX (`\\( \\)`, `\\[ \\]`, `$…$`, `$$…$$`; Anki's `[$]…[/$]` is turned into
`\\( \\)` when a package is read), so Discord can show it rendered; the terminal, grading and
hints see `math_to_text`, where `\\frac{a}{b}` reads `a/b`, `x^2` reads `x²` and `\\alpha`
reads `α`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MATH = re.compile(
    r"\\\((?P<inline>.+?)\\\)"
    r"|\\\[(?P<display>.+?)\\\]"
    r"|\$\$(?P<ddisplay>.+?)\$\$"
    # `$x$` but not prices: no space just inside the dollars, no digit right after the closer.
    r"|(?<![\\$\w])\$(?P<dinline>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?![\w$])",
    re.S,
)

_SYMBOLS = {
    **{
        name: char
        for name, char in zip(
            "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda"
            " mu nu xi pi varpi rho sigma tau upsilon phi varphi chi psi omega".split(),
            "αβγδεεζηθϑικλμνξπϖρστυφφχψω",
            strict=True,
        )
    },
    **{
        name: char
        for name, char in zip(
            "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split(),
            "ΓΔΘΛΞΠΣΥΦΨΩ",
            strict=True,
        )
    },
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "sum": "Σ", "prod": "Π",
    "int": "∫", "oint": "∮", "infty": "∞", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "approx": "≈", "equiv": "≡", "sim": "~", "propto": "∝",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐",
    "leftrightarrow": "↔", "Leftrightarrow": "⇔", "mapsto": "↦", "in": "∈", "notin": "∉",
    "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "cup": "∪", "cap": "∩", "emptyset": "∅",
    "forall": "∀", "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨", "partial": "∂",
    "nabla": "∇", "ldots": "…", "cdots": "⋯", "dots": "…", "circ": "∘", "degree": "°",
    "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
    "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan",
    "max": "max", "min": "min", "arg": "arg", "lim": "lim", "det": "det",
    "|": "‖", "{": "{", "}": "}", "%": "%", "$": "$", "_": "_", "&": "&", "#": "#",
    ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": "  ",
}  # fmt: skip
_SUPER = str.maketrans("0123456789+-=()niT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀ")
_SUB = str.maketrans("0123456789+-=()aeijkmnotx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₘₙₒₜₓ")
_SUPER_CHARS = set("0123456789+-=()niT")
_SUB_CHARS = set("0123456789+-=()aeijkmnotx")
_GROUP = r"\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
_FRAC = re.compile(r"\\[dt]?frac\s*" + _GROUP + r"\s*" + _GROUP)
_SQRT = re.compile(r"\\sqrt\s*(?:\[([^\]]*)\])?\s*" + _GROUP)
_WRAP = re.compile(
    r"\\(?:mathrm|text|textbf|textit|mathbf|mathit|mathcal|mathbb|operatorname|boldsymbol"
    r"|hat|bar|vec|tilde|overline|underline)\s*" + _GROUP
)
_SCRIPT = re.compile(r"([\^_])\s*(?:" + _GROUP + r"|(\\[A-Za-z]+|[^\s{}\\]))")
_COMMAND = re.compile(r"\\([A-Za-z]+|[^A-Za-z])")
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])\s*")


@dataclass(frozen=True, slots=True)
class MathSpan:
    """One piece of math in a text: where it is, its LaTeX, and whether it is displayed."""

    start: int
    end: int
    latex: str
    display: bool


_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)


def find_math(text: str) -> list[MathSpan]:
    """Every piece of math in `text`, in order; code (fenced or `inline`) is never math."""
    code = [m.span() for m in _CODE.finditer(text)]
    spans = []
    for m in _MATH.finditer(text):
        if any(start < m.end() and m.start() < end for start, end in code):
            continue
        kind = m.lastgroup or "inline"
        latex = (m.group(kind) or "").strip()
        if latex:
            spans.append(MathSpan(m.start(), m.end(), latex, kind in ("display", "ddisplay")))
    return spans


def has_math(text: str) -> bool:
    """Does `text` hold any math?"""
    return bool(find_math(text))


def _wrap(text: str) -> str:
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def _script(m: re.Match[str]) -> str:
    mark, body = m.group(1), m.group(2) if m.group(2) is not None else m.group(3)
    body = latex_to_text(body)
    chars, table = (_SUPER_CHARS, _SUPER) if mark == "^" else (_SUB_CHARS, _SUB)
    if body and set(body) <= chars:
        return body.translate(table)
    return f"{mark}{_wrap(body)}"


def latex_to_text(latex: str) -> str:
    """Readable plain text of one LaTeX formula."""
    text = _SIZING.sub("", latex)
    for _ in range(4):  # nested fractions and roots, from the inside out
        before = text
        text = _FRAC.sub(
            lambda m: f"{_wrap(latex_to_text(m.group(1)))}/{_wrap(latex_to_text(m.group(2)))}", text
        )
        text = _SQRT.sub(
            lambda m: (
                (f"{m.group(1)}" if m.group(1) else "") + f"√{_wrap(latex_to_text(m.group(2)))}"
            ),
            text,
        )
        text = _WRAP.sub(lambda m: m.group(1), text)
        if text == before:
            break
    text = _SCRIPT.sub(_script, text)
    text = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(1)), text)
    text = text.replace("{", "").replace("}", "").replace("~", " ")
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def math_to_text(text: str) -> str:
    """`text` with every piece of math replaced by its plain-text reading."""
    spans = find_math(text)
    if not spans:
        return text
    out, pos = [], 0
    for span in spans:
        out += [text[pos : span.start], latex_to_text(span.latex)]
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
