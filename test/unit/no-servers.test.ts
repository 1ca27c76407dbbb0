import pg from 'pg';
import { describe, expect, it } from 'vitest';

const WHERE = /a test in a tier that declares no server tried to connect to 127\.0\.0\.1:\d+: move it to a tier that declares what it needs/;

describe('the unit tier', () => {
  it('reaches no server: PostgreSQL and HTTP connections fail at once, saying where such a test belongs', async () => {
    await expect(new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' }).connect()).rejects.toThrow(WHERE);
    await expect(fetch('http://127.0.0.1:4000/graphql')).rejects.toMatchObject({ cause: { message: expect.stringMatching(WHERE) } });
  });
});
