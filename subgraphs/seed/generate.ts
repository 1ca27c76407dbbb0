import { createHash } from 'node:crypto';
import { base, en, Faker, vi } from '@faker-js/faker';
import { formatPersonalId, type Sex, provinces, TWO_LEVEL_GOVERNMENT_SINCE, type Province } from '../../platform';
import { addDays, addYears, ageOn, maxDate, minDate, toDay, fromDay, yearOf } from './dates';
import type { CitizenRow } from '../population';
import type { DocumentRow, DossierRow } from '../procedures';
import type { AddressColumns, HouseholdRow, ResidenceRow } from '../residence';
import type { SeedBatch } from './rows';
import * as words from './vocabulary';

export interface SeedOptions {
  /** Exactly this many citizens are generated. */
  citizens: number;
  /** The same seed (and asOf) gives the same data, row for row. */
  seed: number;
  /** The day the data describes: nothing happens after it. */
  asOf?: string;
  /** Citizens per yielded batch (the last may be smaller; a family is never split). */
  batchSize?: number;
}

export const DEFAULT_AS_OF = '2026-10-01';

/** A place as the generator knows it: a commune under the old three levels and its name since 2025. */
interface Place {
  province: Province;
  district: string;
  commune: string;
}

interface Person {
  row: CitizenRow;
  place: Place;
}

/** The catalogue procedure that produces each document type (see procedures/migrations). */
const procedureOf: Record<string, string> = {
  BIRTH_CERTIFICATE: '1.900001',
  MARRIAGE_CERTIFICATE: '1.900002',
  MARITAL_STATUS_CONFIRMATION: '1.900003',
  DEATH_CERTIFICATE: '1.900004',
  RESIDENCE_CONFIRMATION: '1.900005',
  BUSINESS_REGISTRATION: '1.900007',
  LAND_USE_RIGHT_CERTIFICATE: '1.900008',
  DRIVING_LICENCE: '1.900009',
  CRIMINAL_RECORD_CERTIFICATE: '1.900010',
};

const EMPTY_BATCH = (): SeedBatch => ({ citizens: [], households: [], householdMembers: [], residenceRecords: [], dossiers: [], documents: [] });

/** The largest family the generator makes: 2 grandparents, 4 children, 4 spouses, 4 x 3 grandchildren. */
const LARGEST_FAMILY = 22;

/**
 * Synthetic but consistent national data: three-generation families with valid personal IDs (province, century,
 * sex and birth year all agree with the record), households with one head each, residence histories that move
 * with marriages and deaths, and the documents and dossiers those lives produce (some with reusable electronic
 * copies, some paper only, some expired). Streams batches so that a million citizens fit in little memory.
 */
export function* generateSeed(options: SeedOptions): Generator<SeedBatch> {
  const world = new World(options.seed, options.asOf ?? DEFAULT_AS_OF);
  const batchSize = options.batchSize ?? 5_000;
  let remaining = options.citizens;
  while (remaining > 0) {
    const before = world.out.citizens.length;
    if (remaining >= LARGEST_FAMILY) world.family();
    else world.single();
    remaining -= world.out.citizens.length - before;
    if (world.out.citizens.length >= batchSize) {
      yield world.take();
    }
  }
  const last = world.take();
  if (last.citizens.length > 0) yield last;
}

/** Every citizen `generateSeed(options)` makes, in order: what another agency's own seed data is derived from. */
export function* generatedCitizens(options: SeedOptions): Generator<CitizenRow> {
  for (const batch of generateSeed(options)) yield* batch.citizens;
}

class World {
  readonly faker: Faker;
  out = EMPTY_BATCH();
  private readonly usedIds = new Set<string>();
  private sequence = 0;

  constructor(
    seed: number,
    readonly asOf: string,
  ) {
    this.faker = new Faker({ locale: [vi, en, base], seed });
  }

