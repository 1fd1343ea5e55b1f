"""Declarative source formats of protocol files, and their pure parsing.

Each format is a small spec: which source column is which protocol line (``line_columns``),
which columns are ballot choices and how their codes are made, how a row names its region,
commission and station, the election and electoral system the file implies, and the control
checks that fit the lines the source has. Parsing is pure (text in, plans out): it reads every
row, reports each bad one with file line, field and reason, and returns what the database
should hold. ``transfer_service`` writes the plans through the geography, elections,
candidates and results services, in one transaction. The mappings are documented in
docs/operators/07-results-import.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO

from shailoo.elections.systems import (
    AgainstAllRule,
    AllocationMethod,
    Denominator,
    ElectoralSystem,
    ListTier,
    PresidentialRule,
    Threshold,
)
from shailoo.errors import InvalidInput
from shailoo.kit.importing import ImportRejected, ImportReport, RowError
from shailoo.results.rules import (
    DEFAULT_CHECKS,
    LINES,
    VOTES_TOTAL,
    CheckKind,
    ControlCheck,
    Source,
)

FLOAT_TOLERANCE = 1e-6
MAX_COUNT = 10_000_000
AGAINST_ALL_CODE = "against_all"


class FormatName(StrEnum):
    """The source formats the importer knows."""

    KG_2020 = "kg-2020"
    GE_2024 = "ge-2024"
    RU_2018 = "ru-2018"
    RU_2021 = "ru-2021"
    SHAILOO_CSV = "shailoo-csv"
    SHAILOO_JSON = "shailoo-json"      # parsed by transfer_json
    RU_2021_SPBIK = "ru-2021-spbik"    # a directory, parsed by transfer_json


# --- what a parsed file asks the database to hold -------------------------------------------

@dataclass(frozen=True)
class PlannedRegion:
    """A region the file implies."""

    code: str
    kind: str  # oblast | city
    name_ky: str
    name_ru: str
    name_en: str


@dataclass(frozen=True)
class PlannedCommission:
    """A territorial commission the file implies (region None: the commission for abroad)."""

    code: str
    region: str | None
    name: str

    @property
    def abroad(self) -> bool:
        """True for the commission of the stations abroad."""
        return self.region is None


@dataclass(frozen=True)
class PlannedStation:
    """A polling station the file implies."""

    code: str
    tec: str
    name: str
    locality: str
    abroad: bool = False


@dataclass(frozen=True)
class PlannedChoice:
    """A ballot line: code, kind (party, candidate, against_all) and name."""

    code: str
    kind: str
    name: str


@dataclass
class PlannedContest:
    """A contest of the file: its key in the file, name and ballot (in ballot order)."""

    key: str
    name: str
    choices: list[PlannedChoice]
    file_id: int | None = None


@dataclass(frozen=True)
class PlannedProtocol:
    """One row's protocol: the file line, station, contest key, source, lines and votes."""

    line: int
    station: str
    contest: str
    source: Source
    lines: dict[str, int | None]
    votes: dict[str, int]


@dataclass(frozen=True)
class ElectionPlan:
    """The election a file implies (created in status counting when absent)."""

    code: str
    kind: str  # parliamentary | presidential
    name_ky: str
    name_ru: str
    name_en: str
    polling_date: date
    preset: str | None = None
    system: ElectoralSystem | None = None


@dataclass
class ParsedSource:
    """Everything a file asks for, in file order."""

    format: FormatName
    source: str
    election: ElectionPlan
    checks: tuple[ControlCheck, ...] | None
    regions: dict[str, PlannedRegion] = field(default_factory=dict)
    commissions: dict[str, PlannedCommission] = field(default_factory=dict)
    stations: dict[str, PlannedStation] = field(default_factory=dict)
    contests: list[PlannedContest] = field(default_factory=list)
    protocols: list[PlannedProtocol] = field(default_factory=list)
    rows_read: int = 0


# --- values ----------------------------------------------------------------------------------

