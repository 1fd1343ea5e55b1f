"""JSON source formats of protocol files, and their pure parsing (the JSON twin of
``transfer``, which holds the CSV formats and the plans every parser returns).

* ``shailoo-json``: what ``shailoo results export --format json`` writes (``exports``), one
  document: the election, its contests with their ballots, and one object per counted
  protocol, each on its own line.
* ``ru-2021-spbik``: a directory of the St Petersburg election commission's per-UIK result
  files (vkryl/spbik-2021): ``election_<n>.json`` and ``uik_<N>/federal_parties.json``.

Every value is checked; a bad one is reported with the file, the line where its enclosing
JSON object starts, and the JSON path of the field, and the whole source is rejected. The
mappings are documented in docs/operators/07-results-import.md.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from shailoo.errors import InvalidInput
from shailoo.kit.importing import ImportRejected, ImportReport, RowError
from shailoo.results.rules import LINES, Source
from shailoo.results.transfer import (
    RU_CHECKS,
    ElectionPlan,
    FormatName,
    ParsedSource,
    PlannedChoice,
    PlannedCommission,
    PlannedContest,
    PlannedProtocol,
    PlannedRegion,
    PlannedStation,
    digest_code,
    parse_count,
    ru_2021_plan,
    shailoo_csv_system,
)

SHAILOO_JSON_FORMAT = "shailoo-results"
SHAILOO_JSON_VERSION = 1
CHOICE_KINDS = ("party", "candidate", "against_all", "yes", "no")
CODE_PATTERN = r"[A-Za-z0-9_-]{1,60}"

DIRECTORY_FORMATS = frozenset({FormatName.RU_2021_SPBIK})
JSON_FORMATS = frozenset({FormatName.SHAILOO_JSON, FormatName.RU_2021_SPBIK})


# --- JSON with the line of every object -------------------------------------------------------

@dataclass
class JsonText:
    """A parsed JSON document and the line on which each of its objects starts."""

    value: Any
    _lines: dict[int, int] = field(default_factory=dict)
    _keep: list[Any] = field(default_factory=list)

    def line(self, obj: Any) -> int:
        """The line where ``obj`` (an object of this document) starts; 1 when unknown."""
        return self._lines.get(id(obj), 1)


def load_json(text: str, source: str, report: ImportReport) -> JsonText | None:
    """Parse ``text``; a syntax error goes to ``report`` with its line and column."""
    breaks = [i for i, ch in enumerate(text) if ch == "\n"]
    doc = JsonText(None)

    decoder = json.JSONDecoder()

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        start = s_and_end[1] - 1  # the opening brace
        obj, end = json.decoder.JSONObject(s_and_end, *args)  # type: ignore[attr-defined]
        doc._lines[id(obj)] = bisect_right(breaks, start) + 1
        doc._keep.append(obj)
        return obj, end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        doc.value = decoder.decode(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        report.add_error(RowError(source, exc.lineno, "(json)",
                                  f"not valid JSON: {exc.msg} (column {exc.colno})"))
        return None
    except RecursionError:
        report.add_error(RowError(source, 1, "(json)", "nested too deeply"))
        return None
    return doc


class _Reader:
    """Typed reads of JSON values; each bad one names file, line and JSON path."""

    def __init__(self, doc: JsonText, source: str, report: ImportReport) -> None:
        self.doc, self.source, self.report = doc, source, report
        self.ok = True

    def error(self, parent: Any, path: str, reason: str, value: Any = "") -> None:
        self.ok = False
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        self.report.add_error(RowError(self.source, self.doc.line(parent), path, reason,
                                       "" if value == "" else shown[:200]))

    def get(self, parent: dict[str, Any], path: str, key: str, kind: type | tuple[type, ...],
            what: str, optional: bool = False) -> Any:
        """``parent[key]`` when it is of ``kind`` (bool is never a number); else None and an
        error (no error for an absent or null optional key)."""
        if key not in parent or parent[key] is None:
            if not optional:
                self.error(parent, _join(path, key), "is required but missing")
            return None
        value = parent[key]
        if isinstance(value, bool) and kind is not bool:
            self.error(parent, _join(path, key), f"must be {what}", value)
            return None
        if not isinstance(value, kind):
            self.error(parent, _join(path, key), f"must be {what}", value)
            return None
        return value

    def obj(self, parent: dict[str, Any], path: str, key: str,
            optional: bool = False) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self.get(parent, path, key, dict, "an object", optional)
        return value

    def text(self, parent: dict[str, Any], path: str, key: str,
             optional: bool = False) -> str | None:
        value = self.get(parent, path, key, str, "a string", optional)
        if value is not None and not value.strip() and not optional:
            self.error(parent, _join(path, key), "must not be empty")
            return None
        return value.strip() if isinstance(value, str) else None

    def count(self, parent: dict[str, Any], path: str, key: str,
              optional: bool = False) -> int | None:
        """A whole non-negative number (a JSON integer; 12.0 or "12" are refused)."""
        value = self.get(parent, path, key, int, "a whole non-negative number", optional)
        if value is None:
            return None
        try:
            return parse_count(str(value))
        except ValueError as exc:
            self.error(parent, _join(path, key), str(exc), value)
            return None


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _parsed(fmt: FormatName, source: str, plan: ElectionPlan,
            checks: Any = None) -> ParsedSource:
    return ParsedSource(fmt, source, plan, checks=checks)


def _finish(parsed: ParsedSource, report: ImportReport) -> ParsedSource:
    parsed.rows_read = report.rows_read
    if report.ok and not parsed.protocols:
        report.add_error(RowError(parsed.source, 1, "(file)", "the source has no protocols"))
    if not report.ok:
        raise ImportRejected(report)
    return parsed


# --- shailoo-json: our own export ---------------------------------------------------------------

def parse_shailoo_json(stream: IO[str], source: str) -> ParsedSource:
    """Parse a ``shailoo results export --format json`` document; any bad value rejects it."""
    report = ImportReport(source)
    placeholder = ElectionPlan("unknown", "parliamentary", "-", "-", "-", date(1970, 1, 1))
    parsed = _parsed(FormatName.SHAILOO_JSON, source, placeholder)
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        report.add_error(RowError(source, 0, "(file)", f"not UTF-8 text: {exc}"))
        raise ImportRejected(report) from None
    doc = load_json(text, source, report)
    if doc is not None:
        _read_shailoo_json(doc, parsed, report)
    return _finish(parsed, report)


def _read_shailoo_json(doc: JsonText, parsed: ParsedSource, report: ImportReport) -> None:
    source = parsed.source
    r = _Reader(doc, source, report)
    top = doc.value
    if not isinstance(top, dict):
        report.add_error(RowError(source, 1, "(document)", "must be a JSON object"))
        return
    if top.get("format") != SHAILOO_JSON_FORMAT:
        r.error(top, "format", f"must be {SHAILOO_JSON_FORMAT!r} (a shailoo results export)",
                top.get("format", ""))
        return
    if top.get("version") != SHAILOO_JSON_VERSION:
        r.error(top, "version", f"must be {SHAILOO_JSON_VERSION}", top.get("version", ""))
        return
    election = r.obj(top, "", "election")
    contests_in = r.get(top, "", "contests", list, "a list")
    protocols_in = r.get(top, "", "protocols", list, "a list")
    if election is None or contests_in is None or protocols_in is None:
        return
    code = r.text(election, "election", "code")
    polling = r.text(election, "election", "polling_date")
    day = None
    if polling is not None:
        try:
            day = date.fromisoformat(polling)
        except ValueError:
            r.error(election, "election.polling_date", "must be YYYY-MM-DD", polling)
    names = [r.text(election, "election", f"name_{lang}", optional=True)
             for lang in ("ky", "ru", "en")]
    ballots = _read_contests(r, contests_in)
    if not r.ok or code is None or day is None:
        return
    used: dict[int, PlannedContest] = {}
    for i, item in enumerate(protocols_in):
        path = _join("protocols", i)
        report.rows_read += 1
        if not isinstance(item, dict):
            report.add_error(RowError(source, doc.line(protocols_in), path,
                                      "must be an object", str(item)[:200]))
            continue
        protocol = _read_protocol(r, item, path, ballots, used)
        if protocol is not None:
            parsed.protocols.append(protocol)
            tec, region = protocol_place(item)
            if region is not None:
                parsed.regions.setdefault(region, PlannedRegion(region, "oblast", region,
                                                                region, region))
            parsed.commissions.setdefault(tec, PlannedCommission(tec, region, tec))
            parsed.stations.setdefault(protocol.station, PlannedStation(
                protocol.station, tec, protocol.station, tec, abroad=region is None))
    parsed.contests.extend(used[k] for k in sorted(used, key=list(ballots).index))
    against = any(c.kind == "against_all" for k in parsed.contests for c in k.choices)
    parsed.election = ElectionPlan(
        code, "parliamentary", names[0] or code, names[1] or code, names[2] or code, day,
        system=shailoo_csv_system(against, "JSON"))


def protocol_place(item: dict[str, Any]) -> tuple[str, str | None]:
    """The commission and region of a protocol object already read (region None: abroad)."""
    region = item.get("region")
    return str(item["tec"]).strip(), (region.strip() or None) if isinstance(region, str) \
        else None


def _read_contests(r: _Reader, contests_in: list[Any]) -> dict[int, PlannedContest]:
    ballots: dict[int, PlannedContest] = {}
    for i, item in enumerate(contests_in):
        path = _join("contests", i)
        if not isinstance(item, dict):
            r.error(contests_in, path, "must be an object", str(item)[:200])
            continue
        contest_id = r.get(item, path, "id", int, "a whole number")
        name = r.text(item, path, "name")
        choices_in = r.get(item, path, "choices", list, "a list")
        if contest_id is None or name is None or choices_in is None:
            continue
        if contest_id in ballots:
            r.error(item, _join(path, "id"), "the same contest id appears twice", contest_id)
            continue
        choices: list[PlannedChoice] = []
        for j, choice in enumerate(choices_in):
            where = _join(_join(path, "choices"), j)
            if not isinstance(choice, dict):
                r.error(item, where, "must be an object", str(choice)[:200])
                continue
            code = r.text(choice, where, "code")
            kind = r.text(choice, where, "kind")
            label = r.text(choice, where, "name", optional=True) or code
            if code is None or kind is None:
                continue
            if not re.fullmatch(CODE_PATTERN, code) or code in [c.code for c in choices]:
                r.error(choice, _join(where, "code"),
                        "must be a unique code of letters, digits, _ or -", code)
                continue
            if kind not in CHOICE_KINDS:
                r.error(choice, _join(where, "kind"), f"must be one of {', '.join(CHOICE_KINDS)}",
                        kind)
                continue
            choices.append(PlannedChoice(code, kind, label or code))
        if not choices:
            r.error(item, _join(path, "choices"), "the ballot has no choices")
            continue
        ballots[contest_id] = PlannedContest(str(contest_id), name, choices, file_id=contest_id)
    return ballots


def _read_protocol(r: _Reader, item: dict[str, Any], path: str,
                   ballots: dict[int, PlannedContest], used: dict[int, PlannedContest]
                   ) -> PlannedProtocol | None:
    before = r.report.error_count
    station = r.text(item, path, "station")
    r.text(item, path, "tec")
    r.text(item, path, "region", optional=True)
    contest_id = r.get(item, path, "contest_id", int, "a whole number")
    raw_source = r.text(item, path, "source")
    source_kind = None
    if raw_source is not None:
        try:
            source_kind = Source(raw_source)
        except ValueError:
            r.error(item, _join(path, "source"), "must be scanner or manual", raw_source)
    lines_in = r.obj(item, path, "lines")
    votes_in = r.obj(item, path, "votes")
    lines: dict[str, int | None] = {}
    if lines_in is not None:
        for key in lines_in:
            if key not in LINES:
                r.error(lines_in, _join(_join(path, "lines"), key),
                        f"is not a protocol line; the lines are {', '.join(LINES)}")
        lines = {name: r.count(lines_in, _join(path, "lines"), name, optional=True)
                 for name in LINES}
    contest = ballots.get(contest_id) if contest_id is not None else None
    if contest_id is not None and contest is None:
        r.error(item, _join(path, "contest_id"), "is not one of the document's contests",
                contest_id)
    votes: dict[str, int] = {}
    if votes_in is not None and contest is not None:
        codes = [c.code for c in contest.choices]
        for key in votes_in:
            if key not in codes:
                r.error(votes_in, _join(_join(path, "votes"), key),
                        f"is not a choice of contest {contest_id}")
        for code in codes:
            value = r.count(votes_in, _join(path, "votes"), code)
            if value is not None:
                votes[code] = value
    if r.report.error_count > before or station is None or source_kind is None \
            or contest is None or contest_id is None:
        return None
    used[contest_id] = contest
    return PlannedProtocol(r.doc.line(item), station, contest.key, source_kind, lines, votes)


# --- ru-2021-spbik: the St Petersburg commission's per-UIK files ------------------------------

SPBIK_ELECTION_DATA_ID = 100100225883172  # izbirkom's vrn of the 2021 Duma federal list
SPBIK_GIK = "СПбИК"
SPBIK_REGION = "город Санкт-Петербург"  # as the Kobak-Shpilkin table names it
SPBIK_FILE = "federal_parties.json"
SPBIK_RESULT_NAME = "Итоги голосования по федеральному избирательному округу"
SPBIK_LINES: dict[str, str] = {  # JSON path -> our line (the UIK protocol, lines 1-9)
    "metadata.voters.registered_count": "voters_list",
    "metadata.papers.received_count": "ballots_received",
    "metadata.voters.ahead_of_time_count": "ballots_issued_early",
    "metadata.voters.walk_by_count": "ballots_issued_station",
    "metadata.voters.on_home_count": "ballots_issued_mobile",
    "metadata.papers.destroyed_count": "ballots_cancelled",
    "metadata.papers.portable_box_count": "ballots_found_mobile",
    "metadata.papers.stationary_box_count": "ballots_found_stationary",
    "metadata.papers.invalid_count": "ballots_invalid",
}
SPBIK_VALID = "metadata.papers.valid_count"  # verified: the sum of the party votes


def parse_directory(fmt: FormatName, path: Path, source: str) -> ParsedSource:
    """Parse a directory source (``ru-2021-spbik``); any bad value rejects it."""
    if fmt is not FormatName.RU_2021_SPBIK:
        raise InvalidInput("results.transfer_unreadable", f"{fmt.value} is not read from a "
                           "directory")
    if not path.is_dir():
        raise InvalidInput("results.transfer_unreadable",
                           f"{path} must be a directory holding election_<n>.json and "
                           f"uik_<N>/{SPBIK_FILE} (format {fmt.value})")
    report = ImportReport(source)
    parsed = _parsed(FormatName.RU_2021_SPBIK, source, ru_2021_plan(), RU_CHECKS)
    election = _spbik_election(path, source, report)
    uiks = sorted((int(p.name.removeprefix("uik_")), p) for p in path.iterdir()
                  if p.is_dir() and re.fullmatch(r"uik_\d{1,6}", p.name))
    if election is not None and not uiks:
        report.add_error(RowError(source, 1, "(directory)", "holds no uik_<N> directory"))
    ballot: tuple[str, list[PlannedChoice]] | None = None
    for number, folder in uiks:
        if election is None:
            break
        name = f"{source}/{folder.name}/{SPBIK_FILE}"
        report.rows_read += 1
        doc = _load_file(folder / SPBIK_FILE, name, report)
        if doc is None:
            continue
        protocol = _spbik_protocol(_Reader(doc, name, report), number, election, parsed)
        if protocol is None:
            continue
        choices = protocol[1]
        if ballot is None:
            ballot = (name, choices)
            parsed.contests.append(PlannedContest("main", "Federal list", choices))
        elif choices != ballot[1]:
            report.add_error(RowError(name, doc.line(doc.value), "entries",
                                      f"the parties differ from those of {ballot[0]}"))
            continue
        parsed.protocols.append(protocol[0])
    return _finish(parsed, report)


def _load_file(file: Path, name: str, report: ImportReport) -> JsonText | None:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        report.add_error(RowError(name, 0, "(file)", "is missing"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        report.add_error(RowError(name, 0, "(file)", f"cannot be read as UTF-8 text: {exc}"))
        return None
    doc = load_json(text, name, report)
    if doc is not None and not isinstance(doc.value, dict):
        report.add_error(RowError(name, 1, "(document)", "must be a JSON object"))
        return None
    return doc


@dataclass(frozen=True)
class _SpbikElection:
    file: str
    data_id: int
    uiks: frozenset[int]


def _spbik_election(path: Path, source: str, report: ImportReport) -> _SpbikElection | None:
    """The election file of the 2021 federal list among election_<n>.json."""
    files = sorted(p for p in path.glob("election_*.json") if p.is_file())
    for file in files:
        name = f"{source}/{file.name}"
        doc = _load_file(file, name, report)
        if doc is None:
            continue
        r = _Reader(doc, name, report)
        data_id = r.get(doc.value, "", "data_id", int, "a whole number")
        if data_id != SPBIK_ELECTION_DATA_ID:
            continue
        related = r.obj(doc.value, "", "related_to")
        venues = r.get(related, "related_to", "venue", list, "a list") if related else None
        if venues is None:
            return None
        uiks = frozenset(v["id"] for v in venues if isinstance(v, dict)
                         and v.get("type") == "uik" and isinstance(v.get("id"), int))
        return _SpbikElection(name, data_id, uiks)
    if report.ok:
        report.add_error(RowError(source, 1, "election_<n>.json",
                                  "no election file has data_id "
                                  f"{SPBIK_ELECTION_DATA_ID} (the 2021 State Duma federal "
                                  "list, the only election this format reads)"))
    return None


def _spbik_protocol(r: _Reader, number: int, election: _SpbikElection, parsed: ParsedSource
                    ) -> tuple[PlannedProtocol, list[PlannedChoice]] | None:
    top: dict[str, Any] = r.doc.value
    if r.get(top, "", "data_id", int, "a whole number") not in (None, election.data_id):
        r.error(top, "data_id", f"must be {election.data_id}, the election of "
                f"{election.file}", top["data_id"])
    if top.get("name") != SPBIK_RESULT_NAME:
        r.error(top, "name", f"must be {SPBIK_RESULT_NAME!r} (the federal list result)",
                top.get("name", ""))
    scope = r.obj(top, "", "protocol_scope")
    if scope is not None and (scope.get("type") != "uik" or scope.get("id") != number):
        r.error(scope, "protocol_scope", f"must be UIK {number}, as the directory name says",
                scope)
    district = r.obj(top, "", "electoral_district")
    if district is not None and district.get("type") != "federal":
        r.error(district, "electoral_district.type", "must be federal",
                district.get("type", ""))
    has_koib = r.get(top, "", "has_koib", bool, "true or false")
    related = r.obj(top, "", "related_to")
    tik = place = None
    if related is not None:
        if related.get("gik") != SPBIK_GIK:
            r.error(related, "related_to.gik", f"must be {SPBIK_GIK}", related.get("gik", ""))
        if related.get("uik") not in (None, number):
            r.error(related, "related_to.uik", f"must be {number}, as the directory name says",
                    related["uik"])
        tik = r.count(related, "related_to", "tik")
        place = r.text(related, "related_to", "district", optional=True)
    if number not in election.uiks:
        r.error(top, "protocol_scope.id", f"UIK {number} is not a venue of the election in "
                f"{election.file}", number)
    lines: dict[str, int | None] = {}
    for json_path, line in SPBIK_LINES.items():
        lines[line] = _at(r, top, json_path)
    valid = _at(r, top, SPBIK_VALID)
    choices, votes = _spbik_entries(r, top)
    if r.ok and valid != sum(votes.values()):
        papers = top["metadata"]["papers"]
        r.error(papers, SPBIK_VALID, f"is not the sum of the party votes "
                f"({sum(votes.values())})", valid)
    if not r.ok or tik is None or has_koib is None:
        return None
    region_code = "RU-" + digest_code(SPBIK_REGION, 3)
    tik_name = f"Территориальная избирательная комиссия №{tik}"
    tec = f"{region_code}-{digest_code(SPBIK_REGION + '|' + tik_name, 4)}"
    code = f"{region_code}-{number}"
    parsed.regions.setdefault(region_code, PlannedRegion(
        region_code, "oblast", SPBIK_REGION, SPBIK_REGION, SPBIK_REGION))
    parsed.commissions.setdefault(tec, PlannedCommission(tec, region_code, tik_name))
    locality = ", ".join(x for x in (SPBIK_REGION, place, tik_name) if x)
    parsed.stations[code] = PlannedStation(
        code, tec, f"УИК №{number}" + (" (КОИБ)" if has_koib else ""), locality)
    return (PlannedProtocol(r.doc.line(top), code, "main", Source.MANUAL, lines, votes),
            choices)


def _at(r: _Reader, top: dict[str, Any], json_path: str) -> int | None:
    """The count at a dotted path (every object on the way must exist)."""
    *parents, key = json_path.split(".")
    node: dict[str, Any] | None = top
    walked = ""
    for part in parents:
        if node is None:
            return None
        if isinstance(node.get(part), dict):
            node, walked = node[part], _join(walked, part)
            continue
        r.error(node, _join(walked, part), "must be an object" if part in node
                else "is required but missing")
        return None
    return r.count(node, walked, key) if node is not None else None


def _spbik_entries(r: _Reader, top: dict[str, Any]
                   ) -> tuple[list[PlannedChoice], dict[str, int]]:
    entries = r.get(top, "", "entries", list, "a list")
    if entries is None:
        return [], {}
    found: dict[int, tuple[PlannedChoice, int]] = {}
    for i, entry in enumerate(entries):
        path = _join("entries", i)
        if not isinstance(entry, dict):
            r.error(top, path, "must be an object", str(entry)[:200])
            continue
        position = r.count(entry, path, "position")
        name = r.text(entry, path, "name")
        result = r.obj(entry, path, "official_result")
        votes = r.count(result, _join(path, "official_result"), "votes_count") \
            if result is not None else None
        if position is None or name is None or votes is None:
            continue
        if not 1 <= position <= 99 or position in found:
            r.error(entry, _join(path, "position"), "must be a unique list number 1-99",
                    position)
            continue
        found[position] = (PlannedChoice(f"p{position}", "party", f"{position}. {name}"), votes)
    if not found and r.ok:
        r.error(top, "entries", "lists no party")
    ordered = [found[p] for p in sorted(found)]
    return [c for c, _ in ordered], {c.code: v for c, v in ordered}


# --- dispatch ----------------------------------------------------------------------------------

JSON_STREAM_PARSERS: dict[FormatName, Callable[[IO[str], str], ParsedSource]] = {
    FormatName.SHAILOO_JSON: parse_shailoo_json,
}
