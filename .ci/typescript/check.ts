// Types generated from openapi.yaml (schema.d.ts, by openapi-typescript),
// used through openapi-fetch against the running demo server: the users
// list followed by cursor, a ticket created and answered, a typed error.
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

const [base, key] = process.argv.slice(2);
if (!base || !key) throw new Error("usage: node out/check.js BASE_URL API_KEY");
const client = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${key}` } });

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(what);
}

const ids: number[] = [];
let cursor: string | undefined;
let pages = 0;
let total = 0;
for (;;) {
  const { data, error } = await client.GET("/api/v1/users", { params: { query: { limit: 7, cursor } } });
  check(data !== undefined, `list failed: ${JSON.stringify(error)}`);
  pages += 1;
  total = data.total_count;
  ids.push(...data.data.map((u) => u.id));
  if (!data.has_more || data.next_cursor === null) break;
  cursor = data.next_cursor;
}
check(pages > 1 && ids.length === total && new Set(ids).size === total, `${ids.length} of ${total} over ${pages} pages`);
console.log(`users: ${ids.length} over ${pages} pages`);

const made = await client.POST("/api/v1/helpdesk/tickets", {
  params: { header: { "Idempotency-Key": "typescript-client-check-1" } },
  body: { subject: "From the TypeScript client", body: "Hello from openapi-fetch.", requester_email: "ts@example.org" },
});
check(made.data !== undefined, `create failed: ${JSON.stringify(made.error)}`);
const ref = made.data.data.reference;
const reply = await client.POST("/api/v1/helpdesk/tickets/{ref}/reply", { params: { path: { ref } }, body: { body: "Answered by the key." } });
check(reply.data !== undefined && reply.data.data.author_kind === "agent", `reply failed: ${JSON.stringify(reply.error)}`);
console.log(`ticket ${ref}: created and answered`);

const missing = await client.GET("/api/v1/users/{id}", { params: { path: { id: 4611686018427387904 } } });
check(missing.error !== undefined && missing.error.error.code === "user_not_found", JSON.stringify(missing));
console.log("typed error:", missing.error.error.code, missing.error.request_id);
