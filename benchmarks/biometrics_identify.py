"""1:N identification latency: one probe at a time (as a polling-station device sends them),
p50/p99 of shailoo.biometrics.matching.identify against plain NumPy brute force
(``argmax(gallery @ probe)``) in the same run, over a station list (3,000 templates) and the
national gallery (3.7 million, 128-d synthetic templates). Nationally it also times the
approximate path (shailoo.biometrics.national_index.NationalIndex: faiss 4-bit product-
quantisation fast scan over the whole gallery, then the ``--shortlist`` best rows re-scored
exactly) at each shortlist length, and reports its recall against exact top-1 for mated
probes (all of them, and those whose exact top-1 reaches the national threshold), FNIR/FPIR
at that threshold for both, the ratio to plain NumPy, and how close the exact scan is to the
memory bandwidth (a single probe reads the whole gallery once).

    python benchmarks/biometrics_identify.py [--station 3000] [--national 3700000]
        [--shortlist 64 256 1024] [--threshold 0.55]
    python benchmarks/biometrics_identify.py --smoke
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import faiss
import numpy as np
from _common import machine

from shailoo.biometrics import accuracy, matching, synthetic
from shailoo.biometrics.national_index import NationalIndex, PqParams


def latencies(fn: Callable[[np.ndarray], object], probes: np.ndarray) -> np.ndarray:
    out = np.empty(len(probes))
    for p in range(len(probes)):
        t0 = time.perf_counter()
        fn(probes[p])
        out[p] = time.perf_counter() - t0
    return out * 1000


def show(name: str, ms: np.ndarray) -> float:
    p50, p99 = np.percentile(ms, [50, 99])
    print(f"  {name:<44} p50 {p50:8.3f} ms  p99 {p99:8.3f} ms  ({len(ms)} probes)")
    return float(p99)


def bench(n: int, n_probes: int, seed: int, shortlists: list[int], threshold: float) -> None:
    t0 = time.perf_counter()
    e = synthetic.enrolment_set(n, 0, seed=seed, keep_latent=True)
    pr = synthetic.probes(e, n_probes // 2, n_probes - n_probes // 2, seed=seed + 1)
    g = e.templates
    print(f"gallery of {n:,} x {g.shape[1]}-d ({g.nbytes / 2**20:,.0f} MiB), {n_probes} probes "
          f"(half mated), built in {time.perf_counter() - t0:.1f} s")
    del e  # keep only the templates (drops the latent copy)
    ours = show("identify (exact, top-1)",
                latencies(lambda q: matching.identify(q, g), pr.templates))
    base = show("NumPy brute force argmax(g @ q)",
                latencies(lambda q: int(np.argmax(g @ q)), pr.templates))
    print(f"  ratio brute force / ours at p99: {base / ours:.2f}x")
    flat = faiss.IndexFlatIP(g.shape[1])
    flat.add(g)
    some = pr.templates[:min(len(pr.templates), 200)]
    show("faiss IndexFlatIP (exact, top-1)",
         latencies(lambda q: flat.search(q[None, :], 1), some))
    flat.reset()
    p50 = float(np.percentile(latencies(lambda q: g @ q, pr.templates[:20]), 50))
    print(f"  exact scan reads {g.nbytes / 1e9:.2f} GB per probe: "
          f"{g.nbytes / 1e9 / (p50 / 1000):.1f} GB/s at p50 (machine: about 17-29 GB/s); at "
          f"29 GB/s a float32 scan takes at least {g.nbytes / 29e9 * 1000:.0f} ms, float16 "
          f"{g.nbytes / 2 / 29e9 * 1000:.0f} ms, int8 {g.nbytes / 4 / 29e9 * 1000:.0f} ms")
    exact = matching.identify(pr.templates, g)
    if not shortlists:
        return
    mated = pr.mate >= 0
    ex_rates = rates(exact, pr.mate, threshold)
    print(f"  exact at threshold {threshold}: FNIR {ex_rates[0]:.2%}, FPIR {ex_rates[1]:.2%}; "
          f"exact top-1 is the mate for {(exact.rows[mated, 0] == pr.mate[mated]).mean():.2%} "
          f"of mated probes")
    t0 = time.perf_counter()
    index = NationalIndex(g, PqParams())
    print(f"  approximate index (PQ{index.params.subquantizers}x4 fast scan, codes "
          f"{index.code_bytes / 2**20:,.0f} MiB) built in {time.perf_counter() - t0:.1f} s")
    decided = mated & (exact.scores[:, 0] >= threshold)
    for sl in shortlists:
        approx = show(f"NationalIndex.identify, shortlist {sl}",
                      latencies(lambda q, sl=sl: index.identify(q, shortlist=sl),
                                pr.templates))
        got = index.identify(pr.templates, shortlist=sl)
        agree = got.rows[:, 0] == exact.rows[:, 0]
        fnir, fpir = rates(got, pr.mate, threshold)
        print(f"    recall against exact top-1: {agree[mated].mean():.2%} of {int(mated.sum())} "
              f"mated probes, {agree[decided].mean():.2%} of the {int(decided.sum())} whose "
              f"exact top-1 reaches {threshold}; FNIR {fnir:.2%}, FPIR {fpir:.2%}; ratio "
              f"brute force / approximate at p99 {base / approx:.1f}x")


def rates(c: matching.Candidates, mate: np.ndarray, threshold: float) -> tuple[float, float]:
    """(FNIR, FPIR) at the threshold, candidate list of one."""
    r = accuracy.identification_rates(accuracy.mate_scores(c, mate)[mate >= 0],
                                      accuracy.top_scores(c)[mate < 0], [threshold])
    return float(r.false_non_match[0]), float(r.false_match[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--station", type=int, default=3000)
    ap.add_argument("--national", type=int, default=3_700_000)
    ap.add_argument("--probes", type=int, default=1000)
    ap.add_argument("--national-probes", type=int, default=200)
    ap.add_argument("--shortlist", type=int, nargs="+", default=[64, PqParams().shortlist, 1024],
                    help="rows re-scored exactly per search by the approximate index")
    ap.add_argument("--threshold", type=float, default=0.55,
                    help="national 1:N threshold for FNIR/FPIR (FPIR about 3e-5 over 3.7M)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.national, args.probes, args.national_probes = 50_000, 200, 50
        args.shortlist = [64, 256]
    print(machine())
    print(f"load average {os.getloadavg()[0]:.2f}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(default)')}")
    print("station list:")
    bench(args.station, args.probes, args.seed, [], args.threshold)
    print("national gallery:")
    bench(args.national, args.national_probes, args.seed + 10, args.shortlist, args.threshold)


if __name__ == "__main__":
    main()
