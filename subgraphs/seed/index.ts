/** The deterministic synthetic data set: its generator and the loader that hands each agency its rows to write. */
export { generateSeed, generatedCitizens } from './generate';
export type { SeedOptions } from './generate';
export { countCitizens, seedDatabase } from './load';
export type { SeedBatch } from './rows';
