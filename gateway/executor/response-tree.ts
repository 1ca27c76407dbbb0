/**
 * The response tree the fetches of one request write into: plain objects and arrays, as the subgraphs sent them.
 * The merge rules are `@apollo/gateway`'s, so that both executors build the same tree before it is projected.
 */
export type ResponseObject = Record<string, unknown>;

export function isResponseObject(value: unknown): value is ResponseObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key as an own property, so that a key such as `constructor` never reads through the prototype. */
function defineOwn(target: ResponseObject, key: string): void {
  if (!Object.hasOwn(target, key) && key in target)
    Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
}

export function getOwn(target: ResponseObject, key: string): unknown {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}

/**
 * Writes `source` into `target` in place: objects are merged key by key, lists of equal length element by element,
 * anything else replaces what was there. Undefined values (keys a rewrite moved away) are not copied.
 */
export function mergeInto(target: ResponseObject, source: unknown): void {
  if (!isResponseObject(source)) return;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    defineOwn(target, key);
    const existing = target[key];
    if (existing && isResponseObject(value) && typeof existing === 'object') {
      mergeInto(existing as ResponseObject, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        const current: unknown = existing[i];
        if (isResponseObject(current) && isResponseObject(element)) mergeInto(current, element);
        else existing[i] = element;
      }
    } else {
      target[key] = value;
    }
  }
}
