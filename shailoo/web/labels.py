"""Labels that templates translate from data values (enum values), and texts translated in
Python code (the voter list PDF, the one-line lookup answer), listed for extraction."""


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "mark for translation"
    """Mark a string for translation without translating it."""
    return message


LABELS = [
    N_("scheduled"), N_("nomination"), N_("campaign"), N_("polling"), N_("counting"),
    N_("certified"), N_("annulled"),
    N_("parliamentary"), N_("presidential"), N_("local"), N_("referendum"),
    N_("national_list"), N_("single_member_district"),
    N_("ordinary"), N_("abroad"), N_("hospital"), N_("detention"),
    N_("participants"), N_("valid_votes"), N_("registered"),
    N_("none"), N_("fails_if_leader_below"),
    N_("cec_admin"), N_("tec_member"), N_("dec_member"), N_("pec_member"),
    N_("biometric_operator"), N_("party_finance_officer"), N_("observer"), N_("voter_portal"),
    N_("voters_list"), N_("voters_additional"), N_("ballots_received"),
    N_("ballots_issued_early"), N_("ballots_issued_station"), N_("ballots_issued_mobile"),
    N_("ballots_cancelled"), N_("ballots_found_stationary"), N_("ballots_found_mobile"),
    N_("ballots_invalid"), N_("Regions"), N_("Territorial commissions"),
    N_("Bad request"), N_("Please sign in"), N_("Not allowed"), N_("Not found"),
    N_("Conflict"), N_("Not accepted"), N_("Service unavailable"), N_("Error"),
    # voter register: why a person is not on a list, address matching outcomes
    N_("deceased"), N_("not_citizen"), N_("under_age"), N_("incapable"), N_("no_biometrics"),
    N_("duplicate"), N_("no_station"),
    N_("address_matched"), N_("address_none"), N_("address_several"),
    # voter register: the one-line lookup answer (shailoo/register/api.py)
    N_("Polling station %(code)s: %(address)s, %(hours)s, %(date)s"),
    N_("This PIN is not on any voter list of the upcoming election."),
    N_("Too many lookups; please try again in a minute."),
    # voter register: the voter list PDF (shailoo/register/exports.py)
    N_("Frozen list, SHA-256: %(sha)s"), N_("Not frozen yet: this list may still change."),
    N_("%(n)s voters"), N_("No."), N_("PIN"), N_("Surname"), N_("Given name"),
    N_("Patronymic"), N_("Born"), N_("Address"),
    N_("Voter list of polling station %(code)s"),
    # polling day: station status, reconciliation counts and cases (shailoo/polling/templates)
    N_("station_not_opened"), N_("station_opened"), N_("station_suspended"),
    N_("station_closed"), N_("station_protocol_sent"),
    N_("count_identified"), N_("count_signed"), N_("count_issued"), N_("count_scanner"),
    N_("count_manual"),
    N_("case_open"), N_("case_cleared"), N_("case_resolved"),
]
