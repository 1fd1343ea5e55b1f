"""Results API: signed scanner uploads, manual protocols in scope, quarantine decisions."""

from __future__ import annotations

from shailoo.auth.rules import Role, Scope
from shailoo.polling.signing import sign
from shailoo.types import ScopeKind
from tests.results.conftest import protocol
from tests.web.conftest import token_for


def body(p):
    return p.model_dump(mode="json", exclude_none=True)


def test_signed_scanner_upload_needs_no_user_and_is_idempotent(client, counting):
    p = protocol(counting.list_contest, source="scanner", device_id="abb-1001")
    p = p.model_copy(update={"signature": sign(counting.scanner_key, p.document())})
    first = client.post("/api/results/protocols", json=body(p))
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "accepted" and first.json()["duplicate"] is False
    again = client.post("/api/results/protocols", json=body(p))
    assert again.json()["duplicate"] is True
    assert again.json()["protocol_id"] == first.json()["protocol_id"]
    report = client.get(f"/api/results/contests/{counting.list_contest}",
                        params={"source": "scanner"}).json()
    assert report["stations_reporting"] == 1
    assert {c["code"]: c["votes"] for c in report["choices"]}["ala"] == 400


def test_bad_signature_is_refused_with_the_reason(client, counting):
    p = protocol(counting.list_contest, source="scanner", device_id="abb-1001",
                 signature="0" * 128)
    response = client.post("/api/results/protocols", json=body(p))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "polling.bad_signature"


def test_manual_protocol_needs_a_member_in_scope(client, session, counting):
    p = protocol(counting.list_contest, station="2001")
    anonymous = client.post("/api/results/protocols", json=body(p))
    assert anonymous.status_code == 401
    pec = token_for(session, "pec-1001", Role.PEC_MEMBER, Scope(ScopeKind.STATION, "1001"))
    outside = client.post("/api/results/protocols", json=body(p), headers=pec)
    assert outside.status_code == 403
    assert outside.json()["error"]["code"] == "auth.out_of_scope"
    own = client.post("/api/results/protocols", json=body(protocol(counting.list_contest)),
                      headers=pec)
    assert own.status_code == 200 and own.json()["status"] == "accepted"


def test_malformed_protocols_are_refused_with_the_field(client, session, counting):
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    data = body(protocol(counting.list_contest))
    data["votes"]["ala"] = -5
    response = client.post("/api/results/protocols", json=data, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["problems"][0]["field"] == "body.votes.ala"
    data["votes"]["ala"] = 2.5
    assert client.post("/api/results/protocols", json=data, headers=admin).status_code == 422
    data["votes"]["ala"] = 5
    data["lines"]["ballots_stolen"] = 3
    response = client.post("/api/results/protocols", json=data, headers=admin)
    assert "ballots_stolen" in response.text


def test_quarantine_queue_is_scoped_and_a_supervisor_accepts(client, session, counting):
    tec = token_for(session, "tec-gb01", Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "GB01"))
    other = token_for(session, "tec-c07", Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "C07"))
    bad = protocol(counting.list_contest)
    bad = bad.model_copy(update={"lines": dict(bad.lines) | {"ballots_invalid": 11}})
    outcome = client.post("/api/results/protocols", json=body(bad), headers=tec).json()
    assert outcome["status"] == "quarantined"
    queue = client.get(f"/api/results/{counting.election_id}/quarantine", headers=tec).json()
    assert [p["id"] for p in queue] == [outcome["protocol_id"]]
    assert client.get(f"/api/results/{counting.election_id}/quarantine",
                      headers=other).json() == []
    refused = client.post(f"/api/results/protocols/{outcome['protocol_id']}/accept",
                          json={"reason": "checked the paper copy"}, headers=other)
    assert refused.status_code == 403
    accepted = client.post(f"/api/results/protocols/{outcome['protocol_id']}/accept",
                           json={"reason": "checked the paper copy"}, headers=tec)
    assert accepted.json()["status"] == "accepted"


def test_station_comparison_shows_differences(client, session, counting):
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    client.post("/api/results/protocols", json=body(protocol(counting.list_contest)),
                headers=admin)
    scan = protocol(counting.list_contest, source="scanner", device_id="abb-1001",
                    votes=(401, 299, 200, 50))
    scan = scan.model_copy(update={"signature": sign(counting.scanner_key, scan.document())})
    client.post("/api/results/protocols", json=body(scan))
    comparison = client.get(f"/api/results/{counting.election_id}/stations/1001").json()
    assert comparison[0]["differences"] == {"choice:ala": [401, 400], "choice:ynt": [299, 300]}


def test_a_person_cannot_send_a_scanner_protocol(client, session, counting):
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    forged = protocol(counting.list_contest, source="scanner")
    response = client.post("/api/results/protocols", json=body(forged), headers=admin)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "results.signature_required"


def test_export_links_on_the_page_work(client, session, counting):
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    client.post("/api/results/protocols", json=body(protocol(counting.list_contest)),
                headers=admin)
    as_csv = client.get(f"/results/{counting.election_id}/export.csv")
    assert as_csv.status_code == 200 and "1001" in as_csv.text
    nist = client.get(f"/results/{counting.election_id}/export.nist.json")
    assert nist.status_code == 200 and nist.json()["@type"] == "ElectionResults.ElectionReport"


def test_a_batch_upload_answers_each_protocol(client, session, counting):
    def signed(**kw):
        p = protocol(counting.list_contest, source="scanner", device_id="abb-1001", **kw)
        return body(p.model_copy(update={"signature": sign(counting.scanner_key,
                                                            p.document())}))

    good = signed()
    forged = signed(votes=(100, 100, 100, 10), correction_reason="recount")
    forged["votes"]["ala"] = 999  # changed after signing
    response = client.post("/api/results/protocol-batches",
                           json={"protocols": [good, good, forged]})
    assert response.status_code == 200, response.text
    first, again, bad = response.json()["results"]
    assert first["status"] == "accepted" and again["duplicate"] is True
    assert again["protocol_id"] == first["protocol_id"]
    assert bad["error"]["code"] == "polling.bad_signature"
    empty = client.post("/api/results/protocol-batches", json={"protocols": []})
    assert empty.status_code == 422
