"""Split an integer total in proportion to weights, exactly (largest remainders)."""

from __future__ import annotations

from collections.abc import Sequence


def split_total(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Integers proportional to ``weights`` that sum to ``total``, each at least ``minimum``."""
    n = len(weights)
    if n == 0:
        return []
    if total < minimum * n:
        raise ValueError(f"cannot give {n} parts at least {minimum} from {total}")
    rest = total - minimum * n
    weight_sum = float(sum(weights))
    if weight_sum <= 0:
        raise ValueError("weights must have a positive sum")
    exact = [rest * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(n), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]
