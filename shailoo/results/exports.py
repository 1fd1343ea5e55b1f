"""Open-format exports of an election's results, built purely from service data: the shailoo
CSV (one row per station x contest x source), the shailoo JSON (its twin, which
``transfer_json`` reads back) and the NIST SP 1500-100 Election Results
Reporting common data format (JSON, version 2)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from shailoo.candidates.schemas import ChoiceKind, ChoiceOut, PartyOut
from shailoo.elections.rules import ContestKind, ElectionStatus
from shailoo.elections.schemas import ContestOut, ElectionOut
from shailoo.geography.schemas import CommissionOut, RegionOut, StationOut
from shailoo.kit.importing import write_csv
from shailoo.results.rules import LINES
from shailoo.results.schemas import ProtocolOut
from shailoo.results.transfer_json import SHAILOO_JSON_FORMAT, SHAILOO_JSON_VERSION

NIST_PREFIX = "ElectionResults."
VENDOR_APPLICATION_ID = "shailoo"
COUNTRY_UNIT = "gpu-country"


@dataclass(frozen=True)
class ExportData:
    """An election, its contests and ballots, its counted protocols and their places."""

    election: ElectionOut
    contests: list[ContestOut]
    ballots: dict[int, list[ChoiceOut]]
    protocols: list[ProtocolOut]
    regions: list[RegionOut]
    commissions: list[CommissionOut]
    stations: dict[str, StationOut]
    parties: list[PartyOut]


# --- CSV -------------------------------------------------------------------------------------

def csv_choice_codes(data: ExportData) -> list[str]:
    """Choice columns: every contest's ballot codes in ballot order, each code once."""
    codes: list[str] = []
    for contest in data.contests:
        for choice in data.ballots.get(contest.id, []):
            if choice.code not in codes:
                codes.append(choice.code)
    return codes


def csv_header(data: ExportData) -> list[str]:
    """The shailoo CSV header (documented in docs/operators/07-results-import.md)."""
    return ["election", "polling_date", "station", "region", "tec", "contest_id", "contest",
            "source", "version", *LINES, *csv_choice_codes(data)]


def csv_rows(data: ExportData) -> Iterable[list[Any]]:
    """One row per counted current protocol (station x contest x source)."""
    names = {c.id: c.name_en for c in data.contests}
    codes = csv_choice_codes(data)
    for p in data.protocols:
        yield [data.election.code, data.election.polling_date.isoformat(), p.station,
               p.region or "", p.tec, p.contest_id, names.get(p.contest_id, ""),
               p.source.value, p.version, *(p.lines.get(name) for name in LINES),
               *(p.votes.get(code) for code in codes)]


def write_results_csv(data: ExportData, out: IO[str]) -> int:
    """Write the CSV (UTF-8 text); returns the number of rows."""
    rows = list(csv_rows(data))
    write_csv(out, csv_header(data), rows)
    return len(rows)


# --- shailoo JSON ------------------------------------------------------------------------------

def json_head(data: ExportData) -> dict[str, Any]:
    """The shailoo JSON document but its protocols: format, version, the election and every
    contest with its ballot (documented in docs/operators/07-results-import.md)."""
    election = data.election
    return {
        "format": SHAILOO_JSON_FORMAT, "version": SHAILOO_JSON_VERSION,
        "election": {"code": election.code, "polling_date": election.polling_date.isoformat(),
                     "kind": election.kind.value, "name_ky": election.name_ky,
                     "name_ru": election.name_ru, "name_en": election.name_en},
        "contests": [{"id": c.id, "kind": c.kind.value, "name": c.name_en, "choices": [
            {"code": ch.code, "kind": ch.kind.value, "name": ch.name_en}
            for ch in data.ballots.get(c.id, [])]} for c in data.contests]}


def json_protocol(data: ExportData, protocol: ProtocolOut) -> dict[str, Any]:
    """One counted current protocol, as the JSON export writes it."""
    names = {c.id: c.name_en for c in data.contests}
    return {"station": protocol.station, "tec": protocol.tec, "region": protocol.region,
            "contest_id": protocol.contest_id, "contest": names.get(protocol.contest_id, ""),
            "source": protocol.source.value, "version": protocol.version,
            "lines": {name: protocol.lines.get(name) for name in LINES},
            "votes": dict(protocol.votes)}


