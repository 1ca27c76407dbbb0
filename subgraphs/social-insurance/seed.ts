import type { Queryable } from '../../platform';

/** What the agency's seeding needs to know of a person the seed generator made (a population citizen row fits). */
export interface SeedPerson {
  personal_id: string;
  date_of_birth: string;
  life_status: string;
}

/**
 * Synthetic books (the agency's own small data set) for the first `limit` working-age living people, by personal ID,
 * of those the seed tool generated; each book is derived from the personal ID alone, so the same people give the same
 * books. The agency is handed the people rather than reading another agency's schema: federation joins the data.
 */
export async function seedBooks(db: Queryable, people: Iterable<SeedPerson>, limit: number): Promise<number> {
  const ids: string[] = [];
  const births: string[] = [];
  const statuses: string[] = [];
  for (const person of people) {
    ids.push(person.personal_id);
    births.push(person.date_of_birth);
    statuses.push(person.life_status);
  }
  const rows = await db.query(
    `INSERT INTO social_insurance.books (book_number, personal_id, status, contribution_months, employer, last_contribution_on)
     SELECT lpad((('x' || substr(md5(personal_id), 1, 8))::bit(32)::bigint % 10000000000)::text, 10, '0'),
            personal_id,
            (ARRAY['PARTICIPATING', 'PARTICIPATING', 'PAUSED', 'CLOSED'])[1 + ('x' || substr(md5(personal_id), 9, 2))::bit(8)::int % 4],
            ('x' || substr(md5(personal_id), 11, 2))::bit(8)::int,
            (ARRAY['Công ty TNHH Minh Phát', 'Công ty Cổ phần Sông Hồng', 'Hợp tác xã Tân Tiến', NULL])[1 + ('x' || substr(md5(personal_id), 13, 2))::bit(8)::int % 4],
            DATE '2026-09-30' - ('x' || substr(md5(personal_id), 15, 2))::bit(8)::int
       FROM unnest($1::text[], $2::date[], $3::text[]) AS people(personal_id, date_of_birth, life_status)
      WHERE date_of_birth BETWEEN DATE '1961-01-01' AND DATE '2008-01-01' AND life_status = 'ALIVE'
      ORDER BY personal_id LIMIT $4
     ON CONFLICT DO NOTHING RETURNING 1`,
    [ids, births, statuses, limit],
  );
  return rows.length;
}
