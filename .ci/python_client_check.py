"""A Python client generated from openapi.yaml by openapi-python-client,
used against the running demo server: lists users page by page following
the cursor, creates a ticket, replies to it, and reads a typed error.

Usage: python_client_check.py BASE_URL API_KEY (with the generated package
on sys.path; .ci/run generates it first and fails on any warning).
"""

import sys

from mobieus_core_api_client import AuthenticatedClient
from mobieus_core_api_client.api.helpdesk_tickets import create_helpdesk_ticket, reply_helpdesk_ticket
from mobieus_core_api_client.api.users import get_user, list_users
from mobieus_core_api_client.models import ErrorEnvelope, TicketCreate, TicketReply, UserList

base, key = sys.argv[1], sys.argv[2]
client = AuthenticatedClient(base_url=base, token=key, raise_on_unexpected_status=True)

seen, cursor, pages = [], None, 0
while True:
    page = list_users.sync(client=client, limit=7, **({"cursor": cursor} if cursor else {}))
    assert isinstance(page, UserList), page
    pages += 1
    seen.extend(u.id for u in page.data)
    if not page.has_more:
        break
    cursor = page.next_cursor
assert pages > 1, f"one page only ({len(seen)} users)"
assert len(seen) == page.total_count == len(set(seen)), (len(seen), page.total_count)
assert seen == sorted(seen, reverse=True), "newest first"
print(f"users: {len(seen)} over {pages} pages")

made = create_helpdesk_ticket.sync(
    client=client,
    body=TicketCreate(subject="From the generated Python client", body="Hello from Python.", requester_email="py@example.org"),
    idempotency_key="python-client-check-1",
)
ticket = made.data
assert ticket.reference.startswith("HD-"), made
reply = reply_helpdesk_ticket.sync(client=client, ref=ticket.reference, body=TicketReply(body="Answered by the key."))
assert reply.data.author_kind == "agent" and reply.data.seq == 2, reply
print(f"ticket {ticket.reference}: created and answered")

missing = get_user.sync(client=client, id=2**62)
assert isinstance(missing, ErrorEnvelope) and missing.error.code == "user_not_found", missing
assert missing.request_id.startswith("req_")
print("typed error:", missing.error.code, missing.request_id)
