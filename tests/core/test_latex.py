from __future__ import annotations

import pytest

from bot.core.latex import find_math, latex_to_text, math_to_text


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (r"\( a \cdot b = \sum_i a_i b_i \)", "a · b = Σᵢ aᵢ bᵢ"),
        (r"\[ \frac{1}{2} \]", "1/2"),
        (r"$$\cos\theta = \frac{u \cdot v}{\|u\| \|v\|}$$", "cosθ = (u · v)/(‖u‖ ‖v‖)"),
        (r"area \(\pi r^2\)", "area π r²"),
        (r"\(x^{n+1}\) and \(\sqrt{x^2+y^2}\)", "xⁿ⁺¹ and √(x²+y²)"),
        (r"\(\mathrm{softmax}(x)_i\)", "softmax(x)ᵢ"),
        (r"between $-1$ and $1$", "between -1 and 1"),
        (r"\(\left( \alpha \right)^{k}\)", "( α )^k"),
    ],
)
def test_math_reads_as_plain_text(text: str, plain: str) -> None:
    assert math_to_text(text) == plain


def test_prices_are_not_math() -> None:
    assert find_math("It costs $5, or $10 with tax.") == []
    assert math_to_text("It costs $5 and $10.") == "It costs $5 and $10."


def test_spans_say_where_and_how() -> None:
    spans = find_math(r"inline \(x\), display \[y\], $z$ and $$w$$")
    assert [(s.latex, s.display) for s in spans] == [
        ("x", False),
        ("y", True),
        ("z", False),
        ("w", True),
    ]
    assert latex_to_text(r"\frac{\frac{a}{b}}{c}") == "(a/b)/c"


def test_code_is_never_math() -> None:
    shell = "Run:\n```bash\necho $HOME/$USER\n```\nor `cd $A/$B`, then $x$."
    assert [s.latex for s in find_math(shell)] == ["x"]
    assert math_to_text(shell) == "Run:\n```bash\necho $HOME/$USER\n```\nor `cd $A/$B`, then x."