def parse_count(raw: str, *, tolerate_float: bool = False) -> int:
    """A non-negative whole count. With ``tolerate_float``, a decimal within 1e-6 of a whole
    number (rounding noise such as 83.00000000000001) is rounded; anything else is refused."""
    text = raw.strip()
    if re.fullmatch(r"\d+", text):
        value = int(text)
    elif tolerate_float:
        try:
            number = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("must be a finite number")
        nearest = round(number)
        if abs(number - nearest) > FLOAT_TOLERANCE:
            raise ValueError(f"is not a whole number (more than {FLOAT_TOLERANCE} from one)")
        value = int(nearest)
    else:
        raise ValueError("must be a whole non-negative number")
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_COUNT:
        raise ValueError(f"is larger than {MAX_COUNT:,}")
    return value


def digest_code(text: str, length: int) -> str:
    """``length`` base-36 characters (0-9A-Z) of the SHA-256 of ``text``: a short code that
    depends only on the name, never on file order."""
    number = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for _ in range(length):
        number, rest = divmod(number, 36)
        out.append(alphabet[rest])
    return "".join(out)


# --- reading ---------------------------------------------------------------------------------

def open_text(path: Path) -> IO[str]:
    """A file as UTF-8 text; a .zip gives its (single) .csv member."""
    if path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise InvalidInput("results.transfer_unreadable", f"cannot open {path}: {exc}") \
                from None
        members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        if len(members) != 1:
            raise InvalidInput("results.transfer_unreadable",
                               f"{path} must hold exactly one .csv file, it holds {members}")
        return io.TextIOWrapper(archive.open(members[0]), encoding="utf-8-sig", newline="")
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InvalidInput("results.transfer_unreadable", f"cannot read {path}: {exc}") \
            from None


