"""The xAPI record store driven by an xAPI client written by others: ADL's
TinCanPython (`tincan` on PyPI), authenticating with HTTP Basic as xAPI
content does. Usage: xapi_client_check.py BASE_URL KEY
"""
import json
import sys
import uuid

from tincan import (
    Activity, ActivityDefinition, ActivityProfileDocument, Agent, AgentProfileDocument, Context, ContextActivities,
    LanguageMap, RemoteLRS, StateDocument, Statement, StatementRef, Verb,
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

# documents: state (bookmark, by registration), then an activity and an agent profile
state = StateDocument(id="bookmark", activity=course, agent=ada, content='{"page": 3}', content_type="application/json")
ok(lrs.save_state(state), "save_state")
got = ok(lrs.retrieve_state(course, ada, "bookmark"), "retrieve_state").content
assert json.loads(bytes(got.content)) == {"page": 3}, got.content
ids = ok(lrs.retrieve_state_ids(course, ada), "retrieve_state_ids").content
assert ids == ["bookmark"], ids
ok(lrs.delete_state(got), "delete_state")
assert lrs.retrieve_state(course, ada, "bookmark").response.status == 404
ok(lrs.save_state(state), "save_state again")
ok(lrs.clear_state(course, ada), "clear_state")
assert ok(lrs.retrieve_state_ids(course, ada), "retrieve_state_ids after clear").content == []

profile_id = f"prefs-{uuid.uuid4().hex[:8]}"
ok(lrs.save_activity_profile(ActivityProfileDocument(id=profile_id, activity=course, content="v1", content_type="text/plain")),
   "save_activity_profile")
fetched = ok(lrs.retrieve_activity_profile(course, profile_id), "retrieve_activity_profile")
assert bytes(fetched.content.content) == b"v1"
# a second PUT must name the ETag the LRS gave (TinCanPython does not read it back: take it from the answer)
etag = fetched.response.getheader("etag")
blind = lrs.save_activity_profile(ActivityProfileDocument(id=profile_id, activity=course, content="v2", content_type="text/plain"))
assert blind.response.status == 409, blind.response.status
ok(lrs.save_activity_profile(ActivityProfileDocument(id=profile_id, activity=course, content="v2", content_type="text/plain", etag=etag)),
   "save_activity_profile with If-Match")
assert profile_id in ok(lrs.retrieve_activity_profile_ids(course), "retrieve_activity_profile_ids").content
current = ok(lrs.retrieve_activity_profile(course, profile_id), "retrieve_activity_profile v2")
assert bytes(current.content.content) == b"v2"
current.content.etag = current.response.getheader("etag")
ok(lrs.delete_activity_profile(current.content), "delete_activity_profile")

ok(lrs.save_agent_profile(AgentProfileDocument(id="avatar", agent=ada, content='{"hue": 200}', content_type="application/json")),
   "save_agent_profile")
assert ok(lrs.retrieve_agent_profile_ids(ada), "retrieve_agent_profile_ids").content == ["avatar"]
assert json.loads(bytes(ok(lrs.retrieve_agent_profile(ada, "avatar"), "retrieve_agent_profile").content.content)) == {"hue": 200}

# a wrong password is refused
wrong = RemoteLRS(version="1.0.1", endpoint=f"{base}/api/v1/learn/xapi/", username="x", password="mc_live_wrong")
assert wrong.query_statements({}).response.status == 401
print("xapi-client-check: OK (TinCanPython: about, save, retrieve, batch, query, more, void, voided, state, activity and agent profiles with ETags, 401)")
