import type { QueryPlanSelectionNode } from '@apollo/query-planner';
import { getOwn, isResponseObject, mergeInto, type ResponseObject } from './response-tree';
import type { TypeConditions } from './type-conditions';

/** Builds the representation a fetch sends for one parent object; null when the object cannot be represented. */
export type RepresentationBuilder = (source: unknown) => ResponseObject | null;

type Selector = (source: ResponseObject, into: ResponseObject) => boolean;

/**
 * Compiles a fetch's `requires` selection once per plan. The rules are `@apollo/gateway`'s: a missing field makes
 * the whole (sub)object null, a type condition that does not match contributes nothing.
 */
export function compileRepresentation(selections: readonly QueryPlanSelectionNode[], types: TypeConditions): RepresentationBuilder {
  const selectors = selections.map((selection): Selector | null => {
    if (selection.kind === 'Field') {
      const responseName = selection.alias ?? selection.name;
      const nested = selection.selections ? compileRepresentation(selection.selections, types) : null;
      return (source, into) => {
        const value = getOwn(source, responseName);
        if (value === undefined) return false;
        if (Array.isArray(value)) into[responseName] = nested ? value.map(nested) : value;
        else into[responseName] = nested ? nested(value) : value;
        return true;
      };
    }
    const condition = selection.typeCondition;
    if (!condition) return null;
    const nested = compileRepresentation(selection.selections, types);
    return (source, into) => {
      const typename = source.__typename;
      if (typeof typename === 'string' && typename !== '' && types.objectMatches(typename, condition)) mergeInto(into, nested(source));
      return true;
    };
  });
  const active = selectors.filter((selector): selector is Selector => selector !== null);
  return (source) => {
    if (source === null || !isResponseObject(source)) return null;
    const result = Object.create(null) as ResponseObject;
    for (const select of active) if (!select(source, result)) return null;
    return result;
  };
}
