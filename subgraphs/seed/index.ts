/** The deterministic synthetic data set: its generator and the loader that COPYs it into the agencies' tables. */
export { csvLine } from './csv';
export { generateSeed } from './generate';
export type { SeedOptions } from './generate';
export { countCitizens, seedDatabase } from './load';
export type { SeedBatch } from './rows';
