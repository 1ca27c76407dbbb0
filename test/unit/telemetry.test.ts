import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ApolloGateway } from '@apollo/gateway';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApolloGateway, TELEMETRY_SWITCH } from '../../gateway';

/** The module @apollo/gateway's constructor calls to start its exporter to Apollo (the same instance it requires). */
const exporterModule = createRequire(import.meta.url)('@apollo/gateway/dist/utilities/opentelemetry.js') as {
  createDataCollectionExporter: () => { shutdown(): Promise<void> };
};
const supergraphSdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');

describe('the gateway sends nothing to Apollo', () => {
  const saved = process.env[TELEMETRY_SWITCH];
  afterEach(() => {
    vi.restoreAllMocks();
    process.env[TELEMETRY_SWITCH] = saved;
  });

  /** Replaces the exporter, so that even the control case below sends and probes nothing. */
  function watchExporter() {
    return vi.spyOn(exporterModule, 'createDataCollectionExporter').mockImplementation(() => ({ shutdown: async () => undefined }));
  }

  it('a stock ApolloGateway built without the switch would start its exporter (the check below can fail)', () => {
    const exporter = watchExporter();
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- unsetting a variable is deleting its key
    delete process.env[TELEMETRY_SWITCH];
    new ApolloGateway({ supergraphSdl });
    expect(exporter).toHaveBeenCalledTimes(1);
  });

  it('a gateway built by Once never does, whatever the environment said', () => {
    const exporter = watchExporter();
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- unsetting a variable is deleting its key
    delete process.env[TELEMETRY_SWITCH];
    createApolloGateway({ supergraphSdl });
    process.env[TELEMETRY_SWITCH] = 'false';
    createApolloGateway({ supergraphSdl });
    expect(exporter).not.toHaveBeenCalled();
    expect(process.env[TELEMETRY_SWITCH]).toBe('1');
  });
});
