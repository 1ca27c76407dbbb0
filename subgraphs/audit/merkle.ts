import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 6962 (Certificate Transparency), as specified again in RFC 9162 §2.1: leaf hash
 * SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right), and for n leaves that are not a power of two
 * the left subtree holds the largest power of two smaller than n. Hashes are 32-byte Buffers here and lowercase hex
 * wherever they are stored or shown.
 */

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

export const EMPTY_ROOT = createHash('sha256').digest();

export function leafHash(leaf: string | Buffer): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** A perfect subtree: the 2^level leaves from index * 2^level on. */
export interface TreeNode {
  level: number;
  index: number;
}

export interface StoredNode extends TreeNode {
  hash: Buffer;
}

export function nodeKey({ level, index }: TreeNode): string {
  return `${level}:${index}`;
}

/** The largest power of two strictly smaller than n (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees whose hashes MTH(D[start:end]) is built from, for a range that the RFC's recursion produces
 * (start aligned to the largest power of two that fits): left to right, largest first.
 */
export function rangeNodes(start: number, end: number): TreeNode[] {
  const nodes: TreeNode[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    while (at % (size * 2) === 0 && at + size * 2 <= end) size *= 2;
    nodes.push({ level: Math.log2(size), index: at / size });
    at += size;
  }
  return nodes;
}

/** MTH(D[start:end]) from the hashes of its perfect subtrees (see `rangeNodes`), combined right to left. */
export function rangeHash(start: number, end: number, node: (at: TreeNode) => Buffer): Buffer {
  if (start === end) return EMPTY_ROOT;
  const hashes = rangeNodes(start, end).map(node);
  let hash = hashes.pop() as Buffer;
  while (hashes.length > 0) hash = nodeHash(hashes.pop() as Buffer, hash);
  return hash;
}

/** The ranges whose MTH form the audit path of leaf `index` in a tree of `size` leaves (RFC 9162 §2.1.3.1), bottom up. */
export function inclusionRanges(index: number, size: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index - start < k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      start += k;
    }
  }
  return ranges.reverse();
}

/** The ranges whose MTH form the consistency proof from `from` leaves to `to` leaves (RFC 9162 §2.1.4.1). */
export function consistencyRanges(from: number, to: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  if (from <= 0 || from >= to) return ranges;
  let start = 0;
  let end = to;
  let complete = true;
  for (;;) {
    if (from - start === end - start) {
      if (!complete) ranges.push([start, end]);
      return ranges.reverse();
    }
    const k = splitPoint(end - start);
    if (from - start <= k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      start += k;
      complete = false;
    }
  }
}

/** Every perfect subtree a set of ranges needs, once each. */
export function nodesFor(ranges: ReadonlyArray<[number, number]>): TreeNode[] {
  const needed = new Map<string, TreeNode>();
  for (const [start, end] of ranges) for (const node of rangeNodes(start, end)) needed.set(nodeKey(node), node);
  return [...needed.values()];
}

/** RFC 9162 §2.1.3.2: does `path` lead from the leaf at `index` to `root` in a tree of `size` leaves? */
export function verifyInclusion(index: number, size: number, leaf: Buffer, path: readonly Buffer[], root: Buffer): boolean {
  if (index >= size || index < 0) return false;
  let fn = index;
  let sn = size - 1;
  let hash = leaf;
  for (const sibling of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      hash = nodeHash(sibling, hash);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      hash = nodeHash(hash, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hash.equals(root);
}

/** RFC 9162 §2.1.4.2: is the tree of `from` leaves with `fromRoot` a prefix of the tree of `to` leaves with `toRoot`? */
export function verifyConsistency(from: number, to: number, fromRoot: Buffer, toRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (from > to || from < 0) return false;
  if (from === to) return proof.length === 0 && fromRoot.equals(toRoot);
  if (from === 0) return proof.length === 0;
  const path = [...proof];
  if ((from & (from - 1)) === 0) path.unshift(fromRoot);
  let fn = from - 1;
  let sn = to - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [first, ...rest] = path;
  if (!first) return false;
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(fromRoot) && sr.equals(toRoot);
}

/**
 * The right edge of a growing tree (a compact range from leaf 0): one hash per perfect subtree, largest first, which
 * is all it takes to append leaves and to compute the root at any size, in O(log n) memory.
 */
export class MerkleFrontier {
  private constructor(
    private leaves: number,
    private readonly hashes: Buffer[],
  ) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier(0, []);
  }

  /** From the hashes of the perfect subtrees of a tree of `size` leaves (`rangeNodes(0, size)`), in order. */
  static of(size: number, hashes: readonly Buffer[]): MerkleFrontier {
    if (hashes.length !== rangeNodes(0, size).length)
      throw new Error(`a tree of ${size} leaves has ${rangeNodes(0, size).length} frontier hashes, not ${hashes.length}`);
    return new MerkleFrontier(size, [...hashes]);
  }

  get size(): number {
    return this.leaves;
  }

  get edge(): readonly Buffer[] {
    return this.hashes;
  }

  copy(): MerkleFrontier {
    return new MerkleFrontier(this.leaves, [...this.hashes]);
  }

  /** Appends a leaf hash; returns every perfect subtree it completes, the leaf itself first. */
  push(leaf: Buffer): StoredNode[] {
    const index = this.leaves;
    const completed: StoredNode[] = [{ level: 0, index, hash: leaf }];
    let hash = leaf;
    let level = 0;
    while (Math.floor((index + 1) / 2 ** level) % 2 === 0) {
      hash = nodeHash(this.hashes.pop() as Buffer, hash);
      level += 1;
      completed.push({ level, index: (index + 1) / 2 ** level - 1, hash });
    }
    this.hashes.push(hash);
    this.leaves += 1;
    return completed;
  }

  root(): Buffer {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let hash = this.hashes[this.hashes.length - 1] as Buffer;
    for (let at = this.hashes.length - 2; at >= 0; at -= 1) hash = nodeHash(this.hashes[at] as Buffer, hash);
    return hash;
  }
}
