import type { FetchDataRewrite } from '@apollo/query-planner';
import { getOwn, isResponseObject, type ResponseObject } from './response-tree';
import type { TypeConditions } from './type-conditions';

/** Rewrites one value (a representation before it is sent, or data as a subgraph returned it) in place. */
export type DataRewriter = (value: unknown) => void;

const FRAGMENT_PREFIX = '... on ';

/** An object without `__typename` is taken to match: rewrites run on data the plan itself asked to be typed. */
function matches(types: TypeConditions, value: ResponseObject, condition: string): boolean {
  const typename = value.__typename;
  return typeof typename === 'string' && typename !== '' ? types.objectMatches(typename, condition) : true;
}

function atPath(types: TypeConditions, path: readonly string[], depth: number, value: unknown, apply: (target: ResponseObject) => void): void {
  if (Array.isArray(value)) {
    for (const element of value) atPath(types, path, depth, element, apply);
    return;
  }
  if (!isResponseObject(value)) return;
  if (depth === path.length) {
    apply(value);
    return;
  }
  const element = path[depth] as string;
  if (element.startsWith(FRAGMENT_PREFIX)) {
    if (matches(types, value, element.slice(FRAGMENT_PREFIX.length))) atPath(types, path, depth + 1, value, apply);
  } else {
    atPath(types, path, depth + 1, getOwn(value, element), apply);
  }
}

function setOwn(target: ResponseObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { configurable: true, enumerable: true, value, writable: true });
}

/** The plan's rewrites for one side of a fetch as one function; null when there are none. */
export function compileRewrites(rewrites: readonly FetchDataRewrite[] | undefined, types: TypeConditions): DataRewriter | null {
  if (!rewrites || rewrites.length === 0) return null;
  const compiled = rewrites.flatMap((rewrite): DataRewriter[] => {
    if (rewrite.path.length === 0) return [];
    const parent = rewrite.path.slice(0, -1);
    const field = rewrite.path[rewrite.path.length - 1] as string;
    if (field.startsWith(FRAGMENT_PREFIX)) throw new Error(`Unexpected fragment as last element of ${rewrite.path.join(',')}`);
    const apply =
      rewrite.kind === 'ValueSetter'
        ? (target: ResponseObject) => setOwn(target, field, rewrite.setValueTo)
        : (target: ResponseObject) => {
            const moved = getOwn(target, field);
            if (!moved) return;
            setOwn(target, rewrite.renameKeyTo, moved);
            target[field] = undefined;
          };
    return [(value) => atPath(types, parent, 0, value, apply)];
  });
  return (value) => {
    for (const rewrite of compiled) rewrite(value);
  };
}
