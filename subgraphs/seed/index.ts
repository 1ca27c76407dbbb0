export { csvLine } from './csv';
export { generateSeed } from './generate';
export type { SeedOptions } from './generate';
export { countCitizens, seedDatabase } from './load';
export type { SeedBatch } from './rows';