def write_results_json(data: ExportData, out: IO[str]) -> int:
    """Write the shailoo JSON document (UTF-8 text): the head indented, then one protocol
    object per line (so that an import error's line is the protocol's); returns the number
    of protocols."""
    head = json.dumps(json_head(data), ensure_ascii=False, indent=1)
    out.write(head[:-2] + ',\n "protocols": [')
    for i, protocol in enumerate(data.protocols):
        out.write(("," if i else "") + "\n  " + json.dumps(
            json_protocol(data, protocol), ensure_ascii=False, separators=(",", ":")))
    out.write("\n ]\n}\n")
    return len(data.protocols)


# --- NIST SP 1500-100 ------------------------------------------------------------------------

def _text(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"@type": NIST_PREFIX + "InternationalizedText",
            "Text": [{"@type": NIST_PREFIX + "LanguageString", "Content": content,
                      "Language": language} for language, content in pairs if content]}


def _names(item: Any) -> dict[str, Any]:
    return _text(("ky", item.name_ky), ("ru", item.name_ru), ("en", item.name_en))


def region_unit(code: str) -> str:
    """NIST @id of a region."""
    return f"gpu-region-{code}"


def tec_unit(code: str) -> str:
    """NIST @id of a territorial commission."""
    return f"gpu-tec-{code}"


def station_unit(code: str) -> str:
    """NIST @id of a polling station."""
    return f"gpu-station-{code}"


def _choice_id(contest_id: int, code: str) -> str:
    return f"sel-{contest_id}-{code}"


def _party_id(contest_id: int, choice: ChoiceOut) -> str:
    return f"party-{choice.party_id}" if choice.party_id else f"party-{contest_id}-{choice.code}"


def nist_status(status: ElectionStatus) -> str:
    """ElectionReport Status: certified once the election is, else unofficial (the NIST V2
    vocabulary has no "pre-certified")."""
    return "certified" if status is ElectionStatus.CERTIFIED else "unofficial-partial"


def _reporting_units(data: ExportData) -> list[dict[str, Any]]:
    stations_by_tec: dict[str, list[str]] = {}
    for code in sorted({p.station for p in data.protocols}):
        station = data.stations.get(code)
        tec = station.tec if station else next(p.tec for p in data.protocols if p.station == code)
        stations_by_tec.setdefault(tec, []).append(code)
    commissions = {c.code: c for c in data.commissions if c.code in stations_by_tec}
    tecs_by_region: dict[str | None, list[str]] = {}
    for code in sorted(stations_by_tec):
        region = commissions[code].region if code in commissions else None
        tecs_by_region.setdefault(region, []).append(code)
    regions = {r.code: r for r in data.regions}
    top = [region_unit(r) for r in sorted(k for k in tecs_by_region if k is not None)]
    top += [tec_unit(t) for t in tecs_by_region.get(None, [])]
    units: list[dict[str, Any]] = [{
        "@id": COUNTRY_UNIT, "@type": NIST_PREFIX + "ReportingUnit", "Type": "country",
        "Name": _text(("en", "Country")), "ComposingGpUnitIds": top}]
    for code in sorted(k for k in tecs_by_region if k is not None):
        unit: dict[str, Any] = {"@id": region_unit(code), "@type": NIST_PREFIX + "ReportingUnit",
                                "Type": "other", "OtherType": "region", "Number": code,
                                "ComposingGpUnitIds": [tec_unit(t) for t in tecs_by_region[code]]}
        if code in regions:
            unit["Name"] = _names(regions[code])
        units.append(unit)
    for code, members in stations_by_tec.items():
        unit = {"@id": tec_unit(code), "@type": NIST_PREFIX + "ReportingUnit", "Type": "other",
                "OtherType": "territorial-election-commission", "Number": code,
                "ComposingGpUnitIds": [station_unit(s) for s in members]}
        if code in commissions:
            unit["Name"] = _names(commissions[code])
        units.append(unit)
    for code in sorted(c for members in stations_by_tec.values() for c in members):
        unit = {"@id": station_unit(code), "@type": NIST_PREFIX + "ReportingUnit",
                "Type": "precinct", "Number": code}
        if code in data.stations:
            unit["Name"] = _text(("ru", data.stations[code].name))
        units.append(unit)
    return units


