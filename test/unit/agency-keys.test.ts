import { describe, expect, it } from 'vitest';
import { agencyKey, ConfigError, platformConfig, subgraphPort, subgraphUrl } from '../../platform';
import { socialInsurance } from '../../subgraphs/social-insurance';

/** An agency the code has never heard of: its keys come from its name alone. */
const landRegistry = { name: 'land-registry', port: 4100 };

describe("a subgraph's own configuration keys", () => {
  it('are derived from its name, for any agency', () => {
    expect([agencyKey('land-registry', 'PORT'), agencyKey('social-insurance', 'URL'), agencyKey('population', 'PORT')]).toEqual([
      'LAND_REGISTRY_PORT',
      'SOCIAL_INSURANCE_URL',
      'POPULATION_PORT',
    ]);
    const config = platformConfig.load({ LAND_REGISTRY_PORT: '5100', SOCIAL_INSURANCE_URL: 'http://bhxh.internal:8080/graphql' });
    expect([subgraphPort(config, landRegistry), subgraphUrl(config, landRegistry)]).toEqual([5100, 'http://127.0.0.1:5100/graphql']);
    expect([subgraphPort(config, socialInsurance), subgraphUrl(config, socialInsurance)]).toEqual([4010, 'http://bhxh.internal:8080/graphql']);
  });

  it('default to the port the subgraph declares', () => {
    expect(subgraphUrl(platformConfig.load({ HOST: '10.0.0.5' }), landRegistry)).toBe('http://10.0.0.5:4100/graphql');
  });

  it('are checked when read, and a bad value names its key', () => {
    for (const [key, value] of [
      ['LAND_REGISTRY_PORT', '70000'],
      ['LAND_REGISTRY_PORT', 'ninety'],
      ['LAND_REGISTRY_URL', 'not a url'],
    ] as const) {
      const config = platformConfig.load({ [key]: value });
      expect(() => subgraphUrl(config, landRegistry)).toThrow(ConfigError);
      expect(() => subgraphUrl(config, landRegistry)).toThrow(new RegExp(`^Invalid configuration: ${key}: `));
    }
  });
});
