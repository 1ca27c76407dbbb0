import { describe, expect, it } from 'vitest';
import { csvLine, personalIdProblems, provinceByCode, TWO_LEVEL_GOVERNMENT_SINCE } from '../../platform';
import { generateSeed, type SeedBatch } from '../../subgraphs/seed';

const AS_OF = '2026-10-01';

function generateAll(citizens: number, seed: number, batchSize?: number): SeedBatch {
  const all: SeedBatch = { citizens: [], households: [], householdMembers: [], residenceRecords: [], dossiers: [], documents: [] };
  for (const batch of generateSeed({ citizens, seed, asOf: AS_OF, ...(batchSize ? { batchSize } : {}) })) {
    for (const key of Object.keys(all) as Array<keyof SeedBatch>) (all[key] as object[]).push(...batch[key]);
  }
  return all;
}

describe('synthetic seed data', () => {
  const data = generateAll(3_000, 7, 700);
  const byId = new Map(data.citizens.map((citizen) => [citizen.personal_id, citizen]));

  it('has exactly the number of citizens asked for, with unique IDs, in batches that never split a family', () => {
    expect(data.citizens).toHaveLength(3_000);
    expect(byId.size).toBe(3_000);
    const sizes = [...generateSeed({ citizens: 3_000, seed: 7, asOf: AS_OF, batchSize: 700 })].map((batch) => batch.citizens.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3_000);
    expect(sizes.slice(0, -1).every((size) => size >= 700)).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateAll(300, 7)).toEqual(generateAll(300, 7));
    expect(generateAll(300, 8).citizens[0]).not.toEqual(generateAll(300, 7).citizens[0]);
  });

  it('gives every citizen a personal ID that agrees with their sex, birth year and birth-registration province', () => {
    for (const citizen of data.citizens) {
      expect(personalIdProblems(citizen.personal_id, { sex: citizen.sex, birthYear: Number(citizen.date_of_birth.slice(0, 4)) }, new Date(AS_OF))).toEqual([]);
      expect(citizen.place_of_birth_registration).toContain(provinceByCode(citizen.personal_id.slice(0, 3))?.name);
    }
  });

  it('links families consistently across generations', () => {
    let withParents = 0;
    for (const citizen of data.citizens) {
      const father = citizen.father_id ? byId.get(citizen.father_id) : undefined;
      const mother = citizen.mother_id ? byId.get(citizen.mother_id) : undefined;
      if (citizen.father_id) expect(father?.sex).toBe('MALE');
      if (citizen.mother_id) expect(mother?.sex).toBe('FEMALE');
      for (const parent of [father, mother])
        if (parent) expect(parent.date_of_birth < citizen.date_of_birth.replace(/^\d{4}/, (y) => String(Number(y) - 16))).toBe(true);
      if (father && father.life_status === 'ALIVE') expect(citizen.full_name.split(' ')[0]).toBe(father.full_name.split(' ')[0]);
      if (father || mother) withParents += 1;
      if (citizen.spouse_id) {
        expect(byId.get(citizen.spouse_id)?.spouse_id).toBe(citizen.personal_id);
        expect(['MARRIED', 'WIDOWED']).toContain(citizen.marital_status);
      }
      expect(citizen.life_status === 'DECEASED').toBe(citizen.date_of_death !== null);
    }
    expect(withParents).toBeGreaterThan(1_000);
  });

  it('gives every household one head, who is its current HEAD member, and every person at most one household', () => {
    const current = data.householdMembers.filter((member) => member.left_on === null);
    for (const household of data.households) {
      const heads = current.filter((member) => member.household_id === household.household_id && member.relationship === 'HEAD');
      expect(heads.map((head) => head.personal_id)).toEqual([household.head_id]);
    }
    const people = current.map((member) => member.personal_id);
    expect(new Set(people).size).toBe(people.length);
    expect(people.every((id) => byId.get(id)?.life_status !== 'DECEASED')).toBe(true);
  });

  it('keeps a residence history with exactly one permanent residence in force for each living person', () => {
    const inForce = new Map<string, number>();
    for (const record of data.residenceRecords) {
      expect(record.address_scheme).toBe(record.registered_on < TWO_LEVEL_GOVERNMENT_SINCE ? 'THREE_LEVEL' : 'TWO_LEVEL');
      expect(record.address_district === null).toBe(record.address_scheme === 'TWO_LEVEL');
      if (record.kind === 'PERMANENT' && record.deregistered_on === null) inForce.set(record.personal_id, (inForce.get(record.personal_id) ?? 0) + 1);
    }
    for (const citizen of data.citizens) expect(inForce.get(citizen.personal_id) ?? 0).toBe(citizen.life_status === 'DECEASED' ? 0 : 1);
    expect(data.residenceRecords.some((record) => record.kind === 'TEMPORARY' && record.deregistered_on === null)).toBe(true);
  });

  it('issues documents to known people, some as reusable electronic copies and some on paper only', () => {
    const dossiers = new Set(data.dossiers.map((dossier) => dossier.dossier_code));
    for (const document of data.documents) {
      expect(byId.has(document.holder_id)).toBe(true);
      if (document.dossier_code) expect(dossiers.has(document.dossier_code)).toBe(true);
    }
    expect(data.documents.filter((document) => document.copy_reusable === true).length).toBeGreaterThan(100);
    expect(data.documents.filter((document) => document.copy_uri === null).length).toBeGreaterThan(100);
  });
});

describe('CSV for COPY', () => {
  it('quotes text, leaves NULL empty, and writes arrays as PostgreSQL array literals', () => {
    const line = csvLine(['a "b", c', null, true, ['Lê "Út"', String.raw`x\y`]]);
    expect(line).toBe(`${String.raw`"a ""b"", c",,t,"{""Lê \""Út\"""",""x\\y""}"`}\n`);
  });
});
