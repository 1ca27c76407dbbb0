import { isCompositeType, isInterfaceType, isObjectType, isSubtype, isUnionType, type CompositeType, type Schema } from '@apollo/federation-internals';

/**
 * Answers "does an object of runtime type T match the type condition C" for one schema, memoised: the answers are
 * asked for every object of every response, and the schema does not change under a plan.
 */
export class TypeConditions {
  private readonly matches = new Map<string, boolean>();
  private readonly refines = new Map<string, boolean>();

  constructor(readonly schema: Schema) {}

  /** The composite type of that name, or undefined when the schema has no such (composite) type. */
  composite(name: string): CompositeType | undefined {
    const type = this.schema.type(name);
    return type && isCompositeType(type) ? type : undefined;
  }

  /**
   * Whether an object whose `__typename` is `typename` matches `condition` (`@apollo/gateway`'s rule for
   * representations and rewrites): the same name, or an object or interface type within the abstract condition.
   */
  objectMatches(typename: string, condition: string): boolean {
    if (typename === condition) return true;
    const key = `${typename}\0${condition}`;
    let known = this.matches.get(key);
    if (known === undefined) {
      const type = this.schema.type(typename);
      const target = this.schema.type(condition);
      known =
        type !== undefined &&
        target !== undefined &&
        (isInterfaceType(target) || isUnionType(target)) &&
        (isObjectType(type) || isInterfaceType(type)) &&
        isSubtype(target, type);
      this.matches.set(key, known);
    }
    return known;
  }

  /** Whether a selection typed `condition` applies to a value of the composite type named `runtime`. */
  applies(condition: string, runtime: string): boolean {
    if (condition === runtime) return true;
    const key = `${runtime}\0${condition}`;
    let known = this.refines.get(key);
    if (known === undefined) {
      const type = this.schema.type(runtime);
      const target = this.schema.type(condition);
      known = type !== undefined && target !== undefined && isSubtype(target, type);
      this.refines.set(key, known);
    }
    return known;
  }
}
