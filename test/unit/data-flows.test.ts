import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { socialInsurance } from '../../subgraphs/social-insurance';
import { dataFlows, type OwnedSdl } from '../../subgraphs/registry';

const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@override", "@requires", "@provides", "@external", "@interfaceObject"])';
const platform: OwnedSdl[] = builtInSubgraphs.map((module) => ({ name: module.name, owner: 'system', document: module.typeDefs }));
const agency = (sdl: string, owner = 'bhxh'): OwnedSdl => ({ name: 'social-insurance', owner, document: parse(sdl) });
const flowsOf = (sdl: string, others = platform) =>
  dataFlows(agency(sdl), others).map(({ directive, coordinate, target, owner }) => `${directive} ${coordinate} -> ${target} (${owner})`);

describe('cross-agency data flows of a candidate SDL', () => {
  it('finds none in a subgraph that adds its own fields to a shared entity by its existing key', () => {
    expect(dataFlows({ name: 'social-insurance', owner: 'bhxh', document: socialInsurance.typeDefs }, platform)).toEqual([]);
  });

  it('names a take-over of a field and of a root field, with the owner and the subgraphs that define them', () => {
    const sdl = `${LINK}
      type Query { citizen(personalId: ID!): Citizen @override(from: "population") }
      type Citizen @key(fields: "personalId") { personalId: ID! fullName: String! @override(from: "population") }`;
    expect(dataFlows(agency(sdl), platform)).toEqual([
      { directive: 'OVERRIDE', coordinate: 'Query.citizen', target: 'Query.citizen', owner: 'system', ownerSubgraphs: ['population'] },
      { directive: 'OVERRIDE', coordinate: 'Citizen.fullName', target: 'Citizen.fullName', owner: 'system', ownerSubgraphs: ['population'] },
    ]);
  });

  it('lists every field a @requires field set reaches, nested ones too, and not the @external declarations it explains', () => {
    const sdl = `${LINK}
      type Citizen @key(fields: "personalId") {
        personalId: ID!
        dateOfBirth: String @external
        phone: String @external
        identityCard: IdentityCard @external
        insuranceStatus: String @requires(fields: "dateOfBirth phone identityCard { number }")
      }
      type IdentityCard { number: ID! @external }`;
    expect(flowsOf(sdl)).toEqual([
      'REQUIRES Citizen.insuranceStatus -> Citizen.dateOfBirth (system)',
      'REQUIRES Citizen.insuranceStatus -> Citizen.phone (system)',
      'REQUIRES Citizen.insuranceStatus -> Citizen.identityCard (system)',
      'REQUIRES Citizen.insuranceStatus -> IdentityCard.number (system)',
    ]);
  });

  it("lists @provides, @shareable, lone @external, @interfaceObject and new keys on others' types", () => {
    const others: OwnedSdl[] = [
      ...platform,
      { name: 'tax', owner: 'gdt', document: parse(`${LINK} interface Taxpayer @key(fields: "taxCode") { taxCode: ID! } type Query { taxpayer: Taxpayer }`) },
    ];
    const sdl = `${LINK}
      type Query { insured: Citizen @provides(fields: "fullName") }
      type Citizen @key(fields: "personalId") @key(fields: "oldIdNumber") {
        personalId: ID!
        oldIdNumber: String
        fullName: String @external
        sex: String @shareable
        religion: String @external
      }
      type Taxpayer @key(fields: "taxCode") @interfaceObject { taxCode: ID! insured: Boolean }`;
    expect(flowsOf(sdl, others)).toEqual([
      'PROVIDES Query.insured -> Citizen.fullName (system)',
      'KEY Citizen -> Citizen @key(fields: "oldIdNumber") (system)',
      'INTERFACE_OBJECT Taxpayer -> Taxpayer (gdt)',
      'SHAREABLE Citizen.oldIdNumber -> Citizen.oldIdNumber (system)',
      'SHAREABLE Citizen.sex -> Citizen.sex (system)',
      'EXTERNAL Citizen.religion -> Citizen.religion (system)',
    ]);
  });

  it('sees directives renamed on import or namespaced', () => {
    const sdl = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", as: "fed", import: ["@key", { name: "@override", as: "@mine" }])
      type Citizen @key(fields: "personalId") { personalId: ID! fullName: String! @mine(from: "population") sex: String @fed__override(from: "population") }`;
    expect(flowsOf(sdl)).toEqual(['OVERRIDE Citizen.fullName -> Citizen.fullName (system)', 'OVERRIDE Citizen.sex -> Citizen.sex (system)']);
  });

  it("does not count flows to the agency's own subgraphs, nor to the candidate's current version", () => {
    const own: OwnedSdl = {
      name: 'insurance-cards',
      owner: 'bhxh',
      document: parse(`${LINK} type Card @key(fields: "cardId") { cardId: ID! holder: String }`),
    };
    const previous: OwnedSdl = { name: 'social-insurance', owner: 'bhxh', document: parse(`${LINK} type Book @key(fields: "id") { id: ID! status: String }`) };
    const sdl = `${LINK} type Card @key(fields: "cardId") { cardId: ID! holder: String @external note: String @requires(fields: "holder") } type Book @key(fields: "id") { id: ID! status: String }`;
    expect(flowsOf(sdl, [...platform, own, previous])).toEqual([]);
  });
});
