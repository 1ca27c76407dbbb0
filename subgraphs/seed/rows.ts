import type { CitizenRow } from '../population';
import type { DocumentRow, DossierRow } from '../procedures';
import type { HouseholdRow, MemberRow, ResidenceRow } from '../residence';

/** One batch of generated rows: each agency's share under its own keys, in the row shapes its seeding takes. */
export interface SeedBatch {
  citizens: CitizenRow[];
  households: HouseholdRow[];
  householdMembers: MemberRow[];
  residenceRecords: ResidenceRow[];
  dossiers: DossierRow[];
  documents: DocumentRow[];
}
