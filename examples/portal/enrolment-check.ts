/**
 * A portal's side of the once-only question, for primary school enrolment (procedure 1.900011): it sends the
 * generated EnrolInPrimarySchool operation by its hash alone, as a trusted-documents-only client must, and prints
 * what to ask the citizen for. Run: ONCE_API_KEY=<key> npx tsx examples/portal/enrolment-check.ts <personal id>
 *
 * Environment: ONCE_GATEWAY (default http://127.0.0.1:$PORT/graphql, PORT default 4000), ONCE_API_KEY, ONCE_OFFICER (default can-bo-01),
 * ONCE_CASE (default HS-2026-0001).
 */
import { EnrolInPrimarySchoolDocument, persistedRequest, type ResultOf } from '../../operations';

interface EnrolmentResponse {
  data?: ResultOf<typeof EnrolInPrimarySchoolDocument> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

const [personalId] = process.argv.slice(2);
const apiKey = process.env.ONCE_API_KEY;
if (!personalId || !apiKey) {
  process.stderr.write('usage: ONCE_API_KEY=<key> npx tsx examples/portal/enrolment-check.ts <personal id>\n');
  process.exit(2);
}

const gateway = process.env.ONCE_GATEWAY ?? `http://127.0.0.1:${process.env.PORT ?? '4000'}/graphql`;
const response = await fetch(gateway, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'x-api-key': apiKey,
    'x-once-officer': process.env.ONCE_OFFICER ?? 'can-bo-01',
    'x-once-purpose': '1.900011',
    'x-once-case': process.env.ONCE_CASE ?? 'HS-2026-0001',
  },
  body: JSON.stringify(persistedRequest(EnrolInPrimarySchoolDocument, { id: personalId })),
}).catch((error: unknown) => {
  process.stderr.write(`cannot reach the gateway at ${gateway}: ${(error as Error).message}\n`);
  process.exit(1);
});
const { data, errors } = (await response.json()) as EnrolmentResponse;

if (errors?.length) {
  for (const error of errors) process.stderr.write(`${error.extensions?.code ?? 'ERROR'}: ${error.message}\n`);
  process.exit(1);
}
const check = data?.citizen?.documentCheck;
if (!check) {
  process.stderr.write(`no citizen ${personalId}\n`);
  process.exit(1);
}
for (const { type, status, document } of check.requirements) {
  process.stdout.write(`${type}: ${status}${document ? ` (${document.number}, ${document.issuingAgency})` : ''}\n`);
}
process.stdout.write(check.complete ? 'ask the citizen for: nothing, the state holds every document\n' : `ask the citizen for: ${check.missing.join(', ')}\n`);