  take(): SeedBatch {
    const batch = this.out;
    this.out = EMPTY_BATCH();
    return batch;
  }

  private next(): number {
    this.sequence += 1;
    return this.sequence;
  }

  private chance(probability: number): boolean {
    return this.faker.number.float() < probability;
  }

  private int(min: number, max: number): number {
    return this.faker.number.int({ min, max });
  }

  private pick<T>(items: readonly T[]): T {
    return this.faker.helpers.arrayElement(items);
  }

  private weighted<T>(items: ReadonlyArray<{ value: T; weight: number }>): T {
    return this.faker.helpers.weightedArrayElement(items);
  }

  private dayBetween(from: string, to: string): string {
    return fromDay(this.int(toDay(from), Math.max(toDay(from), toDay(to))));
  }

  private place(near?: Province): Place {
    const province = near ?? (this.chance(0.25) ? this.pick(provinces.filter((p) => p.code === '001' || p.code === '079')) : this.pick(provinces));
    return { province, district: `Huyện ${this.pick(words.placeStems)}`, commune: `Xã ${this.pick(words.placeStems)}` };
  }

  /** The address of `place` as it would be written on `day`: three levels before July 2025, two after. */
  private address(place: Place, detail: string, day: string): AddressColumns {
    if (day < TWO_LEVEL_GOVERNMENT_SINCE) {
      return {
        address_detail: detail,
        address_commune: place.commune,
        address_district: place.district,
        address_province: place.province.name,
        address_scheme: 'THREE_LEVEL',
      };
    }
    return {
      address_detail: detail,
      address_commune: place.commune,
      address_district: null,
      address_province: place.province.since2025,
      address_scheme: 'TWO_LEVEL',
    };
  }

  private houseDetail(): string {
    return this.chance(0.5) ? `Số ${this.int(1, 300)} đường ${this.pick(words.streetStems)}` : `Thôn ${this.int(1, 12)}`;
  }

