"""The xAPI record store driven by an xAPI client written by others: ADL's
TinCanPython (`tincan` on PyPI), authenticating with HTTP Basic as xAPI
content does. Usage: xapi_client_check.py BASE_URL KEY
"""
import sys
import uuid

from tincan import (
    Activity, ActivityDefinition, Agent, Context, ContextActivities, LanguageMap, RemoteLRS, Statement,
    StatementRef, Verb,
)

base, key = sys.argv[1], sys.argv[2]
lrs = RemoteLRS(version="1.0.1", endpoint=f"{base}/api/v1/learn/xapi/", username="lrs-client", password=key)


def ok(response, what):
    if not response.success:
        raise SystemExit(f"{what}: HTTP {response.response.status} {response.data!r}")
    return response


about = ok(lrs.about(), "about")
assert "1.0.3" in about.content.version, about.content.version

# an agent of this run only: the demo tenant holds statements already (the fuzzing stored some)
ada = Agent(name="Ada", mbox=f"mailto:ada-{uuid.uuid4().hex[:12]}@example.org")
course = Activity(id="https://learn.example.org/courses/41",
                  definition=ActivityDefinition(name=LanguageMap({"en-US": "Community onboarding"})))
completed = Verb(id="http://adlnet.gov/expapi/verbs/completed", display=LanguageMap({"en-US": "completed"}))
attempted = Verb(id="http://adlnet.gov/expapi/verbs/attempted", display=LanguageMap({"en-US": "attempted"}))
registration = uuid.uuid4()

# one statement under the client's id, read back as stored
first = Statement(id=uuid.uuid4(), actor=ada, verb=completed, object=course,
                  context=Context(registration=registration,
                                  context_activities=ContextActivities(parent=[Activity(id="https://learn.example.org/programs/1")])))
ok(lrs.save_statement(first), "save_statement")
got = ok(lrs.retrieve_statement(str(first.id)), "retrieve_statement").content
assert str(got.id) == str(first.id) and got.verb.id == completed.id, got.to_json()
assert got.stored is not None and got.authority is not None

# a batch, then a query by registration, verb and agent, paged through `more`
batch = [Statement(actor=ada, verb=attempted, object=Activity(id=f"https://learn.example.org/activities/{i}")) for i in range(7)]
saved = ok(lrs.save_statements(batch), "save_statements").content
assert len(saved) == 7 and all(s.id for s in saved)

by_registration = ok(lrs.query_statements({"registration": registration}), "query registration").content
assert [str(s.id) for s in by_registration.statements] == [str(first.id)]

seen = []
page = ok(lrs.query_statements({"verb": attempted, "agent": ada, "limit": 3}), "query verb+agent").content
while True:
    seen.extend(str(s.id) for s in page.statements)
    if not page.more:
        break
    page = ok(lrs.more_statements(page), "more_statements").content
assert sorted(seen) == sorted(str(s.id) for s in saved), (seen, saved)

# voiding the first: gone from queries, found as voided
voiding = Statement(actor=ada, verb=Verb(id="http://adlnet.gov/expapi/verbs/voided", display=LanguageMap({"en-US": "voided"})),
                    object=StatementRef(id=first.id))
ok(lrs.save_statement(voiding), "void")
assert not lrs.retrieve_statement(str(first.id)).success
voided = ok(lrs.retrieve_voided_statement(str(first.id)), "retrieve_voided_statement").content
assert str(voided.id) == str(first.id)

# a wrong password is refused
wrong = RemoteLRS(version="1.0.1", endpoint=f"{base}/api/v1/learn/xapi/", username="x", password="mc_live_wrong")
assert wrong.query_statements({}).response.status == 401
print("xapi-client-check: OK (TinCanPython: about, save, retrieve, batch, query, more, void, voided, 401)")
