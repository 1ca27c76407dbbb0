import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform';
import { registryAllowedHosts, subgraphConfig } from '../../subgraphs/kit';
import { builtInSubgraphs } from '../../subgraphs';
import { assertRoutingUrl, hostAllowList } from '../../subgraphs/registry';

const builtIns = builtInSubgraphs.map(({ name }) => name);

describe('REGISTRY_ALLOWED_HOSTS', () => {
  it("defaults to the hosts of the built-in subgraphs' URLs", () => {
    expect(registryAllowedHosts(subgraphConfig.load({}), builtIns)).toEqual(['127.0.0.1']);
    expect(registryAllowedHosts(subgraphConfig.load({ HOST: '10.0.0.5', AUDIT_URL: 'http://audit.internal:8080/graphql' }), builtIns)).toEqual([
      '10.0.0.5',
      'audit.internal',
    ]);
  });

  it('takes host names, addresses and CIDRs, and names the key and the entry it refuses', () => {
    expect(subgraphConfig.load({ REGISTRY_ALLOWED_HOSTS: 'BHXH.gov.vn, 10.20.0.0/16,::1,fd00::/8' }).REGISTRY_ALLOWED_HOSTS).toEqual([
      'bhxh.gov.vn',
      '10.20.0.0/16',
      '::1',
      'fd00::/8',
    ]);
    for (const bad of ['http://x', '10.0.0.0/33', 'a b', '10.0.0.0/8/1', 'host/8', '*.gov.vn']) {
      expect(() => subgraphConfig.load({ REGISTRY_ALLOWED_HOSTS: bad }), bad).toThrow(ConfigError);
      expect(() => subgraphConfig.load({ REGISTRY_ALLOWED_HOSTS: bad }), bad).toThrow(
        /REGISTRY_ALLOWED_HOSTS: each entry must be a host name, an IP address or a CIDR/,
      );
    }
  });
});

describe('routing URLs', () => {
  const allows = hostAllowList(['bhxh.gov.vn', '10.20.0.0/16', '::1']);

  it('accepts http(s) to an allowed name, an address in an allowed CIDR, or an allowed IPv6 address', () => {
    for (const url of ['https://BHXH.gov.vn/graphql', 'http://10.20.3.4:4010/graphql', 'http://[::1]:4010/graphql', 'http://169083652/graphql']) {
      expect(assertRoutingUrl(url, allows).href, url).toBeTruthy();
    }
  });

  it('refuses other schemes, credentials, other hosts and look-alike names with ROUTING_URL_NOT_ALLOWED', () => {
    for (const url of [
      'data:application/json,{}',
      'file:///etc/passwd',
      'ftp://bhxh.gov.vn/',
      'gopher://10.20.0.1/',
      'http://user:pw@bhxh.gov.vn/',
      'http://bhxh.gov.vn.evil.example/',
      'http://10.21.0.1/',
      'http://[::2]/',
      'not a url',
    ]) {
      expect(() => assertRoutingUrl(url, allows), url).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'ROUTING_URL_NOT_ALLOWED' }) }),
      );
    }
  });
});