  private personalId(province: Province, sex: Sex, birth: string): string {
    for (;;) {
      const id = formatPersonalId(province.code, sex, yearOf(birth), this.int(0, 999_999));
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  private person(sex: Sex, birth: string, place: Place, family: { familyName?: string; father?: Person; mother?: Person; hometown?: string }): Person {
    const familyName = family.familyName ?? this.weighted(words.familyNames);
    const age = ageOn(birth, this.asOf);
    const fullName = `${familyName} ${this.pick(words.middleNames[sex])} ${this.pick(words.givenNames[sex])}`;
    const idCard = age >= 14 ? this.identityCard(birth) : null;
    const row: CitizenRow = {
      personal_id: this.personalId(place.province, sex, birth),
      full_name: fullName,
      other_names: this.chance(0.02) ? [`${familyName} ${this.pick(words.givenNames[sex])}`] : [],
      date_of_birth: birth,
      sex,
      place_of_birth: `${place.commune}, ${place.district}, ${place.province.name}`,
      place_of_birth_registration: `UBND ${place.commune}, ${place.district}, ${place.province.name}`,
      hometown: family.hometown ?? family.father?.row.hometown ?? this.pick(provinces).name,
      ethnicity: family.father?.row.ethnicity ?? this.weighted(words.ethnicities),
      religion: family.father?.row.religion ?? this.weighted(words.religions),
      nationality: 'Việt Nam',
      blood_type: this.weighted(words.bloodTypes),
      marital_status: 'SINGLE',
      old_id_number: yearOf(birth) < 2000 && age >= 14 ? String(this.int(100_000_000, 399_999_999)) : null,
      id_card_issued_on: idCard?.issuedOn ?? null,
      id_card_issued_by: idCard ? 'Cục Cảnh sát quản lý hành chính về trật tự xã hội' : null,
      id_card_expires_on: idCard?.expiresOn ?? null,
      phone: age >= 16 && this.chance(0.85) ? `0${this.pick(['3', '5', '7', '8', '9'])}${String(this.int(0, 99_999_999)).padStart(8, '0')}` : null,
      email: null,
      occupation: this.occupation(age),
      life_status: 'ALIVE',
      date_of_death: null,
      missing_since: null,
      father_id: family.father?.row.personal_id ?? null,
      mother_id: family.mother?.row.personal_id ?? null,
      spouse_id: null,
    };
    if (age >= 16 && this.chance(0.4)) row.email = `${asciiFold(fullName).split(' ').reverse().join('.')}${this.int(1, 999)}@example.vn`;
    const created = { row, place };
    this.out.citizens.push(row);
    if (age >= 18 && this.chance(0.02)) this.declareMissing(created);
    return created;
  }

  /** Chip cards since 2021; renewed at 25, 40 and 60; one issued within two years of 60 or later is for life. */
  private identityCard(birth: string): { issuedOn: string; expiresOn: string | null } {
    const issuedOn = this.dayBetween(maxDate('2021-01-01', addYears(birth, 14)), this.asOf);
    const ageAtIssue = ageOn(birth, issuedOn);
    const milestone = [25, 40, 60].find((age) => age - 2 > ageAtIssue);
    return { issuedOn, expiresOn: milestone === undefined ? null : addYears(birth, milestone) };
  }

  private occupation(age: number): string | null {
    if (age < 6) return null;
    if (age < 18) return 'Học sinh';
    if (age < 22 && this.chance(0.6)) return 'Sinh viên';
    if (age >= 62 && this.chance(0.7)) return 'Hưu trí';
    return this.pick(words.occupations);
  }

  private declareMissing(person: Person): void {
    person.row.life_status = 'MISSING';
    person.row.missing_since = this.dayBetween(addYears(person.row.date_of_birth, 18), this.asOf);
  }

  private marry(a: Person, b: Person): void {
    a.row.spouse_id = b.row.personal_id;
    b.row.spouse_id = a.row.personal_id;
    a.row.marital_status = 'MARRIED';
    b.row.marital_status = 'MARRIED';
  }

  private die(person: Person, from: string): string {
    const died = this.dayBetween(from, addDays(this.asOf, -1));
    person.row.life_status = 'DECEASED';
    person.row.missing_since = null;
    person.row.date_of_death = died;
    return died;
  }

  private household(head: Person, place: Place, detail: string, since: string): HouseholdRow {
    const sequence = this.next();
    const row: HouseholdRow = {
      household_id: `HH${String(sequence).padStart(10, '0')}`,
      residence_file_number: `${place.province.code}${yearOf(since)}${String(sequence).padStart(8, '0')}`,
      head_id: head.row.personal_id,
      ...this.address(place, detail, this.asOf),
    };
    this.out.households.push(row);
    return row;
  }

  private join(household: HouseholdRow, person: Person, relationship: string, joinedOn: string, leftOn: string | null): void {
    this.out.householdMembers.push({
      household_id: household.household_id,
      personal_id: person.row.personal_id,
      relationship,
      joined_on: joinedOn,
      left_on: leftOn,
    });
  }

  /** A permanent residence from `from` until `until` (moved away or died), at a household or not. */
  private permanent(person: Person, place: Place, detail: string, from: string, household: HouseholdRow | null, until?: { on: string; reason: string }): void {
    this.out.residenceRecords.push({
      record_id: `RR${String(this.next()).padStart(10, '0')}`,
      personal_id: person.row.personal_id,
      kind: 'PERMANENT',
      household_id: household?.household_id ?? null,
      ...this.address(place, detail, from),
      registered_on: from,
      valid_until: null,
      deregistered_on: until?.on ?? null,
      deregistration_reason: until?.reason ?? null,
      registered_by: `Công an ${place.commune}`,
    });
  }

  /** Some adults of working age live elsewhere for a while: temporary residence, sometimes a declared absence. */
  private temporaryStay(person: Person, home: Place, homeDetail: string): void {
    const age = ageOn(person.row.date_of_birth, this.asOf);
    if (age < 18 || age > 50 || person.row.life_status !== 'ALIVE' || !this.chance(0.18)) return;
    const city = this.place(this.pick(provinces.filter((p) => p.code === '001' || p.code === '079' || p.code === '048')));
    const from = this.dayBetween(addYears(this.asOf, -4), addDays(this.asOf, -1));
    const until = addYears(from, this.pick([1, 2]));
    const ended =
      until < this.asOf ? { deregistered_on: until, deregistration_reason: 'Hết thời hạn tạm trú' } : { deregistered_on: null, deregistration_reason: null };
    const stay = (kind: ResidenceRow['kind'], place: Place, detail: string): ResidenceRow => ({
      record_id: `RR${String(this.next()).padStart(10, '0')}`,
      personal_id: person.row.personal_id,
      kind,
      household_id: null,
      ...this.address(place, detail, from),
      registered_on: from,
      valid_until: until,
      ...ended,
      registered_by: `Công an ${place.commune}`,
    });
    this.out.residenceRecords.push(stay('TEMPORARY', city, this.houseDetail()));
    if (this.chance(0.3)) this.out.residenceRecords.push(stay('TEMPORARY_ABSENCE', home, homeDetail));
  }

  /** Three generations: grandparents at the family home, children who marry move out with their spouse. */
  family(): void {
    const home = this.place();
    const homeDetail = this.houseDetail();
    const familyName = this.weighted(words.familyNames);
    const grandfather = this.person('MALE', this.dayBetween('1935-01-01', '1968-12-31'), this.place(), { familyName });
    const grandmother = this.person(
      'FEMALE',
      this.dayBetween(addYears(grandfather.row.date_of_birth, -2), addYears(grandfather.row.date_of_birth, 6)),
      this.place(),
      {},
    );
    this.marry(grandfather, grandmother);
    const married = this.dayBetween(addYears(grandmother.row.date_of_birth, 19), addYears(grandmother.row.date_of_birth, 25));

    // At most one grandparent dies, so the family home always has a living head.
    const widowed = ageOn(grandfather.row.date_of_birth, this.asOf) > 70 && this.chance(0.35) ? this.pick([grandfather, grandmother]) : null;
    const deathDay = widowed ? this.die(widowed, maxDate(addYears(widowed.row.date_of_birth, 70), married)) : null;
    const survivor = widowed === grandfather ? grandmother : grandfather;
    if (widowed) survivor.row.marital_status = 'WIDOWED';

    const homeHousehold = this.household(survivor, home, homeDetail, married);
    for (const grandparent of [grandfather, grandmother]) {
      const origin = grandparent.place;
      this.permanent(grandparent, origin, this.houseDetail(), addDays(grandparent.row.date_of_birth, 30), null, {
        on: married,
        reason: 'Chuyển đến nơi thường trú mới',
      });
      const died = grandparent === widowed && deathDay ? { on: deathDay, reason: 'Chết' } : undefined;
      this.permanent(grandparent, home, homeDetail, married, homeHousehold, died);
      const relationship = grandparent === survivor ? 'HEAD' : grandparent.row.sex === 'MALE' ? 'HUSBAND' : 'WIFE';
      this.join(homeHousehold, grandparent, relationship, married, died?.on ?? null);
    }
    this.lifeDocuments(grandfather, grandmother, married);

    const children = this.childrenOf(grandfather, grandmother, home, married, this.int(1, 4), familyName);
    for (const child of children) {
      const born = child.row.date_of_birth;
      const canMarry = ageOn(born, this.asOf) >= 22 && child.row.life_status === 'ALIVE' && this.chance(0.8);
      const moved = canMarry ? this.dayBetween(addYears(born, 22), minDate(addYears(born, 32), this.asOf)) : null;
      this.permanent(child, home, homeDetail, addDays(born, 30), homeHousehold, moved ? { on: moved, reason: 'Chuyển đến nơi thường trú mới' } : undefined);
      this.join(homeHousehold, child, 'CHILD', addDays(born, 30), moved);
      if (moved) {
        this.startFamily(child, moved);
      } else {
        this.temporaryStay(child, home, homeDetail);
        this.adultDocuments(child);
      }
    }
  }

  private childrenOf(father: Person, mother: Person, home: Place, since: string, count: number, familyName: string): Person[] {
    const children: Person[] = [];
    let earliest = maxDate(addYears(mother.row.date_of_birth, 20), addDays(since, 280));
    for (let index = 0; index < count; index += 1) {
      const latest = minDate(addYears(mother.row.date_of_birth, 40), addDays(this.asOf, -31));
      if (earliest > latest) break;
      const born = this.dayBetween(earliest, minDate(addYears(earliest, 4), latest));
      const place = this.chance(0.9) ? home : this.place(home.province);
      const child = this.person(this.chance(0.51) ? 'MALE' : 'FEMALE', born, place, { familyName, father, mother, hometown: father.row.hometown });
      this.birthDocuments(child, mother, place);
      children.push(child);
      earliest = addYears(born, 1);
    }
    return children;
  }

  /** A grown child marries someone from elsewhere; they found a household and may have children. */
  private startFamily(child: Person, married: string): void {
    const partnerSex: Sex = child.row.sex === 'MALE' ? 'FEMALE' : 'MALE';
    const partnerBirth = this.dayBetween(addYears(child.row.date_of_birth, -4), minDate(addYears(child.row.date_of_birth, 4), addYears(married, -19)));
    const partner = this.person(partnerSex, partnerBirth, this.place(), {});
    this.marry(child, partner);
    const home = this.chance(0.5) ? this.place(child.place.province) : this.place();
    const detail = this.houseDetail();
    const household = this.household(child, home, detail, married);
    this.permanent(partner, partner.place, this.houseDetail(), addDays(partnerBirth, 30), null, { on: married, reason: 'Chuyển đến nơi thường trú mới' });
    for (const member of [child, partner]) {
      this.permanent(member, home, detail, married, household);
      this.temporaryStay(member, home, detail);
    }
    this.join(household, child, 'HEAD', married, null);
    this.join(household, partner, partnerSex === 'FEMALE' ? 'WIFE' : 'HUSBAND', married, null);
    this.lifeDocuments(child, partner, married);
    this.landCertificate(child, home);

    const [father, mother] = child.row.sex === 'MALE' ? [child, partner] : [partner, child];
    const familyName = father.row.full_name.split(' ')[0] ?? this.weighted(words.familyNames);
    for (const grandchild of this.childrenOf(father, mother, home, married, this.int(0, 3), familyName)) {
      const registered = addDays(grandchild.row.date_of_birth, 30);
      this.permanent(grandchild, home, detail, registered, household);
      this.join(household, grandchild, 'CHILD', registered, null);
      this.adultDocuments(grandchild);
    }
  }

  /** Someone whose relatives are not in the database, in a household of their own. */
  single(): void {
    const sex: Sex = this.chance(0.5) ? 'MALE' : 'FEMALE';
    const person = this.person(sex, this.dayBetween('1950-01-01', '2004-12-31'), this.place(), {});
    const home = this.place();
    const detail = this.houseDetail();
    const since = addYears(person.row.date_of_birth, 18);
    const household = this.household(person, home, detail, since);
    this.permanent(person, person.place, this.houseDetail(), addDays(person.row.date_of_birth, 30), null, {
      on: since,
      reason: 'Chuyển đến nơi thường trú mới',
    });
    this.permanent(person, home, detail, since, household);
    this.join(household, person, 'HEAD', since, null);
    this.temporaryStay(person, home, detail);
    this.adultDocuments(person);
  }

  // Documents and dossiers.

  private birthDocuments(child: Person, mother: Person, place: Place): void {
    const born = child.row.date_of_birth;
    if (yearOf(born) < 1975 || !this.chance(0.92)) return;
    const issuedOn = addDays(born, this.int(5, 60));
    const agency = `UBND ${place.commune}, ${place.district}, ${place.province.name}`;
    const electronic = yearOf(issuedOn) >= 2020 ? this.chance(0.85) : yearOf(issuedOn) >= 2010 && this.chance(0.35);
    this.issue(child, 'BIRTH_CERTIFICATE', issuedOn, null, agency, { electronic, reusable: true, applicant: mother });
  }

  /** The documents of a couple and of each adult's own life. */
  private lifeDocuments(a: Person, b: Person, married: string): void {
    const agency = `UBND ${a.place.commune}, ${a.place.district}, ${a.place.province.name}`;
    const electronic = yearOf(married) >= 2020 && this.chance(0.8);
    const number = `${this.int(1, 999)}/${yearOf(married)}/KH`;
    for (const spouse of [a, b]) {
      if (yearOf(married) >= 1980) this.issue(spouse, 'MARRIAGE_CERTIFICATE', married, null, agency, { electronic, reusable: true, applicant: a, number });
      this.adultDocuments(spouse);
    }
  }

  private adultDocuments(person: Person): void {
    const { row, place } = person;
    const adultSince = addYears(row.date_of_birth, 18);
    if (adultSince >= this.asOf) return;
    const recent = () => this.dayBetween(maxDate(adultSince, addYears(this.asOf, -2)), addDays(this.asOf, -1));
    if (row.date_of_death) {
      const issuedOn = minDate(addDays(row.date_of_death, this.int(1, 15)), this.asOf);
      this.issue(person, 'DEATH_CERTIFICATE', issuedOn, null, `UBND ${place.commune}`, { electronic: yearOf(issuedOn) >= 2020, reusable: true });
      return;
    }
    if (this.chance(0.35)) {
      const issuedOn = this.dayBetween(maxDate(adultSince, '2005-01-01'), addDays(this.asOf, -1));
      this.issue(person, 'DRIVING_LICENCE', issuedOn, addYears(issuedOn, 10), `Sở Giao thông vận tải ${place.province.name}`, {
        electronic: yearOf(issuedOn) >= 2018 && this.chance(0.6),
        reusable: true,
      });
    }
    if (this.chance(0.18)) {
      const issuedOn = recent();
      this.issue(person, 'RESIDENCE_CONFIRMATION', issuedOn, addDays(issuedOn, 182), `Công an ${place.commune}`, {
        electronic: this.chance(0.9),
        reusable: true,
      });
    }
    if (row.marital_status === 'SINGLE' && this.chance(0.1)) {
      const issuedOn = recent();
      this.issue(person, 'MARITAL_STATUS_CONFIRMATION', issuedOn, addDays(issuedOn, 182), `UBND ${place.commune}`, {
        electronic: this.chance(0.7),
        reusable: true,
      });
    }
    if (this.chance(0.05)) {
      const issuedOn = recent();
      this.issue(person, 'CRIMINAL_RECORD_CERTIFICATE', issuedOn, addDays(issuedOn, 182), `Sở Tư pháp ${place.province.name}`, {
        electronic: this.chance(0.8),
        reusable: true,
      });
    }
    if (ageOn(row.date_of_birth, this.asOf) >= 25 && this.chance(0.06)) {
      const issuedOn = this.dayBetween(maxDate(addYears(row.date_of_birth, 22), '2010-01-01'), addDays(this.asOf, -1));
      this.issue(person, 'BUSINESS_REGISTRATION', issuedOn, null, `Phòng Tài chính - Kế hoạch, ${place.district}`, {
        electronic: this.chance(0.6),
        reusable: true,
      });
    }
    if (this.chance(0.03)) this.pendingDossier(person);
  }

  private landCertificate(head: Person, home: Place): void {
    if (!this.chance(0.3)) return;
    const issuedOn = this.dayBetween(maxDate(addYears(head.row.date_of_birth, 22), '1995-01-01'), addDays(this.asOf, -1));
    // Scanned land certificates exist, but a scan is not a legally valid copy.
    this.issue(head, 'LAND_USE_RIGHT_CERTIFICATE', issuedOn, null, `Văn phòng đăng ký đất đai ${home.province.name}`, {
      electronic: this.chance(0.3),
      reusable: false,
    });
  }

  private issue(
    holder: Person,
    type: string,
    issuedOn: string,
    validUntil: string | null,
    agency: string,
    options: { electronic: boolean; reusable: boolean; applicant?: Person; number?: string },
  ): void {
    const sequence = this.next();
    const documentId = `DOC${String(sequence).padStart(10, '0')}`;
    const procedure = procedureOf[type];
    const withDossier = procedure !== undefined && (options.electronic || (yearOf(issuedOn) >= 2015 && this.chance(0.5)));
    const dossierCode = withDossier ? this.dossier(procedure, options.applicant ?? holder, agency, issuedOn, 'APPROVED') : null;
    const revokedOn = this.chance(0.01) ? this.dayBetween(addDays(issuedOn, 1), this.asOf) : null;
    const signedAt = `${issuedOn}T0${this.int(1, 9)}:${String(this.int(10, 59))}:00Z`;
    const document: DocumentRow = {
      document_id: documentId,
      document_type: type,
      number: options.number ?? `${this.int(1, 9999)}/${yearOf(issuedOn)}/${type.slice(0, 2)}`,
      holder_id: holder.row.personal_id,
      issuing_agency: agency,
      issued_on: issuedOn,
      valid_until: validUntil,
      revoked_on: revokedOn && revokedOn > issuedOn ? revokedOn : null,
      dossier_code: dossierCode,
      copy_uri: options.electronic ? `https://documents.once.example/${documentId}.pdf` : null,
      copy_sha256: options.electronic ? createHash('sha256').update(`${documentId}:${holder.row.personal_id}`).digest('hex') : null,
      copy_signer: options.electronic ? agency : null,
      copy_signed_at: options.electronic ? signedAt : null,
      copy_reusable: options.electronic ? options.reusable : null,
    };
    this.out.documents.push(document);
  }

  private dossier(procedure: string, applicant: Person, agency: string, decided: string, status: DossierRow['status']): string {
    const code = `${applicant.place.province.code}.${decided.replaceAll('-', '').slice(2)}.${String(this.next()).padStart(8, '0')}`;
    const submitted = addDays(decided, -this.int(1, 15));
    const decidedStatus = status === 'APPROVED' || status === 'REJECTED';
    this.out.dossiers.push({
      dossier_code: code,
      procedure_code: procedure,
      applicant_id: applicant.row.personal_id,
      handling_agency: agency,
      submitted_at: `${submitted}T0${this.int(1, 9)}:00:00Z`,
      decided_at: decidedStatus ? `${decided}T09:30:00Z` : null,
      status,
    });
    return code;
  }

  /** A dossier still being handled, or refused, with no document issued. */
  private pendingDossier(applicant: Person): void {
    const status = this.pick(['RECEIVED', 'IN_PROGRESS', 'SUPPLEMENT_REQUESTED', 'REJECTED', 'WITHDRAWN'] as const);
    const procedure = this.pick(Object.values(procedureOf));
    this.dossier(procedure, applicant, `UBND ${applicant.place.commune}`, this.dayBetween(addDays(this.asOf, -30), addDays(this.asOf, -1)), status);
  }
}

/** 'Nguyễn Thị Ánh' -> 'nguyen thi anh': for synthetic e-mail addresses. */
function asciiFold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase();
}