def _rows(stream: IO[str], source: str, report: ImportReport
          ) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and the rows (file line, column -> text); bad shapes go to ``report``."""
    reader = csv.reader(stream)
    try:
        header = [h.lstrip("\ufeff").strip() for h in next(reader)]
    except StopIteration:
        report.add_error(RowError(source, 1, "(header)", "the file is empty"))
        return [], iter(())
    except (csv.Error, UnicodeDecodeError) as exc:
        report.add_error(RowError(source, 1, "(header)", f"not a readable UTF-8 CSV file: {exc}"))
        return [], iter(())

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        next_line = reader.line_num + 1
        while True:
            line = next_line
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                report.rows_read += 1
                report.add_error(RowError(source, line, "(row)", f"unreadable: {exc}"))
                next_line = reader.line_num + 1
                continue
            next_line = reader.line_num + 1
            if not row or all(not cell.strip() for cell in row):
                continue
            report.rows_read += 1
            if len(row) != len(header):
                report.add_error(RowError(source, line, "(row)",
                                          f"has {len(row)} fields, the header has {len(header)}"))
                continue
            yield line, dict(zip(header, row, strict=True))

    return header, rows()


def _require_columns(header: list[str], needed: list[str], source: str,
                     report: ImportReport) -> bool:
    missing = [c for c in needed if c not in header]
    for name in missing:
        report.add_error(RowError(source, 1, name, "required column is missing from the header"))
    return not missing


class _Row:
    """One row being parsed: counts are read field by field, errors collected."""

    def __init__(self, line: int, values: dict[str, str], source: str,
                 report: ImportReport, tolerate_float: bool = False) -> None:
        self.line, self.values, self.source, self.report = line, values, source, report
        self.tolerate_float = tolerate_float
        self.ok = True

    def error(self, column: str, reason: str, value: str = "") -> None:
        self.ok = False
        self.report.add_error(RowError(self.source, self.line, column, reason, value))

    def count(self, column: str, optional: bool = False) -> int | None:
        raw = self.values[column].strip()
        if not raw:
            if not optional:
                self.error(column, "is required but empty")
            return None
        try:
            return parse_count(raw, tolerate_float=self.tolerate_float)
        except ValueError as exc:
            self.error(column, str(exc), raw)
            return None

    def lines(self, mapping: dict[str, str]) -> dict[str, int | None]:
        return {line: self.count(column, optional=True) for column, line in mapping.items()}

    def votes(self, columns: dict[str, str]) -> dict[str, int]:
        votes = {}
        for column, code in columns.items():
            value = self.count(column)
            if value is not None:
                votes[code] = value
        return votes


# --- the formats -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceFormat:
    """A source format: title, line mapping and the parser of its rows."""

    name: FormatName
    title: str
    line_columns: dict[str, str]
    parse: Callable[[IO[str], str, ImportReport], ParsedSource]


def _check(id_: str, kind: CheckKind, description: str, left: list[str], op: str,
           right: list[str], factor: str = "1") -> ControlCheck:
    return ControlCheck.model_validate({"id": id_, "kind": kind, "description": description,
                                        "left": left, "op": op, "right": right,
                                        "factor": Decimal(factor)})


# Kyrgyzstan 2020 (Kloop): votes only; region names -> ISO 3166-2:KG regions.
KG_2020_REGIONS: dict[str, PlannedRegion | None] = {
    "БИШКЕК Г.": PlannedRegion("KG-GB", "city", "Бишкек шаары", "город Бишкек", "Bishkek City"),
    "ОШ Г.": PlannedRegion("KG-GO", "city", "Ош шаары", "город Ош", "Osh City"),
    "БАТКЕНСКАЯ ОБЛАСТЬ": PlannedRegion("KG-B", "oblast", "Баткен облусу",
                                        "Баткенская область", "Batken Region"),
    "ЧУЙСКАЯ ОБЛАСТЬ": PlannedRegion("KG-C", "oblast", "Чүй облусу", "Чуйская область",
                                     "Chui Region"),
    "ДЖАЛАЛ-АБАДСКАЯ ОБЛАСТЬ": PlannedRegion("KG-J", "oblast", "Жалал-Абад облусу",
                                             "Джалал-Абадская область", "Jalal-Abad Region"),
    "НАРЫНСКАЯ ОБЛАСТЬ": PlannedRegion("KG-N", "oblast", "Нарын облусу", "Нарынская область",
                                       "Naryn Region"),
    "ОШСКАЯ ОБЛАСТЬ": PlannedRegion("KG-O", "oblast", "Ош облусу", "Ошская область",
                                    "Osh Region"),
    "ТАЛАССКАЯ ТИК": PlannedRegion("KG-T", "oblast", "Талас облусу", "Таласская область",
                                   "Talas Region"),
    "ЫСЫК-КУЛЬСКАЯ ОБЛАСТЬ": PlannedRegion("KG-Y", "oblast", "Ысык-Көл облусу",
                                           "Иссык-Кульская область", "Issyk-Kul Region"),
    "МИД КР": None,  # stations abroad (Ministry of Foreign Affairs)
}
KG_2020_AGAINST_ALL = "БААРЫНА КАРШЫ"
KG_2020_NOT_CHOICES = ("total", "form2_percent", "level_one")
KG_2020_ABROAD_TEC = "KG20-ABROAD"


def _parse_kg_2020(stream: IO[str], source: str, report: ImportReport) -> ParsedSource:
    parsed = ParsedSource(
        FormatName.KG_2020, source,
        ElectionPlan(code="kg-2020-parliament", kind="parliamentary",
                     name_ky="Жогорку Кеңештин шайлоосу 2020 (жокко чыгарылган)",
                     name_ru="Выборы в Жогорку Кенеш 2020 (отменены)",
                     name_en="Jogorku Kenesh election 2020 (annulled)",
                     polling_date=date(2020, 10, 4), preset="kg-2015-120"),
        checks=None)
    header, rows = _rows(stream, source, report)
    if not header or not _require_columns(header, [*KG_2020_NOT_CHOICES, KG_2020_AGAINST_ALL],
                                          source, report):
        return parsed
    parties = [h for h in header if h not in KG_2020_NOT_CHOICES and h != KG_2020_AGAINST_ALL]
    columns = {name: f"p{i + 1:02d}" for i, name in enumerate(parties)}
    columns[KG_2020_AGAINST_ALL] = AGAINST_ALL_CODE
    choices = [PlannedChoice(code, "party", name) for name, code in columns.items()
               if code != AGAINST_ALL_CODE]
    choices.append(PlannedChoice(AGAINST_ALL_CODE, "against_all", KG_2020_AGAINST_ALL))
    parsed.contests.append(PlannedContest("list", "Nationwide constituency", choices))
    numbers: dict[str, int] = {}
    for line, values in rows:
        row = _Row(line, values, source, report, tolerate_float=True)
        place = values["level_one"].strip()
        if place not in KG_2020_REGIONS:
            row.error("level_one", f"unknown region; known: {', '.join(KG_2020_REGIONS)}",
                      place)
            continue
        votes = row.votes(columns)
        total = row.count("total")
        if row.ok and total != sum(votes.values()):
            row.error("total", f"is not the sum of the choice columns ({sum(votes.values())})",
                      values["total"])
        if not row.ok:
            continue
        region = KG_2020_REGIONS[place]
        if region is None:
            tec = KG_2020_ABROAD_TEC
            parsed.commissions.setdefault(tec, PlannedCommission(tec, None, "МИД КР (abroad)"))
            prefix = "KG20-ABR"
        else:
            parsed.regions.setdefault(region.code, region)
            tec = "KG20-" + region.code.removeprefix("KG-")
            parsed.commissions.setdefault(tec, PlannedCommission(tec, region.code, place))
            prefix = tec
        numbers[tec] = numbers.get(tec, 0) + 1
        code = f"{prefix}-{numbers[tec]:04d}"
        parsed.stations[code] = PlannedStation(
            code, tec, f"{place}, station {numbers[tec]} (Kloop 2020, line {line})", place,
            abroad=region is None)
        parsed.protocols.append(PlannedProtocol(line, code, "list", Source.MANUAL, {}, votes))
    return parsed


# Georgia 2024 (Sichinava): the precinct protocol's lines.
GE_2024_LINES = {"f_01": "voters_list", "f_03": "voters_additional",
                 "f_02": "ballots_received", "f_05": "ballots_issued_station",
                 "f_06": "ballots_invalid"}
GE_2024_PARTIES = {  # from column_definitions_ka.csv
    "p_3": "3 „საქართველოს ერთობისა და განვითარების პარტია“",
    "p_4": "4 კოალიცია ცვლილებისთვის გვარამია მელია გირჩი დროა",
    "p_5": "5 „ერთიანობა-ნაციონალური მოძრაობა“",
    "p_6": "6 „ევროპელი დემოკრატები“",
    "p_8": "8 „საქართველოს პატრიოტთა ალიანსი“",
    "p_9": "9 „ძლიერი საქართველო-ლელო, ხალხისთვის, თავისუფლებისთვის!“",
    "p_10": "10 საქართველოს ლეიბორისტული პარტია",
    "p_12": "12 „ჩვენი გაერთიანებული საქართველო“",
    "p_16": "16 „შეცვალე საქართველო“",
    "p_17": "17 „საქართველო“",
    "p_20": "20 თავისუფალი საქართველო",
    "p_21": "21 ტრიბუნა",
    "p_23": "23 „ჩვენ“",
    "p_25": "25 „გახარია საქართველოსთვის“",
    "p_26": "26 „მემარცხენე ალიანსი“",
    "p_27": "27 ქართველ ერთობა",
    "p_36": "36 „გირჩი“",
    "p_41": "41 ქართული ოცნება",
}
GE_2024_SYSTEM = ElectoralSystem(
    name="Georgia, Parliament 2024 (imported, minimal): 150 proportional seats, 5% threshold",
    seats=150,
    list_tier=ListTier(seats=150, method=AllocationMethod.HARE,
                       national_threshold=Threshold(percent=Decimal(5),
                                                    denominator=Denominator.PARTICIPANTS)),
    against_all=AgainstAllRule.NONE,
    unverified=["list_tier.method", "list_tier.national_threshold"])
GE_2024_CHECKS = (
    _check("ge_votes_plus_invalid_equal_participants", CheckKind.ARITHMETIC,
           "party votes plus invalid ballots equal the voters who took part (line 5)",
           [VOTES_TOTAL, "ballots_invalid"], "eq", ["ballots_issued_station"]),
    _check("ge_participants_not_above_received", CheckKind.ARITHMETIC,
           "voters who took part are not more than ballots received",
           ["ballots_issued_station"], "le", ["ballots_received"]),
    _check("ge_participants_not_above_voters", CheckKind.PLAUSIBILITY,
           "voters who took part are not more than voters on the unified and special lists",
           ["ballots_issued_station"], "le", ["voters_list", "voters_additional"]),
    _check("ge_turnout_not_above_limit", CheckKind.PLAUSIBILITY,
           "turnout is not above 95% of voters on the lists",
           ["ballots_issued_station"], "le", ["voters_list", "voters_additional"], "0.95"),
)


def _parse_ge_2024(stream: IO[str], source: str, report: ImportReport) -> ParsedSource:
    parsed = ParsedSource(
        FormatName.GE_2024, source,
        ElectionPlan(code="ge-2024-parliament", kind="parliamentary",
                     name_ky="Грузия парламенттик шайлоо 2024",
                     name_ru="Парламентские выборы в Грузии 2024",
                     name_en="Georgia parliamentary election 2024",
                     polling_date=date(2024, 10, 26), system=GE_2024_SYSTEM),
        checks=GE_2024_CHECKS)
    header, rows = _rows(stream, source, report)
    if not header or not _require_columns(header, ["district", "precinct", *GE_2024_LINES],
                                          source, report):
        return parsed
    party_columns = [h for h in header if re.fullmatch(r"p_\d+", h)]
    if not party_columns:
        report.add_error(RowError(source, 1, "p_N", "no party columns (p_3, p_4, ...)"))
        return parsed
    columns = {c: c for c in party_columns}
    parsed.contests.append(PlannedContest("list", "Nationwide constituency", [
        PlannedChoice(c, "party", GE_2024_PARTIES.get(c, c)) for c in party_columns]))
    for line, values in rows:
        row = _Row(line, values, source, report)
        district, precinct = row.count("district"), row.count("precinct")
        lines = row.lines(GE_2024_LINES)
        votes = row.votes(columns)
        if not row.ok or district is None or precinct is None:
            continue
        if not (1 <= district <= 999 and 1 <= precinct <= 999):
            row.error("precinct", "district and precinct must be 1-999",
                      f"{district}.{precinct}")
            continue
        region = f"GE-{district}"
        tec = f"GE-{district:02d}"
        code = f"GE-{district:02d}-{precinct:03d}"
        if code in parsed.stations:
            row.error("precinct", "the same district and precinct appear twice",
                      f"{district}.{precinct}")
            continue
        parsed.regions.setdefault(region, PlannedRegion(
            region, "oblast", f"№{district} шайлоо округу", f"Избирательный округ №{district}",
            f"Election district No. {district}"))
        parsed.commissions.setdefault(tec, PlannedCommission(
            tec, region, f"Окружная избирательная комиссия №{district}"))
        parsed.stations[code] = PlannedStation(
            code, tec, f"Precinct {district}.{precinct}", f"District {district}")
        parsed.protocols.append(PlannedProtocol(line, code, "list", Source.MANUAL, lines, votes))
    return parsed


# Russia (Kobak-Shpilkin): the UIK protocol of 2018 and 2021.
RU_2018_LINES = {
    "Число избирателей, включенных в список избирателей": "voters_list",
    "Число избирательных бюллетеней, полученных участковой избирательной комиссией":
        "ballots_received",
    "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно":
        "ballots_issued_early",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования":
        "ballots_issued_station",
    "Число избирательных бюллетеней, выданных вне помещения для голосования в день "
    "голосования": "ballots_issued_mobile",
    "Число погашенных избирательных бюллетеней": "ballots_cancelled",
    "Число избирательных бюллетеней в переносных ящиках для голосования": "ballots_found_mobile",
    "Число бюллетеней в стационарных ящиках для голосования": "ballots_found_stationary",
    "Число недействительных избирательных бюллетеней": "ballots_invalid",
}
RU_2021_LINES = {
    "Число избирателей, внесенных в список избирателей на момент окончания голосования":
        "voters_list",
    "Число избирательных бюллетеней, полученных участковой избирательной комиссией":
        "ballots_received",
    "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно":
        "ballots_issued_early",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования":
        "ballots_issued_station",
    "Число избирательных бюллетеней, выданных вне помещения для голосования в день "
    "голосования": "ballots_issued_mobile",
    "Число погашенных избирательных бюллетеней": "ballots_cancelled",
    "Число избирательных бюллетеней, содержащихся в переносных ящиках для голосования":
        "ballots_found_mobile",
    "Число избирательных бюллетеней, содержащихся в стационарных ящиках для голосования":
        "ballots_found_stationary",
    "Число недействительных избирательных бюллетеней": "ballots_invalid",
}
RU_VALID = "Число действительных избирательных бюллетеней"
RU_LEFT_OUT = ("Число утраченных избирательных бюллетеней",
               "Число избирательных бюллетеней, не учтенных при получении")
RU_LAST_LINE_COLUMN = RU_LEFT_OUT[1]
RU_ABROAD = "Территория за пределами РФ"
RU_ABROAD_TEC = "RU-ABROAD"
RU_CHECKS = (
    *(c for c in DEFAULT_CHECKS if "voters_total" not in c.right),
    _check("ru_found_not_above_voters", CheckKind.PLAUSIBILITY,
           "ballots found are not more than voters on the list",
           ["ballots_found"], "le", ["voters_list"]),
    _check("ru_turnout_not_above_limit", CheckKind.PLAUSIBILITY,
           "turnout is not above 95% of voters on the list",
           ["ballots_found"], "le", ["voters_list"], "0.95"),
)
RU_2018_SYSTEM = ElectoralSystem(
    name="Russia, President 2018 (imported, minimal): majority of participants",
    seats=1, presidential=PresidentialRule(), against_all=AgainstAllRule.NONE,
    unverified=["presidential.runoff_within_days"])
RU_2021_SYSTEM = ElectoralSystem(
    name="Russia, State Duma 2021 federal list (imported, minimal): 225 list seats, 5%",
    seats=225,
    list_tier=ListTier(seats=225, method=AllocationMethod.HARE,
                       national_threshold=Threshold(percent=Decimal(5))),
    against_all=AgainstAllRule.NONE,
    unverified=["list_tier.method", "list_tier.national_threshold.denominator",
                "district tier (225 single-member seats) not imported"])


def ru_2021_plan() -> ElectionPlan:
    """The 2021 State Duma federal list (Kobak-Shpilkin and St Petersburg files alike)."""
    return ElectionPlan(code="ru-2021-duma-list", kind="parliamentary",
                        name_ky="Россия Мамлекеттик Думасы 2021 (федералдык тизме)",
                        name_ru="Выборы в Государственную Думу 2021 (федеральный список)",
                        name_en="Russian State Duma election 2021 (federal list)",
                        polling_date=date(2021, 9, 19), system=RU_2021_SYSTEM)


def _strip_number(name: str) -> str:
    return re.sub(r"^\d+\s+", "", name.strip())


def _parse_ru(stream: IO[str], source: str, report: ImportReport, year: int) -> ParsedSource:
    if year == 2018:
        plan = ElectionPlan(code="ru-2018-president", kind="presidential",
                            name_ky="Россия президенттик шайлоо 2018",
                            name_ru="Выборы Президента Российской Федерации 2018",
                            name_en="Russian presidential election 2018",
                            polling_date=date(2018, 3, 18), system=RU_2018_SYSTEM)
        mapping, contest, kind = RU_2018_LINES, "President", "candidate"
    else:
        plan = ru_2021_plan()
        mapping, contest, kind = RU_2021_LINES, "Federal list", "party"
    parsed = ParsedSource(FormatName.RU_2018 if year == 2018 else FormatName.RU_2021, source,
                          plan, checks=RU_CHECKS)
    header, rows = _rows(stream, source, report)
    needed = ["region", "tik", "uik", *mapping, RU_VALID, *RU_LEFT_OUT, "url"]
    if not header or not _require_columns(header, needed, source, report):
        return parsed
    names = header[header.index(RU_LAST_LINE_COLUMN) + 1:header.index("url")]
    if not names:
        report.add_error(RowError(source, 1, "(header)", "no choice columns before url"))
        return parsed
    columns: dict[str, str] = {}
    for i, name in enumerate(names):
        number = re.match(r"^(\d+)\.\s", name)
        columns[name] = f"p{number.group(1)}" if year == 2021 and number else f"c{i + 1}"
    parsed.contests.append(PlannedContest("main", contest, [
        PlannedChoice(code, kind, name) for name, code in columns.items()]))
    seen_tec: dict[str, str] = {}
    for line, values in rows:
        row = _Row(line, values, source, report)
        lines = row.lines(mapping)
        votes = row.votes(columns)
        valid = row.count(RU_VALID)
        if row.ok and valid != sum(votes.values()):
            row.error(RU_VALID, f"is not the sum of the choice columns ({sum(votes.values())})",
                      values[RU_VALID])
        region_name = _strip_number(values["region"])
        tik_name = _strip_number(values["tik"])
        if not region_name or not tik_name:
            row.error("region" if not region_name else "tik", "is required but empty")
        if not row.ok:
            continue
        abroad = region_name == RU_ABROAD
        region_code = "RU-" + digest_code(region_name, 3)
        uik = re.sub(r"^УИК\s*№\s*", "", values["uik"].strip())
        if uik and not uik.isdigit():
            row.error("uik", "must be a number or 'УИК №number'", values["uik"])
            continue
        if not uik:
            oik = re.sub(r"\D", "", values.get("oik", ""))
            if "электрон" not in tik_name.lower() or not oik:
                row.error("uik", "is empty and the row is not an electronic-voting row")
                continue
            uik = "E" + oik
        if abroad:
            tec = RU_ABROAD_TEC
            parsed.commissions.setdefault(tec, PlannedCommission(tec, None, region_name))
            code = f"RU-ABR-{uik}"
        else:
            parsed.regions.setdefault(region_code, PlannedRegion(
                region_code, "oblast", region_name, region_name, region_name))
            tec = f"{region_code}-{digest_code(region_name + '|' + tik_name, 4)}"
            key = f"{region_name}|{tik_name}"
            if seen_tec.setdefault(tec, key) != key:
                row.error("tik", f"two commissions get the code {tec}", values["tik"])
                continue
            parsed.commissions.setdefault(tec, PlannedCommission(tec, region_code, tik_name))
            code = f"{region_code}-{uik}"
        if code in parsed.stations:
            row.error("uik", f"station {code} appears twice", values["uik"])
            continue
        parsed.stations[code] = PlannedStation(
            code, tec, f"УИК №{uik}" if uik.isdigit() else tik_name,
            f"{region_name}, {tik_name}", abroad=abroad)
        parsed.protocols.append(PlannedProtocol(line, code, "main", Source.MANUAL, lines, votes))
    return parsed


# shailoo CSV: our own export, re-imported.
SHAILOO_CSV_FIXED = ["election", "polling_date", "station", "region", "tec", "contest_id",
                     "contest", "source", "version"]
SHAILOO_CSV_HEADER = [*SHAILOO_CSV_FIXED, *LINES]


def shailoo_csv_system(against_all: bool, form: str = "CSV") -> ElectoralSystem:
    """The placeholder system of an election re-created from a shailoo CSV (or JSON) export
    (it carries results, not the system): one list seat; set the real system before
    allocating."""
    return ElectoralSystem(
        name=f"re-imported from a shailoo {form} export (system not in the file)", seats=1,
        list_tier=ListTier(seats=1, method=AllocationMethod.HARE),
        against_all=AgainstAllRule.FAILS_IF_LEADER_BELOW if against_all else AgainstAllRule.NONE,
        unverified=[f"everything: the {form} export does not carry the electoral system"])


def _parse_shailoo_csv(stream: IO[str], source: str, report: ImportReport) -> ParsedSource:
    placeholder = ElectionPlan("unknown", "parliamentary", "-", "-", "-", date(1970, 1, 1))
    parsed = ParsedSource(FormatName.SHAILOO_CSV, source, placeholder, checks=None)
    header, rows = _rows(stream, source, report)
    if not header or not _require_columns(header, SHAILOO_CSV_HEADER, source, report):
        return parsed
    choice_columns = header[len(SHAILOO_CSV_HEADER):]
    bad = [c for c in choice_columns if not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", c)]
    if bad or header[:len(SHAILOO_CSV_HEADER)] != SHAILOO_CSV_HEADER:
        report.add_error(RowError(source, 1, "(header)", "not a shailoo CSV export header",
                                  ",".join(bad)))
        return parsed
    contests: dict[str, PlannedContest] = {}
    election: tuple[str, str] | None = None
    for line, values in rows:
        row = _Row(line, values, source, report)
        this = (values["election"].strip(), values["polling_date"].strip())
        if election is None:
            election = this
        elif this != election:
            row.error("election", "every row must belong to the same election", this[0])
        try:
            source_kind = Source(values["source"].strip())
        except ValueError:
            row.error("source", "must be scanner or manual", values["source"])
            continue
        contest_id = row.count("contest_id")
        lines = {name: row.count(name, optional=True) for name in LINES}
        present = [c for c in choice_columns if values[c].strip()]
        votes = row.votes({c: c for c in present})
        station, tec = values["station"].strip(), values["tec"].strip()
        region = values["region"].strip() or None
        if not station or not tec:
            row.error("station" if not station else "tec", "is required but empty")
        if not row.ok or contest_id is None:
            continue
        key = str(contest_id)
        contest = contests.get(key)
        if contest is None:
            contest = PlannedContest(key, values["contest"].strip() or key, [
                PlannedChoice(c, "against_all" if c == AGAINST_ALL_CODE else "party", c)
                for c in present], file_id=contest_id)
            contests[key] = contest
            parsed.contests.append(contest)
        elif [c.code for c in contest.choices] != present:
            row.error("(choices)", f"the choices of contest {contest_id} differ from its "
                      "first row", ",".join(present))
            continue
        if region is not None:
            parsed.regions.setdefault(region, PlannedRegion(region, "oblast", region, region,
                                                            region))
        parsed.commissions.setdefault(tec, PlannedCommission(tec, region, tec))
        parsed.stations.setdefault(station, PlannedStation(station, tec, station, tec,
                                                           abroad=region is None))
        parsed.protocols.append(PlannedProtocol(line, station, key, source_kind, lines, votes))
    if election is not None:
        code, polling = election
        try:
            day = date.fromisoformat(polling)
        except ValueError:
            report.add_error(RowError(source, 2, "polling_date", "must be YYYY-MM-DD", polling))
            return parsed
        parsed.election = ElectionPlan(code, "parliamentary", code, code, code, day,
                                       system=shailoo_csv_system(any(
                                           c.kind == "against_all" for k in parsed.contests
                                           for c in k.choices)))
    return parsed


FORMATS: dict[FormatName, SourceFormat] = {
    FormatName.KG_2020: SourceFormat(FormatName.KG_2020,
                                     "Kyrgyzstan 2020 parliament, Kloop per-station votes", {},
                                     _parse_kg_2020),
    FormatName.GE_2024: SourceFormat(FormatName.GE_2024,
                                     "Georgia 2024 parliament, Sichinava precinct protocols",
                                     GE_2024_LINES, _parse_ge_2024),
    FormatName.RU_2018: SourceFormat(FormatName.RU_2018,
                                     "Russia 2018 president, Kobak-Shpilkin UIK table",
                                     RU_2018_LINES,
                                     lambda s, n, r: _parse_ru(s, n, r, 2018)),
    FormatName.RU_2021: SourceFormat(FormatName.RU_2021,
                                     "Russia 2021 Duma federal list, Kobak-Shpilkin UIK table",
                                     RU_2021_LINES,
                                     lambda s, n, r: _parse_ru(s, n, r, 2021)),
    FormatName.SHAILOO_CSV: SourceFormat(FormatName.SHAILOO_CSV, "shailoo CSV results export",
                                         {name: name for name in LINES}, _parse_shailoo_csv),
}


def parse_source(fmt: FormatName, stream: IO[str], source: str) -> ParsedSource:
    """Parse a whole file; any bad row rejects it (ImportRejected names every one)."""
    if fmt not in FORMATS:
        raise InvalidInput("results.transfer_unreadable",
                           f"{fmt.value} is not a CSV format (see transfer_json)")
    report = ImportReport(source)
    try:
        parsed = FORMATS[fmt].parse(stream, source, report)
    except UnicodeDecodeError as exc:
        report.add_error(RowError(source, 0, "(file)", f"not UTF-8 text: {exc}"))
        raise ImportRejected(report) from None
    parsed.rows_read = report.rows_read
    if report.ok and not parsed.protocols:
        report.add_error(RowError(source, 1, "(file)", "the file has no protocol rows"))
    if not report.ok:
        raise ImportRejected(report)
    return parsed

