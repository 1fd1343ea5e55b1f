"""National de-duplication: all-pairs search for duplicate enrolments among N synthetic
templates (shailoo.biometrics.synthetic, 128-d by default) with 1% planted duplicates (a second
enrolment of a person under another reference id).

Prints the synthetic model's genuine and impostor score distributions (the margin between
them decides what is possible), then wall time, peak memory, recall of the planted duplicates
and false pairs above the threshold for the approximate method (multi-table cross-polytope LSH
with exact re-scoring, shailoo.biometrics.dedup.lsh_pairs), and beside it an exact brute-force
pass over a sample of rows (every pair involving a sampled row), timed and extrapolated to all
pairs. LAST LINE: recall of planted duplicates and wall time.

    python benchmarks/biometrics_dedup.py [--templates 3700000] [--dim 128] [--tables 100]
    python benchmarks/biometrics_dedup.py --smoke

BLAS runs one thread per worker (OPENBLAS_NUM_THREADS=1 unless set); the LSH tables and the
exact sample are each spread over ``--workers`` threads (2 on the reference machine).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from _common import PeakRss, machine

from shailoo.biometrics import accuracy, dedup, synthetic


def describe(name: str, s: np.ndarray) -> None:
    p = np.percentile(s, [0.01, 0.1, 1, 5, 50, 95, 99, 99.9, 99.99])
    print(f"  {name:<34} n={len(s):>9,} mean {s.mean():.4f} sd {s.std():.4f} min {s.min():.4f} "
          f"max {s.max():.4f}")
    print(f"  {'':<34} percentiles 0.01/0.1/1/5/50/95/99/99.9/99.99: "
          + " ".join(f"{v:.3f}" for v in p))


def distributions(e: synthetic.EnrolmentSet, dim: int, threshold: float, seed: int,
                  n: int) -> None:
    print("score distributions of the synthetic model (cosine):")
    i, j = e.duplicates.T
    dup = np.einsum("ij,ij->i", e.templates[i], e.templates[j])
    genuine, impostor = synthetic.score_samples(100_000, 2_000_000, dim=dim, seed=seed + 1)
    describe("genuine, enrolment vs enrolment", dup)
    describe("genuine, enrolment vs station probe", genuine)
    describe("impostor (different persons)", impostor)
    t4 = accuracy.threshold_for_fmr(impostor, 1e-4)
    fnmr = accuracy.verification_rates(genuine, impostor, [t4]).false_non_match[0]
    print(f"  1:1 operating point: threshold {t4:.4f} for FMR 1e-4 -> FNMR {fnmr:.4%} "
          f"(enrolment vs probe)")
    pairs = n * (n - 1) / 2
    tail = synthetic.impostor_tail(threshold, dim)
    print(f"  de-duplication threshold {threshold}: margin to the planted genuine pairs' 0.1th "
          f"percentile {np.percentile(dup, 0.1) - threshold:+.3f}, planted pairs below it "
          f"{int((dup < threshold).sum())}; impostor tail P(score >= {threshold}) = {tail:.2e} "
          f"(exact for random {dim}-d unit vectors) -> expected false pairs among "
          f"{pairs:.3g} pairs: {pairs * tail:.2g}")


def exact_sample(x: np.ndarray, rows: np.ndarray, threshold: float,
                 workers: int) -> dedup.Pairs:
    parts = np.array_split(rows, workers * 4)
    with ThreadPoolExecutor(workers) as pool:
        found = list(pool.map(lambda r: dedup.exact_pairs_for_rows(x, r, threshold), parts))
    return dedup.Pairs(np.concatenate([p.i for p in found]),
                       np.concatenate([p.j for p in found]),
                       np.concatenate([p.score for p in found]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--templates", type=int, default=3_700_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--duplicates", type=float, default=0.01, help="share of planted duplicates")
    ap.add_argument("--threshold", type=float, default=synthetic.DEDUP_THRESHOLD)
    ap.add_argument("--tables", type=int, default=dedup.LshParams().tables)
    ap.add_argument("--hashes", type=int, default=dedup.LshParams().hashes)
    ap.add_argument("--proj", type=int, default=dedup.LshParams().proj)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=2000, help="rows for the exact pass")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.templates, args.sample = 20_000, 500
    n, dim = args.templates, args.dim
    print(machine())
    print(f"load average {os.getloadavg()[0]:.2f} (other processes share these cores); "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")

    t0 = time.perf_counter()
    e = synthetic.enrolment_set(n, int(n * args.duplicates), dim=dim, seed=args.seed)
    print(f"{n:,} templates x {dim}-d float32 ({e.templates.nbytes / 2**20:,.0f} MiB), "
          f"{len(e.duplicates):,} planted duplicates, generated in "
          f"{time.perf_counter() - t0:.1f} s")
    distributions(e, dim, args.threshold, args.seed, n)

    params = dedup.LshParams(tables=args.tables, hashes=args.hashes, proj=args.proj,
                             seed=args.seed, workers=args.workers)
    print(f"approximate: cross-polytope LSH, {params.tables} tables x {params.hashes} hashes x "
          f"{params.proj} coordinates ({(2 * params.proj) ** params.hashes:,} buckets/table), "
          f"{params.workers} workers, threshold {args.threshold}")
    with PeakRss() as rss:
        base = rss.peak
        t0 = time.perf_counter()
        found = dedup.lsh_pairs(e.templates, args.threshold, params)
        wall = time.perf_counter() - t0
    planted = e.duplicates[:, 0] * n + e.duplicates[:, 1]
    keys = found.keys(n)
    hit = np.isin(planted, keys)
    recall = float(hit.mean()) if len(planted) else 1.0
    false = int((~np.isin(keys, planted)).sum())
    print(f"  wall {wall:.1f} s ({wall / 60:.2f} min), peak memory {rss.peak:,.0f} MiB "
          f"(+{rss.peak - base:,.0f} MiB over the templates and generator), "
          f"{len(found):,} pairs >= threshold, min score reported "
          f"{found.score.min() if len(found) else float('nan'):.4f}")
    print(f"  planted duplicates found {int(hit.sum()):,} / {len(planted):,} = {recall:.4%}; "
          f"false pairs (not planted) above threshold: {false}")
    bad = ~np.isin(keys, planted)
    for i, j, sc in list(zip(found.i[bad], found.j[bad], found.score[bad], strict=True))[:10]:
        print(f"    false pair ({i}, {j}) score {sc:.4f}, persons {e.identity[i]} and "
              f"{e.identity[j]}")
    missed = e.duplicates[~hit]
    if len(missed):
        ms = np.einsum("ij,ij->i", e.templates[missed[:, 0]], e.templates[missed[:, 1]])
        low = int((ms < args.threshold).sum())
        print(f"  missed planted pairs: {len(missed)}, of which {low} score below the "
              f"threshold (unfindable); their scores: min {ms.min():.3f} median "
              f"{np.median(ms):.3f} max {ms.max():.3f}")

    rng = np.random.default_rng(args.seed + 7)
    rows = np.sort(rng.choice(n, size=min(args.sample, n), replace=False)).astype(np.int64)
    t0 = time.perf_counter()
    ex = exact_sample(e.templates, rows, args.threshold, args.workers)
    t_ex = time.perf_counter() - t0
    # every pair that involves a sampled row; all pairs = n (n - 1) / 2, a sample row covers n - 1
    share = (len(rows) * (n - 1) - len(rows) * (len(rows) - 1) / 2) / (n * (n - 1) / 2)
    full = t_ex / share
    ex_keys = np.unique(np.minimum(ex.i, ex.j) * n + np.maximum(ex.i, ex.j))
    agree = float(np.isin(ex_keys, keys).mean()) if len(ex_keys) else 1.0
    print(f"exact brute force on a sample of {len(rows):,} rows against all {n:,}: "
          f"{t_ex:.1f} s for {share:.3%} of all pairs -> all pairs about {full:,.0f} s "
          f"({full / 3600:.2f} h); ratio exact / approximate {full / wall:.1f}x")
    print(f"  exact finds {len(ex_keys):,} pairs >= threshold involving the sample; the "
          f"approximate method found {agree:.2%} of them")
    print(f"RESULT templates={n} dim={dim} recall_planted={recall:.4%} wall_s={wall:.1f} "
          f"false_pairs={false}")


if __name__ == "__main__":
    main()
