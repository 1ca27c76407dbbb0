export { generateSeed, generatedCitizens } from './generate';
export type { SeedOptions } from './generate';
export { countCitizens, seedDatabase } from './load';
export type { SeedBatch } from './rows';