def _contest(data: ExportData, contest: ContestOut) -> dict[str, Any]:
    ballot = data.ballots.get(contest.id, [])
    counts: dict[str, list[dict[str, Any]]] = {c.code: [] for c in ballot}
    for p in data.protocols:
        if p.contest_id != contest.id:
            continue
        for code, value in p.votes.items():
            counts.setdefault(code, []).append({
                "@type": NIST_PREFIX + "VoteCounts", "GpUnitId": station_unit(p.station),
                "Type": "total", "Count": value})
    selections = []
    for choice in ballot:
        selection: dict[str, Any] = {"@id": _choice_id(contest.id, choice.code),
                                     "SequenceOrder": choice.position,
                                     "VoteCounts": counts[choice.code]}
        if choice.kind is ChoiceKind.PARTY:
            selection["@type"] = NIST_PREFIX + "PartySelection"
            selection["PartyIds"] = [_party_id(contest.id, choice)]
        elif choice.kind is ChoiceKind.CANDIDATE:
            selection["@type"] = NIST_PREFIX + "CandidateSelection"
            selection["CandidateIds"] = [f"cand-{contest.id}-{choice.code}"]
        else:  # against all, yes, no: a selection that names no candidate
            selection["@type"] = NIST_PREFIX + "CandidateSelection"
            selection["IsWriteIn"] = False
        selections.append(selection)
    body: dict[str, Any] = {
        "@id": f"contest-{contest.id}", "Name": contest.name_en,
        "BallotTitle": _names(contest), "ElectionDistrictId": COUNTRY_UNIT,
        "ContestSelection": selections,
        "SubUnitsReported": len({p.station for p in data.protocols
                                 if p.contest_id == contest.id})}
    if contest.kind is ContestKind.NATIONAL_LIST or contest.kind is ContestKind.REFERENDUM:
        body["@type"] = NIST_PREFIX + "PartyContest"
    else:
        body["@type"] = NIST_PREFIX + "CandidateContest"
        body["VotesAllowed"] = 1
        body["NumberElected"] = contest.seats
    return body


def nist_report(data: ExportData, generated: datetime, issuer: str = "Central Election "
                "Commission", issuer_abbreviation: str = "CEC",
                vendor: str = VENDOR_APPLICATION_ID) -> dict[str, Any]:
    """The NIST SP 1500-100 (V2) ElectionReport of an election's counted protocols: vote
    counts per polling station (ReportingUnit), composed up to the country."""
    candidates: list[dict[str, Any]] = []
    parties: dict[str, dict[str, Any]] = {}
    registered = {p.id: p for p in data.parties}
    for contest in data.contests:
        for choice in data.ballots.get(contest.id, []):
            if choice.kind is ChoiceKind.CANDIDATE:
                candidate: dict[str, Any] = {"@id": f"cand-{contest.id}-{choice.code}",
                                             "@type": NIST_PREFIX + "Candidate",
                                             "BallotName": _names(choice)}
                if choice.party_id:
                    candidate["PartyId"] = f"party-{choice.party_id}"
                candidates.append(candidate)
            if choice.kind is ChoiceKind.PARTY or choice.party_id:
                pid = _party_id(contest.id, choice)
                source: Any = registered.get(choice.party_id or 0, choice)
                parties.setdefault(pid, {"@id": pid, "@type": NIST_PREFIX + "Party",
                                         "Name": _names(source)})
    for pid_src in [c for c in candidates if "PartyId" in c]:
        pid = pid_src["PartyId"]
        if pid not in parties:
            party = registered[int(pid.removeprefix("party-"))]
            parties[pid] = {"@id": pid, "@type": NIST_PREFIX + "Party", "Name": _names(party)}
    election: dict[str, Any] = {
        "@type": NIST_PREFIX + "Election", "Name": _names(data.election),
        "StartDate": data.election.polling_date.isoformat(),
        "EndDate": data.election.polling_date.isoformat(), "Type": "general",
        "ElectionScopeId": COUNTRY_UNIT,
        "Contest": [_contest(data, c) for c in data.contests]}
    if candidates:
        election["Candidate"] = candidates
    report: dict[str, Any] = {
        "@type": NIST_PREFIX + "ElectionReport", "Format": "precinct-level",
        "GeneratedDate": generated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Issuer": issuer,
        "IssuerAbbreviation": issuer_abbreviation, "SequenceStart": 1, "SequenceEnd": 1,
        "Status": nist_status(data.election.status), "VendorApplicationId": vendor,
        "Election": [election], "GpUnit": _reporting_units(data)}
    if parties:
        report["Party"] = list(parties.values())
    return report
