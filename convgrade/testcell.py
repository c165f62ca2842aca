"""What the last line of every test cell of the course calls: :func:`passed`.

The course's test cells end with ``passed("<grade_id>", points=<points>)`` (after the hidden
tests, so under grading it prints only when they held too). A failing check raises before it,
so a cell either shows an error or says that it passed and what it is worth.
"""

from __future__ import annotations

__all__ = ["passed", "points_text"]


def points_text(points: float) -> str:
    """``"1 point"``, ``"2 points"``, ``"0.5 points"``.

    Examples::

        >>> points_text(1), points_text(2.0), points_text(0.5)
        ('1 point', '2 points', '0.5 points')
    """
    value = f"{points:g}"
    return f"{value} point" if value == "1" else f"{value} points"


def passed(grade_id: str, points: float) -> None:
    """Print that the test cell ``grade_id`` passed and what it is worth.

    Examples::

        >>> passed("test_corr2d", 2)
        test_corr2d passed [2 points]
        >>> passed("test_pad__order", points=1)
        test_pad__order passed [1 point]
    """
    print(f"{grade_id} passed [{points_text(points)}]")
