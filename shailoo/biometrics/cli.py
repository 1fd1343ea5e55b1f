"""`shailoo biometrics ...`: demo enrolment, national de-duplication, accuracy evaluation,
and identification of a sample at a station."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from shailoo.runtime import cli_session, err_console, handle_errors

app = typer.Typer(help="Biometrics: enrolment, de-duplication, accuracy.", no_args_is_help=True)
ACTOR = "cli"


@app.command("enrol-demo")
@handle_errors
def enrol_demo(seed: int = typer.Option(1, help="the seed the demo country was generated with"),
               planted_out: Path | None = typer.Option(
                   None, help="write the planted duplicate PIN pairs to this CSV")) -> None:
    """Enrol a synthetic right-index fingerprint for every person with biometric
    registration not enrolled yet, with a known set of planted duplicates."""
    from shailoo.biometrics.enrolment_demo import enrol_demo as enrol

    with cli_session() as session:
        done = enrol(session, ACTOR, seed, log=lambda m: err_console.print(m, highlight=False))
    if planted_out is not None:
        planted_out.write_text("pin_a,pin_b\n" + "".join(f"{a},{b}\n" for a, b in done.planted),
                               encoding="utf-8")
    typer.echo(f"enrolled {done.enrolled} templates; planted duplicates {len(done.planted)}")


@app.command("dedup")
@handle_errors
def dedup(exact: bool = typer.Option(False, help="brute force instead of the LSH index"),
          full: bool = typer.Option(False, help="everyone against everyone, not only the "
                                                "templates enrolled since the last run"),
          modality: str = typer.Option("finger2", help="finger1..finger10 or face")) -> None:
    """National de-duplication: prints the number of candidate pairs found, then writes the
    new ones as review cases (`shailoo register cases`)."""
    from shailoo.biometrics import service

    with cli_session() as session, err_console.status("de-duplicating..."):
        result = service.deduplicate(session, ACTOR, modality, exact=exact, full=full)
    typer.echo(f"{result['pairs']} candidate pairs")
    typer.echo(f"{result['new_cases']} new review cases ({result['mode']}, "
               f"{result['templates']} templates, threshold {result['threshold']}, "
               f"{result['seconds']} s)")


@app.command("evaluate")
@handle_errors
def evaluate(out: Path = typer.Option(..., help="directory for det.png, det.csv, "
                                                "summary.json"),
             templates: Path | None = typer.Option(
                 None, exists=True, dir_okay=False,
                 help=".npz with gallery, probes and mate (else the synthetic model)"),
             gallery: int = typer.Option(100_000, min=100, help="synthetic gallery size"),
             impostor: int = typer.Option(1_000_000, min=1000,
                                          help="synthetic impostor comparisons"),
             seed: int = typer.Option(0, help="synthetic seed")) -> None:
    """Accuracy: FMR and FNMR at the 1:1 threshold, FPIR and FNIR at the station's and the
    national 1:N thresholds, and the DET curve as DIR/det.png."""
    from shailoo.biometrics import evaluation

    with err_console.status("evaluating..."):
        result = (evaluation.evaluate_file(templates, seed=seed) if templates else
                  evaluation.evaluate_synthetic(impostor=impostor, gallery=gallery,
                                                seed=seed))
        paths = evaluation.write_report(result, out)
    typer.echo(f"FMR {result.fmr:.3g} FNMR {result.fnmr:.3g} at 1:1 threshold "
               f"{result.verify_threshold}")
    searches = (f"gallery {result.gallery}, {result.mated_searches} mated and "
                f"{result.non_mated_searches} non-mated searches")
    typer.echo(f"FPIR {result.station_fpir:.3g} FNIR {result.station_fnir:.3g} at the "
               f"station 1:N threshold {result.station_threshold} ({searches})")
    typer.echo(f"FPIR {result.fpir:.3g} FNIR {result.fnir:.3g} at the national 1:N "
               f"threshold {result.identify_threshold} ({searches})")
    typer.echo("wrote " + ", ".join(str(p) for p in paths))


@app.command("identify")
@handle_errors
def identify(station: str, sample: Path = typer.Argument(..., exists=True, dir_okay=False),
             election: int = typer.Option(..., help="election id"),
             extractor: str = typer.Option("float32", help="feature extractor"),
             modality: str = typer.Option("finger2", help="finger1..finger10 or face"),
             quality: float | None = typer.Option(None, help="capture quality 0..1")) -> None:
    """Identify a captured sample (file) among the voters of a station, as the station's
    device does; prints the answer as JSON."""
    from shailoo.biometrics.extractors import Sample
    from shailoo.biometrics.identify import identify_at_station

    with cli_session() as session:
        answer = identify_at_station(session, election, station,
                                     Sample(modality, sample.read_bytes(), quality), extractor)
    typer.echo(json.dumps(answer, ensure_ascii=False))
