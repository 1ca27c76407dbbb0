/** A portal's mix, in turn: the three operations a procedure page sends for one citizen. */
export const PORTAL_MIX = [
  `query Profile($id: ID!) { citizen(personalId: $id) { fullName dateOfBirth sex
    household { address { text } members { relationshipToHead citizen { fullName dateOfBirth } } } } }`,
  `query ResidenceConfirmation($id: ID!) { residenceConfirmation(personalId: $id) { asOf relationshipToHead
    permanentResidence { registeredOn address { text } } temporaryResidences { validUntil address { text } } } }`,
  `query DocumentCheck($id: ID!) { citizen(personalId: $id) { documentCheck(required: [BIRTH_CERTIFICATE, MARRIAGE_CERTIFICATE, RESIDENCE_CONFIRMATION]) {
    complete missing requirements { type status document { number issuingAgency } } } } }`,
];

/** The root fields the mix starts from, for granting a benchmark portal what it reads. */
export const PORTAL_ROOTS = ['Query.citizen', 'Query.residenceConfirmation'];
