import { describe, expect, it } from 'vitest';
import {
  consistencyRanges,
  EMPTY_ROOT,
  inclusionRanges,
  leafHash,
  MerkleFrontier,
  nodeHash,
  nodeKey,
  nodesFor,
  rangeHash,
  verifyConsistency,
  verifyInclusion,
  type StoredNode,
  type TreeNode,
} from '../../subgraphs/audit';

/** MTH straight from RFC 6962 §2.1, recursively, as the reference the fast code is checked against. */
function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function tree(size: number): { leaves: Buffer[]; nodes: Map<string, Buffer>; frontier: MerkleFrontier } {
  const frontier = MerkleFrontier.empty();
  const nodes = new Map<string, Buffer>();
  const leaves = Array.from({ length: size }, (_, index) => leafHash(`record ${index}`));
  for (const leaf of leaves) for (const node of frontier.push(leaf)) nodes.set(nodeKey(node), node.hash);
  return { leaves, nodes, frontier };
}

const lookup = (nodes: Map<string, Buffer>) => (node: TreeNode) => {
  const hash = nodes.get(nodeKey(node));
  if (!hash) throw new Error(`node ${nodeKey(node)} was never stored`);
  return hash;
};

describe('the RFC 6962 Merkle tree', () => {
  it('hashes a leaf and a node with the 0x00 and 0x01 prefixes (RFC 6962 §2.1), and the empty tree as SHA-256 of nothing', () => {
    expect(leafHash('').toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(EMPTY_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives the reference root at every size from 1 to 70, incrementally and from the stored subtrees', () => {
    const { leaves, nodes } = tree(70);
    const frontier = MerkleFrontier.empty();
    for (let size = 1; size <= 70; size += 1) {
      frontier.push(leaves[size - 1] as Buffer);
      const expected = mth(leaves.slice(0, size));
      expect(frontier.root()).toEqual(expected);
      expect(rangeHash(0, size, lookup(nodes))).toEqual(expected);
    }
  });

  it('proves inclusion of every leaf at every size up to 40, and refuses a changed leaf, index or root', () => {
    const { leaves, nodes } = tree(40);
    for (let size = 1; size <= 40; size += 1) {
      const root = mth(leaves.slice(0, size));
      for (let index = 0; index < size; index += 1) {
        const path = inclusionRanges(index, size).map(([start, end]) => rangeHash(start, end, lookup(nodes)));
        expect(verifyInclusion(index, size, leaves[index] as Buffer, path, root)).toBe(true);
        expect(verifyInclusion(index, size, leafHash('forged'), path, root)).toBe(false);
        if (size > 1) expect(verifyInclusion((index + 1) % size, size, leaves[index] as Buffer, path, root)).toBe(false);
      }
      expect(verifyInclusion(0, size, leaves[0] as Buffer, [], leafHash('x'))).toBe(false);
    }
  });

  it('proves consistency between every pair of sizes up to 40, and refuses a forked tree', () => {
    const { leaves, nodes } = tree(40);
    const forked = [...leaves];
    forked[5] = leafHash('rewritten');
    for (let to = 1; to <= 40; to += 1) {
      for (let from = 1; from <= to; from += 1) {
        const proof = consistencyRanges(from, to).map(([start, end]) => rangeHash(start, end, lookup(nodes)));
        expect(verifyConsistency(from, to, mth(leaves.slice(0, from)), mth(leaves.slice(0, to)), proof)).toBe(true);
        if (from > 5) expect(verifyConsistency(from, to, mth(forked.slice(0, from)), mth(leaves.slice(0, to)), proof)).toBe(false);
      }
    }
  });

  it('needs only O(log n) stored subtrees for a proof in a large tree', () => {
    const ranges = inclusionRanges(123_456_789, 1_000_000_000);
    expect(ranges.length).toBeLessThanOrEqual(30);
    expect(nodesFor(ranges).length).toBeLessThanOrEqual(60);
  });

  it('keeps the frontier as the perfect subtrees of its size', () => {
    const { frontier, nodes } = tree(13);
    const copy = MerkleFrontier.of(13, frontier.edge);
    const extra: StoredNode[] = copy.push(leafHash('14th'));
    expect(extra.map(({ level, index }) => ({ level, index }))).toEqual([
      { level: 0, index: 13 },
      { level: 1, index: 6 },
    ]);
    expect(frontier.size).toBe(13);
    expect(() => MerkleFrontier.of(12, frontier.edge)).toThrow(/12 leaves has 2 frontier hashes, not 3/);
    expect(nodes.size).toBe(13 + 6 + 3 + 1);
  });
});
